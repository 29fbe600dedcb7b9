/**
 * The admin config file of the original tool, `~/.cognito-admin-config.json`
 * (or the path in `COGNITO_ADMIN_CONFIG`): the names `aws-cognito-admin` gives
 * the resources it creates, under `aws_service_names`. The proxy function's
 * name there is also a setting of `aws-cognito-auth` (see `SETTINGS` in
 * `config.ts`); the other names are defaults of the admin commands' flags.
 *
 * The file's other keys (`policy_names`, `aws_configuration`, anything newer)
 * are kept as they are when it is written.
 *
 * @module
 */
import { isIdentityPoolName, isRoleName, isUserName } from "./admin/names.ts";
import {
  adminConfigFilePath,
  DEFAULT_LAMBDA_FUNCTION_NAME,
  readJsonObjectFile,
  saveJsonFile,
  SETTINGS,
  valueAt,
} from "./config.ts";
import { ConfigError } from "./errors.ts";

/** A name the admin config file holds. */
export type AdminName =
  | "iamUserName"
  | "executionRoleName"
  | "longLivedRoleName"
  | "lambdaFunctionName"
  | "identityPoolName";

/** One row of {@linkcode ADMIN_NAMES}. */
export interface AdminNameSpec {
  /** Its place in the file. */
  readonly key: readonly string[];
  /** The admin flag it is the default of. */
  readonly flag: string;
  /** The question `aws-cognito-admin configure` asks. */
  readonly question: string;
  /** Our default when the file has none. */
  readonly default: string;
  /** Whether a value is well-formed. */
  readonly valid: (value: string) => boolean;
  /** What a valid value looks like, for messages. */
  readonly expected: string;
}

const SERVICE_NAMES = "aws_service_names";

/**
 * The names of the admin config file, in the order `aws-cognito-admin
 * configure` asks for them (the original tool's order).
 */
export const ADMIN_NAMES: Readonly<Record<AdminName, AdminNameSpec>> = {
  iamUserName: {
    key: [SERVICE_NAMES, "iam_user_name"],
    flag: "--user-name",
    question: "IAM user name for the Lambda proxy",
    default: "cognito-proxy-user",
    valid: isUserName,
    expected: "an IAM user name (letters, digits and +=,.@_-, at most 64)",
  },
  executionRoleName: {
    key: [SERVICE_NAMES, "lambda_execution_role_name"],
    flag: "--execution-role-name",
    question: "Lambda execution role name",
    default: "CognitoCredentialProxyExecutionRole",
    valid: isRoleName,
    expected: "an IAM role name (letters, digits and +=,.@_-, at most 64)",
  },
  longLivedRoleName: {
    key: [SERVICE_NAMES, "long_lived_role_name"],
    flag: "--long-lived-role-name",
    question: "Long-lived role name",
    default: "CognitoLongLivedRole",
    valid: isRoleName,
    expected: "an IAM role name (letters, digits and +=,.@_-, at most 64)",
  },
  lambdaFunctionName: {
    key: SETTINGS.lambdaFunctionName.adminKey!,
    flag: SETTINGS.lambdaFunctionName.flag,
    question: "Lambda function name",
    default: DEFAULT_LAMBDA_FUNCTION_NAME,
    valid: (value) =>
      value.length <= SETTINGS.lambdaFunctionName.maxLength &&
      SETTINGS.lambdaFunctionName.pattern.test(value),
    expected: SETTINGS.lambdaFunctionName.expected,
  },
  identityPoolName: {
    key: [SERVICE_NAMES, "identity_pool_name"],
    flag: "--identity-pool-name",
    question: "Identity Pool name",
    default: "CognitoAuthoriser",
    valid: isIdentityPoolName,
    expected:
      "an Identity Pool name (letters, digits, spaces and +=,.@_-, at most 128)",
  },
};

const ADMIN_FILE = {
  name: "admin config file",
  command: "`aws-cognito-admin configure`",
  variable: "COGNITO_ADMIN_CONFIG",
};

/** What {@linkcode loadAdminConfig} read. */
export interface AdminConfig {
  /** The file's path. */
  path: string;
  /** The whole file, `{}` when it does not exist. */
  raw: Record<string, unknown>;
  /** Whether it exists. */
  found: boolean;
  /** The names it sets (non-empty strings only). */
  names: Partial<Record<AdminName, string>>;
}

/**
 * Reads the admin config file. Throws {@linkcode ConfigError} when it is not
 * a JSON object, or a name in it is not a string or is malformed (naming the
 * key and the fix).
 */
export async function loadAdminConfig(
  env: Record<string, string | undefined>,
): Promise<AdminConfig> {
  const path = adminConfigFilePath(env);
  const raw = await readJsonObjectFile(path, ADMIN_FILE);
  const names: Partial<Record<AdminName, string>> = {};
  for (const [name, spec] of adminNameRows()) {
    const value = raw === undefined ? undefined : valueAt(raw, spec.key);
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string" || !spec.valid(value.trim())) {
      throw new ConfigError(
        `The admin config file ${path} has a bad "${spec.key.join(".")}" ` +
          `(${
            typeof value === "string"
              ? JSON.stringify(value.slice(0, 80))
              : typeof value
          }): expected ${spec.expected}. Run ${ADMIN_FILE.command} to ` +
          `correct it, or edit the file.`,
      );
    }
    names[name] = value.trim();
  }
  return { path, raw: raw ?? {}, found: raw !== undefined, names };
}

/** The rows of {@linkcode ADMIN_NAMES}, in order. */
export function adminNameRows(): [AdminName, AdminNameSpec][] {
  return Object.entries(ADMIN_NAMES) as [AdminName, AdminNameSpec][];
}

/**
 * Writes names into the admin config file, atomically with mode 0600. Every
 * other key of the file (and of `aws_service_names`) is kept. Names are
 * checked first; a malformed one throws {@linkcode ConfigError} and nothing
 * is written.
 */
export async function saveAdminConfig(
  config: AdminConfig,
  names: Partial<Record<AdminName, string>>,
): Promise<void> {
  let next = config.raw;
  for (const [name, spec] of adminNameRows()) {
    const value = names[name]?.trim();
    if (value === undefined || value === "") continue;
    if (!spec.valid(value)) {
      throw new ConfigError(
        `The ${spec.question} ${
          JSON.stringify(value.slice(0, 80))
        } is malformed: expected ${spec.expected}.`,
      );
    }
    next = withValue(next, spec.key, value, config.path);
  }
  await saveJsonFile(config.path, next, ADMIN_FILE);
}

/** A copy of `object` with `value` at the path `keys`; the rest is kept. */
function withValue(
  object: Record<string, unknown>,
  keys: readonly string[],
  value: string,
  path: string,
): Record<string, unknown> {
  const [head, ...rest] = keys;
  const copy = Object.fromEntries(Object.entries(object));
  if (rest.length === 0) {
    copy[head] = value;
    return copy;
  }
  const child = copy[head] ?? {};
  if (typeof child !== "object" || child === null || Array.isArray(child)) {
    throw new ConfigError(
      `The admin config file ${path} has "${head}" that is not a JSON ` +
        "object; fix or remove it, then run the command again.",
    );
  }
  copy[head] = withValue(
    child as Record<string, unknown>,
    rest,
    value,
    path,
  );
  return copy;
}
