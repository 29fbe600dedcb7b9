/**
 * The one table of the tool's settings, {@linkcode SETTINGS}: each row names
 * the setting's flag, environment variable, config file key, how `status`
 * shows it, the question `configure` asks and what a valid value looks like.
 * The flags of `aws-cognito-auth`, `status`, `configure` and the shell
 * completions are all built from it.
 *
 * Adding a setting is one row here plus its name in {@linkcode SettingName}
 * (and in {@linkcode SharedFlagName}'s exclusions when its flag is not shared),
 * then its use.
 *
 * @module
 */

/** The default name of the credential proxy Lambda function. */
export const DEFAULT_LAMBDA_FUNCTION_NAME = "cognito-credential-proxy";

/** The default loopback port browser sign-in listens on (`callback_port`). */
export const DEFAULT_CALLBACK_PORT = 47291;

/** What an IAM role ARN looks like (the AWS API reference's pattern). */
export const ROLE_ARN_PATTERN =
  /^arn:[\w+=\/,.@-]+:iam::\d{12}:role\/[\w+=\/,.@-]+$/;

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
export function originOf(value: string): string {
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

/** The names of {@linkcode SETTINGS}, in table order. */
export const SETTING_NAMES: readonly SettingName[] = Object.keys(
  SETTINGS,
) as SettingName[];

/** The rows of {@linkcode SETTINGS} as plain specs, in table order. */
export const SETTING_ROWS: readonly (readonly [SettingName, SettingSpec])[] =
  SETTING_NAMES.map((name) => [name, SETTINGS[name]]);

/** One row of {@linkcode SETTINGS}, as a plain spec. */
export function settingSpec(name: SettingName): SettingSpec {
  return SETTINGS[name];
}

/** The command that writes the config file, for hints in error messages. */
export const CONFIGURE_COMMAND = "`aws-cognito-auth configure`";

/** The command that writes the admin config file, for hints. */
export const ADMIN_CONFIGURE_COMMAND = "`aws-cognito-admin configure`";

/** A setting value trimmed, or `undefined` if it is missing or blank. */
export function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
