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
import { describeExpiry } from "../lib/credentials.ts";
import { InputRequiredError } from "../lib/errors.ts";
import { login } from "../lib/login.ts";
import {
  type Prompter,
  readAllStdin,
  terminalPrompter,
} from "../lib/terminal.ts";
import { out } from "./run.ts";

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
}

/** Where the password and a new password come from. */
interface Secrets {
  password: () => Promise<string>;
  newPassword?: () => Promise<string>;
}

/**
 * Decides, before any network call, where the secrets come from, so that a
 * run with no terminal and no password source fails at once.
 */
function secretSources(
  flags: LoginFlags,
  env: Record<string, string | undefined>,
  prompter: Prompter | undefined,
): Secrets {
  let stdinLines: Promise<string[]> | undefined;
  const stdinLine = (index: number, what: string) => async () => {
    stdinLines ??= readAllStdin().then((text) => text.split(/\r?\n/));
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

  let password: () => Promise<string>;
  if (flags.passwordStdin) password = stdinLine(0, "password");
  else if (env.COGNITO_PASSWORD) {
    const value = env.COGNITO_PASSWORD;
    password = () => Promise.resolve(value);
  } else if (prompter) password = () => prompter.secret("Password");
  else {
    throw new InputRequiredError(
      "No password: standard input is not a terminal, so give it with " +
        "--password-stdin or the COGNITO_PASSWORD environment variable.",
    );
  }

  let newPassword: (() => Promise<string>) | undefined;
  if (flags.newPasswordStdin) {
    newPassword = stdinLine(flags.passwordStdin ? 1 : 0, "new-password");
  } else if (env.COGNITO_NEW_PASSWORD) {
    const value = env.COGNITO_NEW_PASSWORD;
    newPassword = () => Promise.resolve(value);
  } else if (prompter) {
    newPassword = async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const first = await prompter.secret(
          "Cognito requires a new password. New password",
        );
        const second = await prompter.secret("Repeat the new password");
        if (first && first === second) return first;
        out.warn("The two entries differ or are empty; try again.");
      }
      throw new InputRequiredError("No matching new password after 3 tries.");
    };
  }
  return { password, newPassword };
}

/** Runs `login` with the given flags. */
export async function loginCommand(
  flags: LoginFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  const resolved = await loadSettings({
    userPoolId: flags.userPoolId,
    clientId: flags.clientId,
    identityPoolId: flags.identityPoolId,
    region: flags.region,
    lambdaFunctionName: flags.lambdaFunctionName,
  }, env);
  const settings = validateSettings(resolved, [
    "userPoolId",
    "clientId",
    "identityPoolId",
    "region",
  ]);

  let username = flags.username ?? env.COGNITO_USERNAME;
  if (!username) {
    if (!prompter) {
      throw new InputRequiredError(
        "No user name: give it with -u/--username or COGNITO_USERNAME.",
      );
    }
    username = (await prompter.text("Username")).trim();
    if (!username) throw new InputRequiredError("No user name was entered.");
  }
  const secrets = secretSources(flags, env, prompter);

  const now = () => new Date();
  const result = await login({
    settings,
    username,
    password: secrets.password,
    newPassword: secrets.newPassword,
    profile: flags.profile,
    useProxy: flags.lambdaProxy,
    durationHours: flags.duration,
    requireProxy: flags.requireProxy,
    env,
    now,
    reporter: { step: out.info, warn: out.warn },
  });
  const kind = result.source === "proxy"
    ? "proxy credentials"
    : "Identity Pool credentials";
  out.info(
    `Wrote ${kind} to profile ${result.profile} in ${result.credentialsFile} ` +
      `(expires ${describeExpiry(result.credentials.expiration, now())}).`,
  );
  if (result.profile !== "default") {
    out.info(
      `Use them with: aws --profile ${result.profile} sts get-caller-identity`,
    );
  }
}
