/**
 * Where the tool's settings come from and whether they are valid.
 *
 * Settings are read from command-line flags, then the environment, then the
 * JSON config file (`~/.cognito-cli-config.json`, or the path in
 * `COGNITO_CLI_CONFIG`); the first non-empty value wins. The region falls back
 * to the prefix of the user pool id. {@linkcode validateSettings} checks the
 * result against the patterns of the AWS API reference.
 *
 * Nothing here prints, exits or prompts: failures are thrown as
 * {@linkcode ConfigError}.
 *
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "./atomic_file.ts";
import { ConfigError } from "./errors.ts";

/** The tool's own settings. */
export interface Settings {
  /** The Cognito user pool id, e.g. `us-east-1_AbC123xyz`. */
  userPoolId?: string;
  /** The user pool's app client id. */
  clientId?: string;
  /** The Cognito identity pool id, e.g. `us-east-1:a988108b-…`. */
  identityPoolId?: string;
  /** The AWS region of the pools, e.g. `us-east-1`. */
  region?: string;
  /**
   * The credential proxy function (name, partial ARN or ARN); defaults to
   * `cognito-credential-proxy` (applied by {@linkcode resolveSettings} with
   * source `"default"`).
   */
  lambdaFunctionName?: string;
  /**
   * The app client's secret, for clients that have one (`client_secret` in
   * the file, `COGNITO_CLIENT_SECRET`; no flag, so it stays out of shell
   * history). Never shown in messages.
   */
  clientSecret?: string;
  /** The role `login --flow classic` assumes (`classic_role_arn`). */
  classicRoleArn?: string;
  /**
   * The Identity Pool's authenticated role, by name, that
   * `aws-cognito-admin` acts on (`auth_role_name` in the file, saved by
   * `aws-cognito-admin setup-identity-pool`; `aws-cognito-auth` does not use
   * it).
   */
  authRoleName?: string;
}

/** The name of one setting. */
export type SettingName = keyof Settings;

/** Where a setting's value came from. */
export type SettingSource = "flag" | "env" | "file" | "derived" | "default";

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
  /**
   * For settings whose source is `"env"`: the variable they came from (the
   * region may come from `AWS_REGION` or `AWS_DEFAULT_REGION`).
   */
  envNames?: Partial<Record<SettingName, string>>;
}

/** The default name of the credential proxy Lambda function. */
const DEFAULT_LAMBDA_FUNCTION_NAME = "cognito-credential-proxy";

/** The command that writes the config file, for hints in error messages. */
const CONFIGURE_COMMAND = "`aws-cognito-auth configure`";

interface SettingSpec {
  /** How the setting is named in messages. */
  label: string;
  /** Its command-line flag. */
  flag: string;
  /** Its environment variables, first one wins. */
  env: readonly string[];
  /** Its key in the config file. */
  fileKey: string;
  /** The AWS API reference pattern it must match. */
  pattern: RegExp;
  /** Its maximum length in the AWS API reference. */
  maxLength: number;
  /** What a valid value looks like, for error messages. */
  expected: string;
  /** A secret: never shown in messages. */
  secret?: boolean;
  /** The command that saves it to the file, for hints (default `configure`). */
  savedBy?: string;
}

/** Every setting, in the order they are checked, listed and written. */
const SPECS: Record<SettingName, SettingSpec> = {
  userPoolId: {
    label: "user pool id",
    flag: "--user-pool-id",
    env: ["COGNITO_USER_POOL_ID"],
    fileKey: "user_pool_id",
    pattern: /^[\w-]+_[0-9a-zA-Z]+$/,
    maxLength: 55,
    expected:
      "<region>_<letters and digits>, at most 55 characters, e.g. us-east-1_AbC123xyz",
  },
  clientId: {
    label: "client id",
    flag: "--client-id",
    env: ["COGNITO_CLIENT_ID"],
    fileKey: "client_id",
    pattern: /^[\w+]+$/,
    maxLength: 128,
    expected:
      'letters, digits, "_" or "+", at most 128 characters, e.g. 1example23456789abcdefghij',
  },
  identityPoolId: {
    label: "identity pool id",
    flag: "--identity-pool-id",
    env: ["COGNITO_IDENTITY_POOL_ID"],
    fileKey: "identity_pool_id",
    pattern: /^[\w-]+:[0-9a-f-]+$/,
    maxLength: 55,
    expected:
      "<region>:<lowercase hex id>, at most 55 characters, e.g. us-east-1:a988108b-e448-4596-8be6-059e064351f5",
  },
  region: {
    label: "region",
    flag: "--region",
    env: ["AWS_REGION", "AWS_DEFAULT_REGION"],
    fileKey: "region",
    pattern: /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/,
    maxLength: 50,
    expected: "an AWS region such as us-east-1, eu-west-2 or us-gov-west-1",
  },
  lambdaFunctionName: {
    label: "Lambda function name",
    flag: "--lambda-function-name",
    env: ["COGNITO_LAMBDA_FUNCTION_NAME"],
    fileKey: "lambda_function_name",
    pattern:
      /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9_.-]+)(:(\$LATEST|[a-zA-Z0-9_-]+))?$/,
    maxLength: 140,
    expected:
      "a function name, partial ARN or ARN (letters, digits, '-', '_', '.'), at most 140 characters, e.g. cognito-credential-proxy",
  },
  clientSecret: {
    label: "client secret",
    flag: "(no flag: set COGNITO_CLIENT_SECRET)",
    env: ["COGNITO_CLIENT_SECRET"],
    fileKey: "client_secret",
    pattern: /^[\x21-\x7e]+$/,
    maxLength: 128,
    expected: "printable characters with no spaces, at most 128 characters",
    secret: true,
  },
  classicRoleArn: {
    label: "classic flow role ARN",
    flag: "--role-arn",
    env: ["COGNITO_CLASSIC_ROLE_ARN"],
    fileKey: "classic_role_arn",
    pattern: /^arn:[\w+=\/,.@-]+:iam::\d{12}:role\/[\w+=\/,.@-]+$/,
    maxLength: 2048,
    expected:
      "an IAM role ARN, e.g. arn:aws:iam::123456789012:role/CognitoClassicRole",
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
    savedBy: "`aws-cognito-admin setup-identity-pool`",
  },
};

const SETTING_NAMES = Object.keys(SPECS) as SettingName[];

/** A region as it appears at the start of a pool id. */
const REGION_PREFIX = /^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)[_:]/;

/**
 * Finds the config file: `COGNITO_CLI_CONFIG` if set (a leading `~/` is
 * expanded, as the AWS SDK does for its own files), else
 * `~/.cognito-cli-config.json` in `HOME`, or `USERPROFILE`.
 *
 * Throws {@linkcode ConfigError} if no home can be found and no override is
 * set.
 */
export function configFilePath(
  env: Record<string, string | undefined>,
): string {
  const override = env.COGNITO_CLI_CONFIG;
  if (override !== undefined && override.trim() !== "") {
    if (override === "~" || /^~[\\/]/.test(override)) {
      return join(
        homeDir(env, "COGNITO_CLI_CONFIG starts with ~"),
        override.slice(1),
      );
    }
    return override;
  }
  return join(
    homeDir(env, "the config file lives there"),
    ".cognito-cli-config.json",
  );
}

function homeDir(
  env: Record<string, string | undefined>,
  why: string,
): string {
  for (const name of ["HOME", "USERPROFILE"]) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") return value;
  }
  throw new ConfigError(
    `Cannot find your home folder (${why}): neither HOME nor USERPROFILE is set. ` +
      "Set COGNITO_CLI_CONFIG to the full path of the config file, " +
      "e.g. /home/me/.cognito-cli-config.json.",
  );
}

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
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new ConfigError(
      `Could not read the config file ${path}: ${errorText(error)}. ` +
        "Check that it is a readable file, or set COGNITO_CLI_CONFIG to another path.",
      { cause: error },
    );
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(describeJsonError(path, text), { cause: error });
  }

  const fixHint =
    `Fix the file, or delete it and run ${CONFIGURE_COMMAND} to write a new one.`;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      `The config file ${path} must hold a JSON object such as ` +
        `{"user_pool_id": "us-east-1_AbC123xyz", "client_id": "..."}, ` +
        `but it holds ${jsonKind(parsed)}. ${fixHint}`,
    );
  }

  const raw = parsed as Record<string, unknown>;
  const settings: Settings = {};
  const badKeys: string[] = [];
  for (const name of SETTING_NAMES) {
    const key = SPECS[name].fileKey;
    if (!Object.hasOwn(raw, key)) continue;
    const value = raw[key];
    if (typeof value === "string") settings[name] = value;
    else badKeys.push(`"${key}" (${jsonKind(value)})`);
  }
  if (badKeys.length > 0) {
    throw new ConfigError(
      `The config file ${path} has a value that is not a string for ` +
        `${
          badKeys.join(", ")
        }; each setting must be a string in double quotes, ` +
        `e.g. "region": "us-east-1". ${fixHint}`,
    );
  }
  return { settings, raw };
}

/**
 * Works out the settings in effect. Precedence is flags, then environment,
 * then the config file. The environment variables are `COGNITO_USER_POOL_ID`,
 * `COGNITO_CLIENT_ID`, `COGNITO_IDENTITY_POOL_ID`,
 * `COGNITO_LAMBDA_FUNCTION_NAME` and `AWS_REGION` (then `AWS_DEFAULT_REGION`).
 * Values are trimmed, and empty values count as unset. The region falls back
 * to the user pool id's prefix (source `"derived"`), and the Lambda function
 * name to `cognito-credential-proxy` (source `"default"`).
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
    const envName = SPECS[name].env.find((n) => present(env[n]) !== undefined);
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
    }
  }

  if (values.region === undefined && values.userPoolId !== undefined) {
    const prefix = REGION_PREFIX.exec(values.userPoolId);
    if (prefix && values.userPoolId[prefix[1].length] === "_") {
      values.region = prefix[1];
      sources.region = "derived";
    }
  }
  if (values.lambdaFunctionName === undefined) {
    values.lambdaFunctionName = DEFAULT_LAMBDA_FUNCTION_NAME;
    sources.lambdaFunctionName = "default";
  }

  return {
    values,
    sources,
    configPath: meta.configPath,
    configFileFound: meta.configFileFound,
    unknownFileKeys: [...(meta.unknownFileKeys ?? [])],
    envNames,
  };
}

/**
 * Finds, reads and resolves the settings: {@linkcode configFilePath}, then
 * {@linkcode loadConfigFile}, then {@linkcode resolveSettings}.
 */
export async function loadSettings(
  flags: Settings,
  env: Record<string, string | undefined>,
): Promise<ResolvedSettings> {
  const configPath = configFilePath(env);
  const loaded = await loadConfigFile(configPath);
  const knownKeys = new Set(SETTING_NAMES.map((name) => SPECS[name].fileKey));
  return resolveSettings(flags, env, loaded?.settings, {
    configPath,
    configFileFound: loaded !== undefined,
    unknownFileKeys: loaded
      ? Object.keys(loaded.raw).filter((key) => !knownKeys.has(key))
      : [],
  });
}

/**
 * Where a JSON text first breaks the grammar, as a 1-based line and column
 * and a reason in words; `undefined` when the text is valid JSON. The reason
 * never quotes the text itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findJsonSyntaxError } from "./config.ts";
 *
 * const problem = findJsonSyntaxError('{\n  "a": 1,\n}');
 * assert.equal(problem?.line, 2);
 * assert.equal(findJsonSyntaxError("[1]"), undefined);
 * ```
 */
export function findJsonSyntaxError(
  text: string,
): { line: number; column: number; reason: string } | undefined {
  const problem = locateJsonError(text);
  if (problem === undefined) return undefined;
  return { ...lineAndColumn(text, problem.offset), reason: problem.reason };
}

/**
 * Checks that the `required` settings are set and that every setting that is
 * set is well-formed (AWS API reference patterns). Throws one
 * {@linkcode ConfigError} listing every problem, each naming the setting, where
 * it came from, the bad value and the expected form, and how to fix it.
 *
 * Returns the values, typed as present for the required names. A user pool and
 * an identity pool in different regions is not an error.
 */
export function validateSettings<K extends SettingName>(
  resolved: ResolvedSettings,
  required: readonly K[],
): Settings & Required<Pick<Settings, K>> {
  const mustHave = new Set<SettingName>(required);
  const problems: string[] = [];

  for (const name of SETTING_NAMES) {
    const spec = SPECS[name];
    const value = resolved.values[name];
    if (value === undefined || value === "") {
      if (mustHave.has(name)) problems.push(missingProblem(name));
      continue;
    }
    let fault: string | undefined;
    if (value.length > spec.maxLength) {
      fault =
        `is too long (${value.length} characters, at most ${spec.maxLength})`;
    } else if (!spec.pattern.test(value)) {
      fault = "is malformed";
    }
    if (fault === undefined) continue;

    const source = resolved.sources[name];
    const envName = resolved.envNames?.[name];
    const from = source
      ? ` (from ${describeSource(name, source, resolved.configPath, envName)})`
      : "";
    problems.push(
      `${spec.label} ${
        spec.secret ? "(hidden)" : showValue(value)
      }${from} ${fault}: expected ` +
        `${spec.expected}. ${
          fixHint(name, source, resolved.configPath, envName)
        }`,
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
  return { ...resolved.values } as Settings & Required<Pick<Settings, K>>;
}

function missingProblem(name: SettingName): string {
  const spec = SPECS[name];
  const what = name === "region"
    ? "region is not set and cannot be derived from the user pool id"
    : `${spec.label} is not set`;
  return `${what}. Run ${savedBy(spec)} or set ${spec.env[0]}.`;
}

function savedBy(spec: SettingSpec): string {
  return spec.savedBy ?? CONFIGURE_COMMAND;
}

function fixHint(
  name: SettingName,
  source: SettingSource | undefined,
  configPath: string,
  envName: string | undefined,
): string {
  const spec = SPECS[name];
  switch (source) {
    case "flag":
      return `Pass the right value with ${spec.flag}.`;
    case "env": {
      const variable = envName ?? spec.env[0];
      return `Set ${variable} to the right value, or unset it and run ${
        savedBy(spec)
      }.`;
    }
    case "file":
      return `Run ${savedBy(spec)} to correct it, or edit ${configPath}.`;
    default:
      return `Run ${savedBy(spec)} or set ${spec.env[0]}.`;
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
 * is replaced and the link kept). Keys are snake_case (`user_pool_id`,
 * `client_id`, `identity_pool_id`, `region`, `lambda_function_name`); unknown
 * keys from `previousRaw` are kept, in their order; undefined or empty settings
 * are left out. The JSON is indented by 2 spaces and ends with a newline. The
 * parent folder is created if missing.
 *
 * Throws {@linkcode ConfigError} if the file cannot be written.
 */
export async function saveConfigFile(
  path: string,
  settings: Settings,
  previousRaw?: Record<string, unknown>,
): Promise<void> {
  const text = `${
    JSON.stringify(configObject(settings, previousRaw), null, 2)
  }\n`;

  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    throw writeError(path, error);
  }
}

/** Builds the object written to the config file. */
function configObject(
  settings: Settings,
  previousRaw: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const known = new Map<string, string | undefined>(
    SETTING_NAMES.map((name) => [SPECS[name].fileKey, present(settings[name])]),
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

function writeError(path: string, error: unknown): ConfigError {
  return new ConfigError(
    `Could not write the config file ${path}: ${errorText(error)}. ` +
      "Check that its folder is writable, or set COGNITO_CLI_CONFIG to another path.",
    { cause: error },
  );
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
 * `"derived from user pool id"` or `"default"`.
 *
 * For the region from the environment, pass `envName` (from
 * {@linkcode ResolvedSettings.envNames}) to tell `AWS_REGION` from
 * `AWS_DEFAULT_REGION`; without it the first variable is named.
 */
export function describeSource(
  name: SettingName,
  source: SettingSource,
  configPath: string,
  envName?: string,
): string {
  switch (source) {
    case "flag":
      return `flag ${SPECS[name].flag}`;
    case "env":
      return `env ${envName ?? SPECS[name].env[0]}`;
    case "file":
      return `file ${configPath}`;
    case "derived":
      return "derived from user pool id";
    case "default":
      return "default";
  }
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

// ---------------------------------------------------------------------------
// Locating JSON syntax errors. V8's JSON.parse messages do not always give a
// position, and some quote the file's text; this scanner finds the first
// error itself so the message can name the line and column and nothing else.

class JsonSyntaxProblem {
  constructor(readonly offset: number, readonly reason: string) {}
}

function describeJsonError(path: string, text: string): string {
  const hint =
    `Fix the file there, or delete it and run ${CONFIGURE_COMMAND} to write a new one.`;
  const problem = locateJsonError(text);
  if (problem === undefined) {
    return `The config file ${path} is not valid JSON. ${hint}`;
  }
  const { line, column } = lineAndColumn(text, problem.offset);
  return `The config file ${path} is not valid JSON: ${problem.reason} at ` +
    `line ${line}, column ${column} (${path}:${line}:${column}). ${hint}`;
}

/** 1-based line and column (in characters) of an offset in `text`. */
function lineAndColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text[i];
    if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = [...text.slice(lineStart, offset)].length + 1;
  return { line, column };
}

/** The first syntax error in `text`, or `undefined` if none is found. */
function locateJsonError(text: string): JsonSyntaxProblem | undefined {
  const maxDepth = 1000;
  let i = 0;

  function fail(reason: string, at = i): never {
    throw new JsonSyntaxProblem(at, reason);
  }
  const found = (at: number): string => {
    if (at >= text.length) return "the file ends";
    const c = text.codePointAt(at)!;
    const shown = c < 0x20 || c === 0x7f
      ? `U+${c.toString(16).toUpperCase().padStart(4, "0")}`
      : `'${String.fromCodePoint(c)}'`;
    return `unexpected ${shown}`;
  };
  const skipSpace = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };

  const value = (depth: number): void => {
    if (depth > maxDepth) throw new RangeError("too deeply nested");
    skipSpace();
    const c = text[i];
    if (c === "{") return object(depth + 1);
    if (c === "[") return array(depth + 1);
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (c === "'") fail("strings must use double quotes, not single quotes");
    const letter = c !== undefined && /\p{L}/u.test(c);
    fail(
      `${found(i)}, expected a value` +
        (letter ? " (text must be in double quotes)" : ""),
    );
  };

  const object = (depth: number): void => {
    i++; // {
    skipSpace();
    if (text[i] === "}") {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') {
        fail(
          text[i] === "'"
            ? "property names must use double quotes, not single quotes"
            : `${found(i)}, expected a property name in double quotes`,
        );
      }
      string();
      skipSpace();
      if (text[i] !== ":") {
        fail(`${found(i)}, expected ':' after the property name`);
      }
      i++;
      value(depth);
      skipSpace();
      if (text[i] === "}") {
        i++;
        return;
      }
      if (text[i] !== ",") {
        fail(`${found(i)}, expected ',' or '}' after the property value`);
      }
      const comma = i++;
      skipSpace();
      if (text[i] === "}") {
        fail("a comma before '}' is not allowed in JSON", comma);
      }
    }
  };

  const array = (depth: number): void => {
    i++; // [
    skipSpace();
    if (text[i] === "]") {
      i++;
      return;
    }
    for (;;) {
      value(depth);
      skipSpace();
      if (text[i] === "]") {
        i++;
        return;
      }
      if (text[i] !== ",") {
        fail(`${found(i)}, expected ',' or ']' after the array item`);
      }
      const comma = i++;
      skipSpace();
      if (text[i] === "]") {
        fail("a comma before ']' is not allowed in JSON", comma);
      }
    }
  };

  const string = (): void => {
    const start = i++; // "
    for (;;) {
      if (i >= text.length) fail("a string is not closed", start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) {
        fail(
          `${
            found(i)
          } inside a string (write line breaks and tabs as \\n and \\t)`,
        );
      }
      if (c === 0x5c) {
        const escape = text[i + 1];
        if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
          i += 2;
        } else if (
          escape === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))
        ) {
          i += 6;
        } else {
          fail("invalid escape sequence in a string (write \\ as \\\\)");
        }
        continue;
      }
      i++;
    }
  };

  const number = (): void => {
    const start = i;
    const pattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    pattern.lastIndex = i;
    const match = pattern.exec(text);
    if (match === null) fail("invalid number", start);
    i += match[0].length;
    if (/[0-9.eE]/.test(text[i] ?? "")) fail("invalid number", start);
  };

  try {
    if (text.trim() === "") fail("the file is empty", 0);
    value(0);
    skipSpace();
    if (i < text.length) fail(`${found(i)} after the end of the JSON value`);
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntaxProblem) return error;
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
