/**
 * `aws-cognito-auth login`: sign in and write temporary credentials into an
 * AWS profile.
 *
 * @module
 */
import {
  loadSettings,
  type Settings,
  validateSettings,
} from "../lib/config.ts";
import { preloadCognitoSdk, warmUpCognitoSdk } from "../lib/cognito_sdk.ts";
import { credentialsJson, envExports } from "../lib/credential_output.ts";
import {
  describeExpiry,
  type TemporaryCredentials,
} from "../lib/credentials.ts";
import {
  CliError,
  ConfigError,
  ExitCode,
  InputRequiredError,
  SessionExpiredError,
} from "../lib/errors.ts";
import {
  login,
  type LoginOptions,
  type LoginResult,
  reusableSession,
} from "../lib/login.ts";
import { proxyTimeoutFromEnv } from "../lib/proxy.ts";
import {
  type CredentialFlow,
  readSession,
  refreshWindowSeconds,
} from "../lib/session_cache.ts";
import {
  type SignInInputs,
  type SignInMethod,
  signInMethod,
  type SignInRecord,
} from "../lib/sign_in.ts";
import { type Prompter, readAllStdin, terminalPrompter } from "./terminal.ts";
import type { AuthFlow } from "../lib/user_pool.ts";
import { deliverGithub, isGithubFormat, prepareGithubRun } from "./_github.ts";
import { askMfaCode, askNewPassword, askUserAttributes } from "./_prompts.ts";
import { out } from "./report.ts";

/** The options of `login`, as commander gives them. */
export interface LoginFlags extends Settings {
  /** `-u`: the user name. */
  username?: string;
  /** `--profile`. */
  profile: string;
  /** False with `--no-lambda-proxy`. */
  lambdaProxy: boolean;
  /** `--duration` in hours. */
  duration: number;
  /** `--require-proxy`. */
  requireProxy?: boolean;
  /** `--password-stdin`. */
  passwordStdin?: boolean;
  /** `--new-password-stdin`. */
  newPasswordStdin?: boolean;
  /** `--auth-flow`: password (USER_PASSWORD_AUTH) or srp (USER_SRP_AUTH). */
  authFlow?: AuthFlow;
  /** `--mfa-code`. */
  mfaCode?: string;
  /** `--flow`: enhanced (default) or classic. */
  flow?: CredentialFlow;
  /** `--role-arn`: the classic flow's role. */
  roleArn?: string;
  /**
   * `--format`: print instead of writing the AWS files, or hand the
   * credentials to a GitHub Actions job (`github`, `github-profile`).
   */
  format?: "env" | "json" | "github" | "github-profile";
  /** `--force`: sign in even when the cached credentials are still good. */
  force?: boolean;
  /** `--refresh-window` in seconds. */
  refreshWindow?: number;
  /**
   * `--attribute NAME=VALUE` (repeatable): user attributes Cognito may
   * require with a new password, by name.
   */
  attribute?: Record<string, string>;
  /**
   * `--browser` (true) or `--no-browser` (false): sign in through Managed
   * Login; false prints the address and reads the redirected one instead
   * of opening a browser. Unset: the password flows.
   */
  browser?: boolean;
  /** `--identity-provider`: browser sign-in straight to this provider. */
  identityProvider?: string;
  /** `--timeout` in seconds: how long browser sign-in waits. */
  timeout?: number;
}

/**
 * The prompter, starting {@linkcode warmUpCognitoSdk} as each question is
 * asked: the time a person takes to answer is idle time for the process.
 */
function warmingUpWhileAsking(prompter: Prompter): Prompter {
  const warm = <A extends unknown[], R>(ask: (...args: A) => Promise<R>) =>
  (
    ...args: A
  ) => {
    warmUpCognitoSdk();
    return ask(...args);
  };
  return {
    text: warm(prompter.text.bind(prompter)),
    secret: warm(prompter.secret.bind(prompter)),
    confirm: warm(prompter.confirm.bind(prompter)),
  };
}

/**
 * Decides, before any network call, where the answers of the sign-in come
 * from: the password only when the method needs one (so a run with no
 * terminal and no password source fails at once), a new password, the user
 * attributes that go with it and MFA codes for any method, in case Cognito
 * asks.
 */
function inputSources(
  method: SignInMethod,
  flags: LoginFlags,
  env: Record<string, string | undefined>,
  prompter: Prompter | undefined,
): SignInInputs {
  let stdinLines: Promise<string[]> | undefined;
  const stdinLine = (index: number, what: string) => async () => {
    // A line ends at LF; a CR before it, or a lone CR at the very end
    // (`printf 'pw\r'`), is not part of the line.
    stdinLines ??= readAllStdin().then((text) =>
      text.split("\n").map((line) => line.replace(/\r$/, ""))
    );
    const line = (await stdinLines)[index];
    if (!line) {
      throw new InputRequiredError(
        `--${what}-stdin was given but standard input had no ${
          what.replace("-", " ")
        } on line ${index + 1}.`,
      );
    }
    return line;
  };
  const inputs: SignInInputs = {};
  const passwordStdin = flags.passwordStdin &&
    method.needs.includes("password");

  if (!method.needs.includes("password")) {
    // This method asks for no password.
  } else if (passwordStdin) inputs.password = stdinLine(0, "password");
  else if (env.COGNITO_PASSWORD) {
    const value = env.COGNITO_PASSWORD;
    inputs.password = () => Promise.resolve(value);
  } else if (prompter) inputs.password = () => prompter.secret("Password");
  else {
    throw new InputRequiredError(
      "No password: standard input is not a terminal, so give it with " +
        "--password-stdin or the COGNITO_PASSWORD environment variable.",
    );
  }

  if (flags.newPasswordStdin) {
    inputs.newPassword = stdinLine(passwordStdin ? 1 : 0, "new-password");
  } else if (env.COGNITO_NEW_PASSWORD) {
    const value = env.COGNITO_NEW_PASSWORD;
    inputs.newPassword = () => Promise.resolve(value);
  } else if (prompter) {
    inputs.newPassword = askNewPassword(prompter);
  }

  if (flags.mfaCode) {
    const code = flags.mfaCode;
    inputs.mfaCode = () => Promise.resolve(code);
  } else if (prompter) inputs.mfaCode = askMfaCode(prompter);
  inputs.userAttributes = askUserAttributes(flags.attribute ?? {}, prompter);

  if (method.name === "browser") {
    inputs.browser = {
      noBrowser: flags.browser === false,
      identityProvider: flags.identityProvider,
      timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
      readRedirect: prompter
        ? () => prompter.text("Address the browser was sent to")
        : readStdinLine,
    };
  }
  return inputs;
}

/**
 * Reads one line of standard input (up to LF, without a CR before it), or
 * undefined at the end of input with nothing read. Reads no further than
 * that line's chunk.
 */
async function readStdinLine(): Promise<string | undefined> {
  const reader = Deno.stdin.readable.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return text || undefined;
      text += decoder.decode(value, { stream: true });
      const end = text.indexOf("\n");
      if (end >= 0) return text.slice(0, end).replace(/\r$/, "");
    }
  } finally {
    reader.releaseLock();
  }
}

/** Prints credentials in the `--format` asked for, on stdout. */
function printCredentials(
  format: "env" | "json",
  credentials: TemporaryCredentials,
  region: string,
): void {
  out.data(
    format === "env"
      ? envExports(credentials, region)
      : credentialsJson(credentials, region),
  );
}

/**
 * A repeated login with a method that has its own refresh (browser
 * sign-in): continues the profile's saved sign-in of the same method,
 * pools, client, flow and domain with its refresh token, opening no
 * browser. Undefined when there is none to continue, or its refresh token
 * no longer works (then the caller signs in anew).
 */
async function loginWithSavedRefresh(
  method: SignInMethod,
  record: SignInRecord,
  options: Omit<LoginOptions, "record">,
): Promise<LoginResult | undefined> {
  if (!method.refresh) return undefined;
  const env = options.env ?? {};
  const saved = await readSession(env, options.profile ?? "default");
  if (
    !saved?.refreshToken || saved.authFlow !== method.name ||
    saved.userPoolId !== record.userPoolId ||
    saved.clientId !== record.clientId ||
    saved.identityPoolId !== record.identityPoolId ||
    saved.flow !== record.flow ||
    saved.managedLoginDomain !== record.managedLoginDomain
  ) return undefined;
  out.info(
    `Refreshing the saved sign-in of ${saved.username} for profile ` +
      `${saved.profile} (no browser needed; --force signs in anew)...`,
  );
  try {
    return await login({
      ...options,
      record: { ...record, username: saved.username },
      method: method.refresh,
      saved: {
        refreshToken: saved.refreshToken,
        cognitoUsername: saved.cognitoUsername,
      },
      identityId: saved.identityId,
    });
  } catch (error) {
    if (!(error instanceof SessionExpiredError)) throw error;
    out.warn(
      `The saved sign-in of ${saved.username} can no longer be refreshed ` +
        `(its refresh token expired or was revoked); signing in ${method.how}.`,
    );
    return undefined;
  }
}

/** Runs `login` with the given flags. */
export async function loginCommand(
  flags: LoginFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  if (
    flags.browser === undefined &&
    (flags.identityProvider !== undefined || flags.timeout !== undefined)
  ) {
    throw new CliError(
      "--identity-provider and --timeout are for browser sign-in: add " +
        "--browser (or --no-browser).",
      ExitCode.usage,
    );
  }
  const flow = flags.flow ?? "enhanced";
  const resolved = await loadSettings({
    userPoolId: flags.userPoolId,
    clientId: flags.clientId,
    identityPoolId: flags.identityPoolId,
    region: flags.region,
    lambdaFunctionName: flags.lambdaFunctionName,
    classicRoleArn: flags.roleArn,
    managedLoginDomain: flags.managedLoginDomain,
    callbackPort: flags.callbackPort,
  }, env);
  if (flow === "classic" && resolved.values.classicRoleArn === undefined) {
    throw new ConfigError(
      "The classic flow needs the role to assume: give it with --role-arn, " +
        "COGNITO_CLASSIC_ROLE_ARN or classic_role_arn in " +
        `${resolved.configPath}.`,
    );
  }
  const settings = validateSettings(resolved, [
    "userPoolId",
    "clientId",
    "identityPoolId",
    "region",
  ]);
  // On a runner: fail at once elsewhere, keep files in RUNNER_TEMP.
  const github = isGithubFormat(flags.format)
    ? await prepareGithubRun(flags.format, flags.profile, env)
    : undefined;
  if (github) env = github.env;
  for (const warning of resolved.warnings ?? []) out.warn(warning);
  const windowSeconds = refreshWindowSeconds(flags.refreshWindow, env);
  // A malformed COGNITO_PROXY_TIMEOUT_MS fails here, before signing in.
  proxyTimeoutFromEnv(env);
  const writeFiles = flags.format === undefined ||
    flags.format === "github-profile";
  const now = () => new Date();
  const method = signInMethod(
    flags.browser === undefined ? flags.authFlow ?? "password" : "browser",
  );
  if (method.name === "browser" && !settings.managedLoginDomain) {
    throw new ConfigError(
      "Browser sign-in needs the User Pool's Managed Login domain: give it " +
        "with --managed-login-domain, COGNITO_MANAGED_LOGIN_DOMAIN or " +
        `managed_login_domain in ${resolved.configPath} (\`aws-cognito-admin ` +
        "managed-login enable` sets one up and prints it).",
    );
  }
  const record: SignInRecord = {
    // Whoever signs in in the browser: known from the ID token.
    username: method.needs.includes("username")
      ? flags.username ?? env.COGNITO_USERNAME
      : undefined,
    userPoolId: settings.userPoolId,
    clientId: settings.clientId,
    identityPoolId: settings.identityPoolId,
    region: settings.region,
    authFlow: method.name,
    clientSecret: settings.clientSecret !== undefined,
    flow,
    classicRoleArn: settings.classicRoleArn,
    durationHours: flags.duration,
    proxy: flags.lambdaProxy !== false && settings.lambdaFunctionName
      ? { functionName: settings.lambdaFunctionName }
      : undefined,
    managedLoginDomain: method.name === "browser"
      ? settings.managedLoginDomain
      : undefined,
  };

  if (!flags.force) {
    const cached = await reusableSession({
      record,
      profile: flags.profile,
      windowSeconds,
      writeFiles,
      env,
      now: now(),
    });
    if (cached) {
      out.info(
        `Profile ${flags.profile} still has credentials of ` +
          `${cached.username} valid for more than ${windowSeconds} s ` +
          `(expires ${
            describeExpiry(cached.credentials.expiration, now())
          }): not signing in again. Use --force to sign in anyway.`,
      );
      if (github) {
        await deliverGithub(
          github,
          cached.credentials,
          cached.region,
          cached.identityId,
          "the saved credentials",
          describeExpiry(cached.credentials.expiration, now()),
        );
      } else if (flags.format === "env" || flags.format === "json") {
        printCredentials(flags.format, cached.credentials, cached.region);
      }
      return;
    }
  }

  // A sign-in is coming: load the SDK while the prompts wait, and once a
  // prompt does wait for a person, compile its request path too.
  preloadCognitoSdk();
  if (prompter) prompter = warmingUpWhileAsking(prompter);
  if (!record.username && method.needs.includes("username")) {
    if (!prompter) {
      throw new InputRequiredError(
        "No user name: give it with -u/--username or COGNITO_USERNAME.",
      );
    }
    record.username = (await prompter.text("Username")).trim();
    if (!record.username) {
      throw new InputRequiredError("No user name was entered.");
    }
  }
  const inputs = inputSources(method, flags, env, prompter);
  const options = {
    clientSecret: settings.clientSecret,
    inputs,
    settings: () => Promise.resolve(resolved.values),
    profile: flags.profile,
    requireProxy: flags.requireProxy,
    writeFiles,
    env,
    now,
    reporter: { step: out.info, warn: out.warn },
  };

  const result = (!flags.force &&
    await loginWithSavedRefresh(method, record, options)) ||
    await login({ ...options, record });
  const kind = {
    "proxy": "proxy credentials",
    "identity-pool": "Identity Pool credentials",
    "classic": "role credentials (classic flow)",
  }[result.source];
  const expires = describeExpiry(result.credentials.expiration, now());
  if (github) {
    const { credentials, identityId } = result;
    await deliverGithub(
      github,
      credentials,
      settings.region,
      identityId,
      kind,
      expires,
    );
    return;
  }
  if (flags.format === "env" || flags.format === "json") {
    printCredentials(flags.format, result.credentials, settings.region);
    out.info(`Printed ${kind} (expires ${expires}).`);
    return;
  }
  if (result.usesCredentialProcess) {
    out.info(
      `Saved the sign-in for profile ${result.profile}, which gets ` +
        `${kind} through credential_process (expires ${expires}); the ` +
        `credentials file was left alone.`,
    );
    return;
  }
  out.info(
    `Wrote ${kind} to profile ${result.profile} in ${result.credentialsFile} ` +
      `(expires ${expires}).`,
  );
  if (result.profile !== "default") {
    out.info(
      `Use them with: aws --profile ${result.profile} sts get-caller-identity`,
    );
  }
}
