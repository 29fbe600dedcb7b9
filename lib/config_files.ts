/**
 * The two JSON files settings are read from and written to: the config file
 * (`~/.cognito-cli-config.json`, or `COGNITO_CLI_CONFIG`) and the original
 * tool's admin config file (`~/.cognito-admin-config.json`, or
 * `COGNITO_ADMIN_CONFIG`). Writes are atomic with mode 0600 and keep keys this
 * version does not know.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "./atomic_file.ts";
import { ConfigError } from "./errors.ts";
import { homeDir, homeVariable } from "./home.ts";
import { findJsonSyntaxError } from "./json_error.ts";
import {
  ADMIN_CONFIGURE_COMMAND,
  CONFIGURE_COMMAND,
  present,
  SETTING_NAMES,
  type SettingName,
  type Settings,
  type SettingSpec,
  settingSpec,
} from "./settings.ts";

const spec: (name: SettingName) => SettingSpec = settingSpec;

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
  } catch {
    // No `cause`: V8's message quotes the text near the error, which may be
    // the client secret, and `--debug` prints the causes.
    const where = findJsonSyntaxError(text);
    const hint =
      `Fix the file there, or delete it and run ${what.command} to write a new one.`;
    throw new ConfigError(
      where
        ? `The ${what.name} ${path} is not valid JSON: ${where.reason} at ` +
          `line ${where.line}, column ${where.column} ` +
          `(${path}:${where.line}:${where.column}). ${hint}`
        : `The ${what.name} ${path} is not valid JSON. ${hint}`,
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
