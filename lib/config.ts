/**
 * Where the tool's settings come from and whether they are valid.
 *
 * {@linkcode SETTINGS} is the one table of settings: each row names the
 * setting's flag, environment variable, config file key, how `status` shows
 * it, the question `configure` asks and what a valid value looks like. The
 * flags of `aws-cognito-auth`, `status`, `configure` and the shell
 * completions are all built from it, so adding a setting is adding a row.
 *
 * Settings are read from command-line flags, then the environment, then the
 * JSON config file (`~/.cognito-cli-config.json`, or the path in
 * `COGNITO_CLI_CONFIG`), then the admin config file
 * (`~/.cognito-admin-config.json`, or `COGNITO_ADMIN_CONFIG`, for the few
 * settings it holds); the first non-empty value wins. The region falls back to
 * the prefix of the user pool id. {@linkcode validateSettings} checks the
 * result against the patterns of the AWS API reference.
 *
 * Nothing here prints, exits or prompts: failures are thrown as
 * {@linkcode ConfigError}, and warnings are returned in
 * {@linkcode ResolvedSettings.warnings}.
 *
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "./atomic_file.ts";
import { ConfigError } from "./errors.ts";
import { homeDir, homeVariable } from "./home.ts";
import { findJsonSyntaxError } from "./json_error.ts";

export { findJsonSyntaxError };

/** The default name of the credential proxy Lambda function. */
export const DEFAULT_LAMBDA_FUNCTION_NAME = "cognito-credential-proxy";

/** The default loopback port browser sign-in listens on (`callback_port`). */
export const DEFAULT_CALLBACK_PORT = 47291;

/** What an IAM role ARN looks like (the AWS API reference's pattern). */
export const ROLE_ARN_PATTERN =
  /^arn:[\w+=\/,.@-]+:iam::\d{12}:role\/[\w+=\/,.@-]+$/;

/** The command that writes the config file, for hints in error messages. */
const CONFIGURE_COMMAND = "`aws-cognito-auth configure`";

/** The command that writes the admin config file, for hints. */
const ADMIN_CONFIGURE_COMMAND = "`aws-cognito-admin configure`";

/** How `status` shows a value. */
export type Display = "masked" | "plain" | "secret";

/** One row of {@linkcode SETTINGS}. */
export interface SettingSpec {
  /** How the setting is named in messages. */
  readonly label: string;
  /** Its command-line flag, named in messages. */
  readonly flag: string;
  /**
   * The flag as `aws-cognito-auth` declares it: its value's name and help.
   * `shared` flags go on `configure`, `status` and `login`; others are added
   * by the command that uses them.
   */
  readonly option?: {
    readonly value: string;
    readonly help: string;
    readonly shared: boolean;
  };
  /** Its environment variables, first one wins. */
  readonly env: readonly string[];
  /** Its key in the config file. */
  readonly fileKey: string;
  /**
   * Keys of the original tool that hold the same setting in another form, and
   * how to read them (used when `fileKey` is absent).
   */
  readonly fileAliases?: readonly {
    readonly key: string;
    readonly read: (value: string) => string;
  }[];
  /** Whether a whole JSON number is accepted in the file (ports). */
  readonly fileNumber?: boolean;
  /** Its place in the admin config file, when it has one. */
  readonly adminKey?: readonly string[];
  /** The value used when nothing sets it (source `"default"`). */
  readonly default?: string;
  /** The AWS API reference pattern it must match. */
  readonly pattern: RegExp;
  /** Its maximum length in the AWS API reference. */
  readonly maxLength: number;
  /** A further check; returns what is wrong, or `undefined`. */
  readonly check?: (value: string) => string | undefined;
  /** What a valid value looks like, for error messages. */
  readonly expected: string;
  /** How `status` shows it. */
  readonly display: Display;
  /** A secret: never shown in messages. */
  readonly secret?: boolean;
  /** The question `configure` asks for it; not asked when absent. */
  readonly question?: string;
  /** The command that saves it to the file, for hints (default `configure`). */
  readonly savedBy?: string;
}

/** Hosts for which a Managed Login domain may use plain http. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The origin of a URL, or the text unchanged when it is not a URL. */
function originOf(value: string): string {
  try {
    return new URL(value).origin;
  } catch {
    return value;
  }
}

/** What is wrong with a Managed Login domain, or `undefined`. */
function managedLoginDomainFault(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    return "uses http for a host that is not loopback (127.0.0.1, localhost or ::1)";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return "is not an https URL";
  }
  if (
    url.username || url.password || url.search || url.hash ||
    url.pathname !== "/" || /[?#]$/.test(value)
  ) {
    return "is not an origin (it has a path, query, fragment or user name)";
  }
  return undefined;
}

/** What is wrong with a port number, or `undefined`. */
function portFault(value: string): string | undefined {
  const port = Number(value);
  return port >= 1 && port <= 65535 ? undefined : "is not a port number";
}

/**
 * The name of one setting: a key of {@linkcode SETTINGS} (the compiler keeps
 * the two in step).
 */
export type SettingName =
  | "userPoolId"
  | "clientId"
  | "identityPoolId"
  | "region"
  | "lambdaFunctionName"
  | "clientSecret"
  | "classicRoleArn"
  | "authRoleName"
  | "managedLoginDomain"
  | "callbackPort";

/**
 * The settings whose flag `configure`, `status` and `login` share: those
 * whose row has `option.shared` (a test keeps the two in step).
 */
export type SharedFlagName = Exclude<
  SettingName,
  "clientSecret" | "classicRoleArn" | "authRoleName"
>;

/**
 * Every setting, in the order they are checked, listed and written. The
 * key of each row is the setting's name in {@linkcode Settings}; for a shared
 * flag it is also the name commander gives the flag's value
 * (`--user-pool-id` is `userPoolId`).
 */
export const SETTINGS: Readonly<Record<SettingName, SettingSpec>> = {
  userPoolId: {
    label: "user pool id",
    flag: "--user-pool-id",
    option: {
      value: "<id>",
      help: "Cognito User Pool id (us-east-1_xxxx)",
      shared: true,
    },
    env: ["COGNITO_USER_POOL_ID"],
    fileKey: "user_pool_id",
    pattern: /^[\w-]+_[0-9a-zA-Z]+$/,
    maxLength: 55,
    expected:
      "<region>_<letters and digits>, at most 55 characters, e.g. us-east-1_AbC123xyz",
    display: "masked",
    question: "Cognito User Pool id",
  },
  clientId: {
    label: "client id",
    flag: "--client-id",
    option: { value: "<id>", help: "User Pool app client id", shared: true },
    env: ["COGNITO_CLIENT_ID"],
    fileKey: "client_id",
    pattern: /^[\w+]+$/,
    maxLength: 128,
    expected:
      'letters, digits, "_" or "+", at most 128 characters, e.g. 1example23456789abcdefghij',
    display: "masked",
    question: "User Pool app client id",
  },
  identityPoolId: {
    label: "identity pool id",
    flag: "--identity-pool-id",
    option: {
      value: "<id>",
      help: "Cognito Identity Pool id (us-east-1:xxxxxxxx-...)",
      shared: true,
    },
    env: ["COGNITO_IDENTITY_POOL_ID"],
    fileKey: "identity_pool_id",
    pattern: /^[\w-]+:[0-9a-f-]+$/,
    maxLength: 55,
    expected:
      "<region>:<lowercase hex id>, at most 55 characters, e.g. us-east-1:a988108b-e448-4596-8be6-059e064351f5",
    display: "masked",
    question: "Cognito Identity Pool id",
  },
  region: {
    label: "region",
    flag: "--region",
    option: {
      value: "<region>",
      help: "AWS region written into the profile",
      shared: true,
    },
    // Not AWS_DEFAULT_REGION: a default set for other work must not point
    // Cognito calls away from the pool (the original tool ignores it too).
    env: ["AWS_REGION"],
    fileKey: "region",
    pattern: /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/,
    maxLength: 50,
    expected: "an AWS region such as us-east-1, eu-west-2 or us-gov-west-1",
    display: "plain",
    question: "AWS region",
  },
  lambdaFunctionName: {
    label: "Lambda function name",
    flag: "--lambda-function-name",
    option: {
      value: "<name>",
      help:
        `credential proxy function (default ${DEFAULT_LAMBDA_FUNCTION_NAME})`,
      shared: true,
    },
    env: ["COGNITO_LAMBDA_FUNCTION_NAME"],
    fileKey: "lambda_function_name",
    adminKey: ["aws_service_names", "lambda_function_name"],
    default: DEFAULT_LAMBDA_FUNCTION_NAME,
    pattern:
      /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9_.-]+)(:(\$LATEST|[a-zA-Z0-9_-]+))?$/,
    maxLength: 140,
    expected:
      `a function name, partial ARN or ARN (letters, digits, '-', '_', '.'), at most 140 characters, e.g. ${DEFAULT_LAMBDA_FUNCTION_NAME}`,
    display: "plain",
    question: "Credential proxy function name",
  },
  clientSecret: {
    label: "client secret",
    flag: "(no flag: set COGNITO_CLIENT_SECRET)",
    env: ["COGNITO_CLIENT_SECRET"],
    fileKey: "client_secret",
    pattern: /^[\x21-\x7e]+$/,
    maxLength: 128,
    expected: "printable characters with no spaces, at most 128 characters",
    display: "secret",
    secret: true,
  },
  classicRoleArn: {
    label: "classic flow role ARN",
    flag: "--role-arn",
    option: {
      value: "<arn>",
      help:
        "the role --flow classic assumes (else COGNITO_CLASSIC_ROLE_ARN or " +
        "classic_role_arn)",
      shared: false,
    },
    env: ["COGNITO_CLASSIC_ROLE_ARN"],
    fileKey: "classic_role_arn",
    pattern: ROLE_ARN_PATTERN,
    maxLength: 2048,
    expected:
      "an IAM role ARN, e.g. arn:aws:iam::123456789012:role/CognitoClassicRole",
    display: "plain",
  },
  authRoleName: {
    label: "authenticated role name",
    flag: "--role-name",
    env: ["COGNITO_AUTH_ROLE_NAME"],
    fileKey: "auth_role_name",
    pattern: /^[\w+=,.@-]+$/,
    maxLength: 64,
    expected:
      "an IAM role name (letters, digits and +=,.@_-), at most 64 characters, e.g. Cognito_MyPool_Auth_Role",
    display: "plain",
    savedBy: "`aws-cognito-admin setup-identity-pool`",
  },
  managedLoginDomain: {
    label: "Managed Login domain",
    flag: "--managed-login-domain",
    option: {
      value: "<url>",
      help: "the pool's Managed Login domain (an https origin), for " +
        "browser sign-in",
      shared: true,
    },
    env: ["COGNITO_MANAGED_LOGIN_DOMAIN"],
    fileKey: "managed_login_domain",
    fileAliases: [{ key: "managed_login_url", read: originOf }],
    pattern: /^https?:\/\/\S+$/,
    maxLength: 2048,
    check: managedLoginDomainFault,
    expected:
      "an https origin such as https://example.auth.us-east-1.amazoncognito.com " +
      "(http only for 127.0.0.1, localhost or ::1)",
    display: "plain",
    question: "Managed Login domain (for browser sign-in; empty for none)",
  },
  callbackPort: {
    label: "callback port",
    flag: "--callback-port",
    option: {
      value: "<port>",
      help: "loopback port browser sign-in listens on for the redirect " +
        `(default ${DEFAULT_CALLBACK_PORT})`,
      shared: true,
    },
    env: ["COGNITO_CALLBACK_PORT"],
    fileKey: "callback_port",
    fileNumber: true,
    default: String(DEFAULT_CALLBACK_PORT),
    pattern: /^\d+$/,
    maxLength: 5,
    check: portFault,
    expected: `a port number from 1 to 65535, e.g. ${DEFAULT_CALLBACK_PORT}`,
    display: "plain",
    question: "Browser sign-in callback port",
  },
};

/**
 * The tool's own settings, by name; each is described by its row in
 * {@linkcode SETTINGS}. Values are strings as given (a port too).
 */
export type Settings = { [K in SettingName]?: string };

/** Where a setting's value came from. */
export type SettingSource =
  | "flag"
  | "env"
  | "file"
  | "admin-file"
  | "derived"
  | "default";

/** The settings in effect, with where each came from. */
export interface ResolvedSettings {
  /** The value of each setting that is set. */
  values: Settings;
  /** Where each value in {@linkcode ResolvedSettings.values} came from. */
  sources: Partial<Record<SettingName, SettingSource>>;
  /** The config file path used. */
  configPath: string;
  /** Whether the config file existed. */
  configFileFound: boolean;
  /** Keys present in the file that we do not know (kept, reported by status). */
  unknownFileKeys: string[];
  /** For settings whose source is `"env"`: the variable they came from. */
  envNames?: Partial<Record<SettingName, string>>;
  /** The admin config file path used, when it was looked for. */
  adminConfigPath?: string;
  /** Whether the admin config file existed. */
  adminConfigFound?: boolean;
  /**
   * Things worth telling the user that do not stop anything, e.g. a region
   * that differs from the user pool id's.
   */
  warnings?: string[];
}

const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** The rows of {@linkcode SETTINGS} as plain specs, in table order. */
export const SETTING_ROWS: readonly (readonly [SettingName, SettingSpec])[] =
  SETTING_NAMES.map((name) => [name, SETTINGS[name]]);

/** One row of {@linkcode SETTINGS}, as a plain spec. */
export function settingSpec(name: SettingName): SettingSpec {
  return SETTINGS[name];
}

const spec = settingSpec;

/** A region as it appears at the start of a pool id. */
const REGION_PREFIX = /^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)[_:]/;

/** The region a user pool id starts with, or `undefined`. */
function poolRegion(userPoolId: string): string | undefined {
  const prefix = REGION_PREFIX.exec(userPoolId);
  return prefix && userPoolId[prefix[1].length] === "_" ? prefix[1] : undefined;
}

/**
 * A file in the home folder, or the path in `variable` (a leading `~/` is
 * expanded, as the AWS SDK does for its own files).
 */
function userFilePath(
  env: Record<string, string | undefined>,
  variable: string,
  fileName: string,
): string {
  const home = (why: string) => {
    const dir = homeDir(env);
    if (dir !== undefined) return dir;
    throw new ConfigError(
      `Cannot find your home folder (${why}): neither HOME nor USERPROFILE is set. ` +
        `Set ${homeVariable()}, or set ${variable} to the full path of the ` +
        `file, e.g. /home/me/${fileName}.`,
    );
  };
  const override = env[variable];
  if (override !== undefined && override.trim() !== "") {
    if (override === "~" || /^~[\\/]/.test(override)) {
      return join(home(`${variable} starts with ~`), override.slice(1));
    }
    return override;
  }
  return join(home(`${fileName} lives there`), fileName);
}

/**
 * Finds the config file: `COGNITO_CLI_CONFIG` if set (a leading `~/` is
 * expanded, as the AWS SDK does for its own files), else
 * `~/.cognito-cli-config.json` in the home folder (see `lib/home.ts`).
 *
 * Throws {@linkcode ConfigError} if no home can be found and no override is
 * set.
 */
export function configFilePath(
  env: Record<string, string | undefined>,
): string {
  return userFilePath(env, "COGNITO_CLI_CONFIG", ".cognito-cli-config.json");
}

/**
 * Finds the admin config file of the original tool:
 * `COGNITO_ADMIN_CONFIG` if set, else `~/.cognito-admin-config.json`.
 */
export function adminConfigFilePath(
  env: Record<string, string | undefined>,
): string {
  return userFilePath(
    env,
    "COGNITO_ADMIN_CONFIG",
    ".cognito-admin-config.json",
  );
}

/**
 * Reads a JSON file that must hold an object; `undefined` if it does not
 * exist. Throws {@linkcode ConfigError} naming the file (and line and column
 * for a syntax error) otherwise.
 */
export async function readJsonObjectFile(
  path: string,
  what: { name: string; command: string; variable: string },
): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new ConfigError(
      `Could not read the ${what.name} ${path}: ${errorText(error)}. ` +
        `Check that it is a readable file, or set ${what.variable} to another path.`,
      { cause: error },
    );
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1);

  const fixHint =
    `Fix the file, or delete it and run ${what.command} to write a new one.`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const where = findJsonSyntaxError(text);
    const hint =
      `Fix the file there, or delete it and run ${what.command} to write a new one.`;
    throw new ConfigError(
      where
        ? `The ${what.name} ${path} is not valid JSON: ${where.reason} at ` +
          `line ${where.line}, column ${where.column} ` +
          `(${path}:${where.line}:${where.column}). ${hint}`
        : `The ${what.name} ${path} is not valid JSON. ${hint}`,
      { cause: error },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      `The ${what.name} ${path} must hold a JSON object such as ` +
        `{"user_pool_id": "us-east-1_AbC123xyz", "client_id": "..."}, ` +
        `but it holds ${jsonKind(parsed)}. ${fixHint}`,
    );
  }
  return parsed as Record<string, unknown>;
}

const CLI_FILE = {
  name: "config file",
  command: CONFIGURE_COMMAND,
  variable: "COGNITO_CLI_CONFIG",
};

const ADMIN_FILE = {
  name: "admin config file",
  command: ADMIN_CONFIGURE_COMMAND,
  variable: "COGNITO_ADMIN_CONFIG",
};

/**
 * Reads the JSON config file; `undefined` if it does not exist.
 *
 * Throws {@linkcode ConfigError} when the file cannot be read, is not valid
 * JSON (naming the file, line and column), does not hold a JSON object, or
 * gives a known key a value that is not a string (naming the key). Unknown keys
 * are kept in `raw`.
 */
export async function loadConfigFile(
  path: string,
): Promise<{ settings: Settings; raw: Record<string, unknown> } | undefined> {
  const raw = await readJsonObjectFile(path, CLI_FILE);
  if (raw === undefined) return undefined;
  const settings: Settings = {};
  const badKeys: string[] = [];
  const take = (name: SettingName, key: string, read = (v: string) => v) => {
    const value = raw[key];
    if (typeof value === "string") settings[name] = read(value);
    else if (
      spec(name).fileNumber && typeof value === "number" &&
      Number.isInteger(value)
    ) settings[name] = String(value);
    else badKeys.push(`"${key}" (${jsonKind(value)})`);
  };
  for (const name of SETTING_NAMES) {
    const { fileKey, fileAliases } = spec(name);
    if (Object.hasOwn(raw, fileKey)) take(name, fileKey);
    else {
      const alias = fileAliases?.find((a) => Object.hasOwn(raw, a.key));
      if (alias) take(name, alias.key, alias.read);
    }
  }
  if (badKeys.length > 0) {
    throw new ConfigError(
      `The config file ${path} has a value that is not a string for ` +
        `${
          badKeys.join(", ")
        }; each setting must be a string in double quotes, ` +
        `e.g. "region": "us-east-1". Fix the file, or delete it and run ` +
        `${CONFIGURE_COMMAND} to write a new one.`,
    );
  }
  return { settings, raw };
}

/** The value at a path of keys in nested JSON objects. */
export function valueAt(
  raw: Record<string, unknown>,
  keys: readonly string[],
): unknown {
  let value: unknown = raw;
  for (const key of keys) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return undefined;
    }
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Reads the settings the admin config file holds (the original tool's
 * `~/.cognito-admin-config.json`: for this tool, the proxy function name);
 * `undefined` if it does not exist. Throws {@linkcode ConfigError} as
 * {@linkcode loadConfigFile} does.
 */
export async function loadAdminConfigSettings(
  path: string,
): Promise<{ settings: Settings; raw: Record<string, unknown> } | undefined> {
  const raw = await readJsonObjectFile(path, ADMIN_FILE);
  if (raw === undefined) return undefined;
  const settings: Settings = {};
  for (const name of SETTING_NAMES) {
    const keys: readonly string[] | undefined = spec(name).adminKey;
    if (keys === undefined) continue;
    const value = valueAt(raw, keys);
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") {
      throw new ConfigError(
        `The admin config file ${path} has a value that is not a string for ` +
          `"${keys.join(".")}" (${jsonKind(value)}). Fix the file, or run ` +
          `${ADMIN_CONFIGURE_COMMAND} to correct it.`,
      );
    }
    settings[name] = value;
  }
  return { settings, raw };
}

/**
 * Works out the settings in effect. Precedence is flags, then environment,
 * then the config file, then the admin config file (`meta.admin`), for each
 * row of {@linkcode SETTINGS}. Values are trimmed, and empty values count as
 * unset. The region falls back to the user pool id's prefix (source
 * `"derived"`), and settings with a default (the Lambda function name, the
 * callback port) to it (source `"default"`). A region given by flag,
 * `AWS_REGION` or the file that differs from the user pool id's is kept, with
 * a warning.
 *
 * Nothing is validated here; see {@linkcode validateSettings}.
 *
 * @example Flags win over the environment, which wins over the file
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSettings } from "./config.ts";
 *
 * const resolved = resolveSettings(
 *   { clientId: "flagclient123" },
 *   {
 *     COGNITO_CLIENT_ID: "envclient456",
 *     COGNITO_USER_POOL_ID: "eu-west-2_AbC123xyz",
 *   },
 *   { clientId: "fileclient789", identityPoolId: "eu-west-2:a988108b-e448" },
 *   { configPath: "/home/me/.cognito-cli-config.json", configFileFound: true },
 * );
 *
 * assert.equal(resolved.values.clientId, "flagclient123");
 * assert.equal(resolved.sources.clientId, "flag");
 * assert.equal(resolved.sources.userPoolId, "env");
 * assert.equal(resolved.sources.identityPoolId, "file");
 * assert.equal(resolved.values.region, "eu-west-2");
 * assert.equal(resolved.sources.region, "derived");
 * assert.equal(resolved.values.lambdaFunctionName, "cognito-credential-proxy");
 * assert.equal(resolved.sources.lambdaFunctionName, "default");
 * ```
 */
export function resolveSettings(
  flags: Settings,
  env: Record<string, string | undefined>,
  file: Settings | undefined,
  meta: {
    configPath: string;
    configFileFound: boolean;
    unknownFileKeys?: string[];
    admin?: { path: string; found: boolean; settings?: Settings };
  },
): ResolvedSettings {
  const values: Settings = {};
  const sources: Partial<Record<SettingName, SettingSource>> = {};
  const envNames: Partial<Record<SettingName, string>> = {};

  for (const name of SETTING_NAMES) {
    const fromFlag = present(flags[name]);
    if (fromFlag !== undefined) {
      values[name] = fromFlag;
      sources[name] = "flag";
      continue;
    }
    const envName = spec(name).env.find((n) => present(env[n]) !== undefined);
    if (envName !== undefined) {
      values[name] = present(env[envName]);
      sources[name] = "env";
      envNames[name] = envName;
      continue;
    }
    const fromFile = present(file?.[name]);
    if (fromFile !== undefined) {
      values[name] = fromFile;
      sources[name] = "file";
      continue;
    }
    const fromAdmin = present(meta.admin?.settings?.[name]);
    if (fromAdmin !== undefined) {
      values[name] = fromAdmin;
      sources[name] = "admin-file";
      continue;
    }
    const fallback: string | undefined = spec(name).default;
    if (fallback !== undefined) {
      values[name] = fallback;
      sources[name] = "default";
    }
  }

  const warnings: string[] = [];
  const fromPool = values.userPoolId === undefined
    ? undefined
    : poolRegion(values.userPoolId);
  if (values.region === undefined && fromPool !== undefined) {
    values.region = fromPool;
    sources.region = "derived";
  } else if (
    values.region !== undefined && fromPool !== undefined &&
    values.region !== fromPool
  ) {
    const from = describeSource(
      "region",
      sources.region!,
      meta.configPath,
      envNames.region,
    );
    warnings.push(
      `The region ${values.region} (from ${from}) differs from the user ` +
        `pool id's region ${fromPool}: Cognito calls go to ${fromPool}, and ` +
        `${values.region} is used for the proxy and written into the profile.`,
    );
  }

  return {
    values,
    sources,
    configPath: meta.configPath,
    configFileFound: meta.configFileFound,
    unknownFileKeys: [...(meta.unknownFileKeys ?? [])],
    envNames,
    adminConfigPath: meta.admin?.path,
    adminConfigFound: meta.admin?.found,
    warnings,
  };
}

/**
 * Finds, reads and resolves the settings: {@linkcode configFilePath} and
 * {@linkcode adminConfigFilePath}, then {@linkcode loadConfigFile} and
 * {@linkcode loadAdminConfigSettings}, then {@linkcode resolveSettings}.
 */
export async function loadSettings(
  flags: Settings,
  env: Record<string, string | undefined>,
): Promise<ResolvedSettings> {
  const configPath = configFilePath(env);
  // The admin file is optional: with no home folder there is none to read.
  const adminPath = homeDir(env) !== undefined ||
      present(env.COGNITO_ADMIN_CONFIG) !== undefined
    ? adminConfigFilePath(env)
    : undefined;
  const [loaded, admin] = await Promise.all([
    loadConfigFile(configPath),
    adminPath === undefined ? undefined : loadAdminConfigSettings(adminPath),
  ]);
  const knownKeys = new Set(
    SETTING_NAMES.flatMap((name) => [
      spec(name).fileKey,
      ...(spec(name).fileAliases ?? []).map((a) => a.key),
    ]),
  );
  return resolveSettings(flags, env, loaded?.settings, {
    configPath,
    configFileFound: loaded !== undefined,
    unknownFileKeys: loaded
      ? Object.keys(loaded.raw).filter((key) => !knownKeys.has(key))
      : [],
    admin: adminPath === undefined ? undefined : {
      path: adminPath,
      found: admin !== undefined,
      settings: admin?.settings,
    },
  });
}

/**
 * Checks that the `required` settings are set and that every setting that is
 * set is well-formed (AWS API reference patterns, and each row's own check).
 * Throws one {@linkcode ConfigError} listing every problem, each naming the
 * setting, where it came from, the bad value and the expected form, and how
 * to fix it.
 *
 * Returns the values, typed as present for the required names; a Managed
 * Login domain is returned as its origin (no trailing `/`). A user pool and
 * an identity pool in different regions is not an error.
 */
export function validateSettings<K extends SettingName>(
  resolved: ResolvedSettings,
  required: readonly K[],
): Settings & Required<Pick<Settings, K>> {
  const mustHave = new Set<SettingName>(required);
  const problems: string[] = [];

  for (const name of SETTING_NAMES) {
    const row = spec(name);
    const value = resolved.values[name];
    if (value === undefined || value === "") {
      if (mustHave.has(name)) problems.push(missingProblem(name));
      continue;
    }
    let fault: string | undefined;
    if (value.length > row.maxLength) {
      fault =
        `is too long (${value.length} characters, at most ${row.maxLength})`;
    } else if (!row.pattern.test(value)) {
      fault = "is malformed";
    } else {
      fault = row.check?.(value);
    }
    if (fault === undefined) continue;

    const source = resolved.sources[name];
    const from = source ? ` (from ${sourceOf(resolved, name, source)})` : "";
    problems.push(
      `${row.label} ${
        row.secret ? "(hidden)" : showValue(value)
      }${from} ${fault}: expected ` +
        `${row.expected}. ${fixHint(name, source, resolved)}`,
    );
  }

  if (problems.length > 0) {
    const head = problems.length === 1
      ? "A setting is missing or malformed:"
      : `${problems.length} settings are missing or malformed:`;
    throw new ConfigError(
      [head, ...problems.map((problem) => `  - ${problem}`)].join("\n"),
    );
  }
  const values = { ...resolved.values };
  if (values.managedLoginDomain !== undefined) {
    values.managedLoginDomain = originOf(values.managedLoginDomain);
  }
  return values as Settings & Required<Pick<Settings, K>>;
}

function missingProblem(name: SettingName): string {
  const row = spec(name);
  const what = name === "region"
    ? "region is not set and cannot be derived from the user pool id"
    : `${row.label} is not set`;
  return `${what}. Run ${savedBy(row)} or set ${row.env[0]}.`;
}

function savedBy(row: SettingSpec): string {
  return row.savedBy ?? CONFIGURE_COMMAND;
}

function fixHint(
  name: SettingName,
  source: SettingSource | undefined,
  resolved: ResolvedSettings,
): string {
  const row = spec(name);
  switch (source) {
    case "flag":
      return `Pass the right value with ${row.flag}.`;
    case "env": {
      const variable = resolved.envNames?.[name] ?? row.env[0];
      return `Set ${variable} to the right value, or unset it and run ${
        savedBy(row)
      }.`;
    }
    case "file":
      return `Run ${
        savedBy(row)
      } to correct it, or edit ${resolved.configPath}.`;
    case "admin-file":
      return `Run ${ADMIN_CONFIGURE_COMMAND} to correct it, or edit ${resolved.adminConfigPath}.`;
    default:
      return `Run ${savedBy(row)} or set ${row.env[0]}.`;
  }
}

/** Shows a value in a message: quoted, with control characters escaped. */
function showValue(value: string): string {
  const limit = 80;
  const shown = value.length > limit ? `${value.slice(0, limit)}…` : value;
  return JSON.stringify(shown);
}

/**
 * Writes the config file atomically: a temporary file in the same folder with
 * mode 0600, then a rename over the file (if the path is a symlink, its target
 * is replaced and the link kept). Keys are the snake_case `fileKey`s of
 * {@linkcode SETTINGS}; unknown keys from `previousRaw` are kept, in their
 * order; undefined or empty settings are left out. The JSON is indented by 2
 * spaces and ends with a newline. The parent folder is created if missing.
 *
 * Throws {@linkcode ConfigError} if the file cannot be written.
 */
export async function saveConfigFile(
  path: string,
  settings: Settings,
  previousRaw?: Record<string, unknown>,
): Promise<void> {
  await saveJsonFile(
    path,
    configObject(settings, previousRaw),
    CLI_FILE,
  );
}

/**
 * Writes a JSON object atomically (mode 0600), indented by 2 spaces with a
 * final newline. Throws {@linkcode ConfigError} if it cannot be written.
 */
export async function saveJsonFile(
  path: string,
  object: Record<string, unknown>,
  what: { name: string; variable: string } = CLI_FILE,
): Promise<void> {
  try {
    await writeFileAtomic(path, `${JSON.stringify(object, null, 2)}\n`);
  } catch (error) {
    throw new ConfigError(
      `Could not write the ${what.name} ${path}: ${errorText(error)}. ` +
        `Check that its folder is writable, or set ${what.variable} to another path.`,
      { cause: error },
    );
  }
}

/** Builds the object written to the config file. */
function configObject(
  settings: Settings,
  previousRaw: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const known = new Map<string, string | undefined>(
    SETTING_NAMES.map((
      name,
    ) => [spec(name).fileKey, present(settings[name])]),
  );
  // Object.fromEntries defines own properties, so even a "__proto__" key
  // from the old file is kept as data.
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(previousRaw ?? {})) {
    if (!known.has(key)) entries.push([key, value]);
    else if (known.get(key) !== undefined) entries.push([key, known.get(key)]);
    known.delete(key);
  }
  for (const [key, value] of known) {
    if (value !== undefined) entries.push([key, value]);
  }
  return Object.fromEntries(entries);
}

/**
 * Masks an id for display: keeps a recognisable prefix (the region of a pool
 * id and the first 3 characters after it) and the last 4 characters, e.g.
 * `us-east-1_abc…wxyz`. Ids too short to mask that way show fewer characters,
 * and very short ones are shown as `****`; the whole id is never shown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskId } from "./config.ts";
 *
 * assert.equal(
 *   maskId("us-east-1_7d3223d999794a30a2bb7df81c784ba4"),
 *   "us-east-1_7d3…4ba4",
 * );
 * assert.equal(maskId("abc"), "****");
 * ```
 */
export function maskId(id: string): string {
  const match = REGION_PREFIX.exec(id);
  const prefix = match && match[0].length < id.length ? match[0] : "";
  const body = id.slice(prefix.length);
  if (body.length >= 12) {
    return `${prefix}${body.slice(0, 3)}…${body.slice(-4)}`;
  }
  if (body.length >= 8) return `${prefix}…${body.slice(-4)}`;
  return "****";
}

/**
 * A human label of where a setting came from: `"flag --client-id"`,
 * `"env COGNITO_CLIENT_ID"`, `"file /home/me/.cognito-cli-config.json"`,
 * `"file /home/me/.cognito-admin-config.json"` (the admin config file, whose
 * path is `adminConfigPath`), `"derived from user pool id"` or `"default"`.
 *
 * For a setting from the environment, pass `envName` (from
 * {@linkcode ResolvedSettings.envNames}); without it the first variable is
 * named.
 */
export function describeSource(
  name: SettingName,
  source: SettingSource,
  configPath: string,
  envName?: string,
  adminConfigPath?: string,
): string {
  switch (source) {
    case "flag":
      return `flag ${spec(name).flag}`;
    case "env":
      return `env ${envName ?? spec(name).env[0]}`;
    case "file":
      return `file ${configPath}`;
    case "admin-file":
      return `file ${adminConfigPath ?? "~/.cognito-admin-config.json"}`;
    case "derived":
      return "derived from user pool id";
    case "default":
      return "default";
  }
}

/** Where a resolved setting came from, as {@linkcode describeSource} says. */
export function sourceOf(
  resolved: ResolvedSettings,
  name: SettingName,
  source: SettingSource,
): string {
  return describeSource(
    name,
    source,
    resolved.configPath,
    resolved.envNames?.[name],
    resolved.adminConfigPath,
  );
}

/** A value trimmed, or `undefined` if it is missing or blank. */
function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "object":
      return "an object";
    case "number":
      return "a number";
    case "boolean":
      return `${value}`;
    default:
      return `a ${typeof value}`;
  }
}
