/**
 * Where the tool's settings come from and whether they are valid.
 *
 * {@linkcode SETTINGS} (in `settings.ts`; the files are read and written by
 * `config_files.ts`; both re-exported here) is the one table of settings: each row names the
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

import { ConfigError } from "./errors.ts";
import { homeDir } from "./home.ts";
import {
  adminConfigFilePath,
  configFilePath,
  loadAdminConfigSettings,
  loadConfigFile,
} from "./config_files.ts";
import {
  ADMIN_CONFIGURE_COMMAND,
  CONFIGURE_COMMAND,
  originOf,
  present,
  type ResolvedSettings,
  SETTING_NAMES,
  type SettingName,
  type Settings,
  type SettingSource,
  type SettingSpec,
  settingSpec,
} from "./settings.ts";

export * from "./settings.ts";
export * from "./config_files.ts";
export { findJsonSyntaxError } from "./json_error.ts";

const spec: (name: SettingName) => SettingSpec = settingSpec;

/** A region as it appears at the start of a pool id. */
const REGION_PREFIX = /^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)[_:]/;

/** The region a user pool id starts with, or `undefined`. */
function poolRegion(userPoolId: string): string | undefined {
  const prefix = REGION_PREFIX.exec(userPoolId);
  return prefix && userPoolId[prefix[1].length] === "_" ? prefix[1] : undefined;
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
