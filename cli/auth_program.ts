/**
 * The command-line parser of `aws-cognito-auth`: every command and option,
 * each command's module imported only when it runs.
 *
 * @module
 */
import {
  Command,
  InvalidArgumentError,
  Option,
  type OptionValues,
} from "@commander-js/extra-typings";
import denoJson from "../deno.json" with { type: "json" };
import { parseSessionDuration } from "../lib/console.ts";
import {
  SETTING_ROWS,
  type SettingName,
  SETTINGS,
  type SharedFlagName,
} from "../lib/config.ts";
import { parseRefreshWindow } from "../lib/session_cache.ts";
import { addCompletionsCommand } from "./completions.ts";
// Each command's module is imported in its action, so that a command loads
// only what it uses (`credential-process` on a cache hit: the cache alone).

function parseSeconds(value: string): number {
  const seconds = parseRefreshWindow(value);
  if (seconds === undefined) {
    throw new InvalidArgumentError(
      "give a whole number of seconds from 0 to 43200.",
    );
  }
  return seconds;
}

const REFRESH_WINDOW_HELP =
  "reuse cached credentials until this many seconds before they expire " +
  "(default COGNITO_AUTH_REFRESH_WINDOW, else 300)";

function parseHours(value: string): number {
  const hours = Number(value);
  if (!/^\d+$/.test(value) || hours < 1 || hours > 12) {
    throw new InvalidArgumentError(
      "give a whole number of hours from 1 to 12.",
    );
  }
  return hours;
}

/**
 * Adds one `--attribute NAME=VALUE` to those before it. The name may carry
 * Cognito's `userAttributes.` prefix; the value may hold `=`.
 */
function collectAttribute(
  assignment: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const at = assignment.indexOf("=");
  const name = assignment.slice(0, Math.max(at, 0))
    .replace(/^userAttributes\./, "");
  const value = assignment.slice(at + 1);
  if (at < 0 || !/^[^\s=]{1,64}$/.test(name) || value.trim() === "") {
    throw new InvalidArgumentError(
      "give NAME=VALUE, like name='Ada Lovelace' or custom:team=blue.",
    );
  }
  return { ...previous, [name]: value };
}

/** `--timeout`: seconds (`90`, `90s`) or minutes (`10m`), 1 s to 1 h. */
function parseTimeout(value: string): number {
  const match = /^(\d+)([sm]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * (match[2] === "m" ? 60 : 1) : NaN;
  if (!(seconds >= 1 && seconds <= 3600)) {
    throw new InvalidArgumentError(
      "give seconds (90) or minutes (10m), from 1 s to 60 m.",
    );
  }
  return seconds;
}

function parseConsoleDuration(value: string): number {
  try {
    return parseSessionDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** The flag of a setting, declared as its row in the settings table says. */
function settingOption(name: SettingName): Option {
  const { flag, option } = SETTINGS[name];
  if (option === undefined) throw new Error(`${name} has no flag`);
  return new Option(`${flag} ${option.value}`, option.help);
}

/** Adds the settings flags shared by several commands (the table's order). */
function withSettingsFlags<
  Args extends unknown[],
  Opts extends OptionValues,
  Globals extends OptionValues,
>(command: Command<Args, Opts, Globals>) {
  for (const [name, row] of SETTING_ROWS) {
    if (row.option?.shared) command.addOption(settingOption(name));
  }
  return command as unknown as Command<
    Args,
    Opts & { [K in SharedFlagName]?: string },
    Globals
  >;
}

/** Builds the command-line parser. Exported for tests and completions. */
export function buildAuthProgram(): Command {
  const program = new Command("aws-cognito-auth")
    .description(
      "Sign in to an AWS Cognito User Pool and get temporary AWS credentials " +
        "for the AWS CLI and SDKs.",
    )
    .version(denoJson.version, "-V, --version", "print the version")
    .option("--debug", "show the underlying error on failure")
    .showHelpAfterError("(run with --help for usage)");

  withSettingsFlags(
    program.command("configure").description(
      "Save the pool ids and region to the config file (asks on a terminal, " +
        "or takes them from flags)",
    ),
  ).action(async (flags) => {
    const { configureCommand } = await import("./configure.ts");
    await configureCommand(flags);
  });

  withSettingsFlags(
    program.command("status").description(
      "Show each setting and where it came from, and the profile's " +
        "credentials and their expiry",
    ),
  )
    .option("--profile <name>", "AWS profile to report on", "default")
    .action(async (flags) => {
      const { statusCommand } = await import("./status.ts");
      await statusCommand(flags);
    });

  withSettingsFlags(
    program.command("login").description(
      "Sign in and write temporary credentials into an AWS profile",
    ),
  )
    .option("-u, --username <name>", "Cognito user name (asked if omitted)")
    .option("--profile <name>", "AWS profile to write", "default")
    .option(
      "--no-lambda-proxy",
      "skip the credential proxy; keep the 1-hour Identity Pool credentials",
    )
    .option(
      "--duration <hours>",
      "hours the proxy credentials last, 1 to 12",
      parseHours,
      12,
    )
    .option(
      "--require-proxy",
      "fail (exit 14) instead of falling back when the proxy fails",
    )
    .option(
      "--password-stdin",
      "read the password from standard input (first line)",
    )
    .option(
      "--new-password-stdin",
      "read a new password from standard input, after the password line",
    )
    .addOption(
      new Option(
        "--auth-flow <flow>",
        "how the password is proved: password (USER_PASSWORD_AUTH) or srp " +
          "(USER_SRP_AUTH, the password never leaves the machine)",
      ).choices(["password", "srp"] as const).default("password" as const),
    )
    .option(
      "--mfa-code <code>",
      "the MFA code (TOTP, SMS or e-mail); asked on a terminal when omitted",
    )
    .option(
      "--attribute <name=value>",
      "a user attribute Cognito requires with a new password, e.g. " +
        "name='Ada Lovelace' (repeat for each; asked on a terminal when " +
        "omitted)",
      collectAttribute,
    )
    .addOption(
      new Option(
        "--browser",
        "sign in through the pool's Managed Login pages in a browser " +
          "(federated providers, passkeys, the pool's MFA pages); needs " +
          "--managed-login-domain",
      ).conflicts(["authFlow", "passwordStdin", "newPasswordStdin"]),
    )
    .addOption(
      new Option(
        "--no-browser",
        "browser sign-in on a machine with no browser: print the address " +
          "to open elsewhere, then read the address the browser was sent " +
          "to (pasted at a prompt, else one line of stdin)",
      ).conflicts(["authFlow", "passwordStdin", "newPasswordStdin"]),
    )
    .option(
      "--identity-provider <name>",
      "browser sign-in: go straight to this identity provider (Google, a " +
        "SAML or OIDC provider's name), skipping Cognito's chooser",
    )
    .option(
      "--timeout <seconds>",
      "browser sign-in: how long to wait for it to finish (seconds, or " +
        "minutes with m: 90, 10m; default 5m)",
      parseTimeout,
    )
    .addOption(
      new Option(
        "--flow <flow>",
        "enhanced (Identity Pool, then the proxy) or classic " +
          "(GetOpenIdToken, then sts:AssumeRoleWithWebIdentity on --role-arn)",
      ).choices(["enhanced", "classic"] as const).default(
        "enhanced" as const,
      ),
    )
    .addOption(settingOption("classicRoleArn") as Option<"--role-arn <arn>">)
    .addOption(
      new Option(
        "--format <format>",
        "print the credentials as shell exports (env) or JSON instead of " +
          "writing the AWS files; in a GitHub Actions step, export them to " +
          "the job (github) or write the profile in RUNNER_TEMP " +
          "(github-profile)",
      ).choices(["env", "json", "github", "github-profile"] as const),
    )
    .option(
      "--force",
      "sign in even when the profile's credentials are still valid",
    )
    .option("--refresh-window <seconds>", REFRESH_WINDOW_HELP, parseSeconds)
    .addHelpText(
      "after",
      `
Password sources, first found wins: --password-stdin, COGNITO_PASSWORD,
a masked prompt when stdin is a terminal. A new password (when Cognito
demands one): --new-password-stdin, COGNITO_NEW_PASSWORD, a prompt; the
user attributes it may require with it: --attribute NAME=VALUE, a prompt.
An app client secret comes from COGNITO_CLIENT_SECRET or client_secret
in the config file.

--browser signs in on the pool's Managed Login pages (authorization code
with PKCE), redirected to http://localhost:<callback port>/callback on
127.0.0.1; the app client must allow that callback URL
(aws-cognito-admin managed-login enable). The address is always printed
too; $BROWSER, if set, opens it. Later runs, credential-process and exec
refresh with the saved refresh token and open no browser until it expires.

Examples:
  aws-cognito-auth login -u alice
  aws-cognito-auth login -u alice --profile dev --duration 8
  aws-cognito-auth login -u alice --auth-flow srp --mfa-code 123456
  aws-cognito-auth login --browser --managed-login-domain https://my-app.auth.us-east-1.amazoncognito.com
  aws-cognito-auth login --no-browser --identity-provider Google   # over SSH
  printf '%s\\n' "$PASSWORD" | aws-cognito-auth login -u ci-bot --password-stdin
  eval "$(aws-cognito-auth login -u ci-bot --format env)"`,
    )
    .action(async (flags) => {
      const { loginCommand } = await import("./login.ts");
      await loginCommand(flags);
    });

  program.command("credential-process")
    .description(
      "Print the credential_process JSON for a profile (for the AWS CLI and " +
        "SDKs), from the cache or refreshed with the saved sign-in",
    )
    .option("--profile <name>", "the profile whose sign-in to use", "default")
    .option("--refresh-window <seconds>", REFRESH_WINDOW_HELP, parseSeconds)
    .action(async (flags) => {
      const { credentialProcessCommand } = await import(
        "./credential_process.ts"
      );
      await credentialProcessCommand(flags);
    });

  program.command("setup-profile")
    .description(
      "Point an AWS profile at this tool with credential_process in the AWS " +
        "config file",
    )
    .option("--profile <name>", "AWS profile to set up", "default")
    .option(
      "--command <line>",
      "the command line to write instead of the one that runs this tool",
    )
    .action(async (flags) => {
      const { setupProfileCommand } = await import("./setup_profile.ts");
      await setupProfileCommand(flags);
    });

  program.command("exec")
    .description(
      "Run a command with the profile's credentials in its environment",
    )
    .argument("[command...]", "the command and its arguments, after --")
    .option("--profile <name>", "the profile whose sign-in to use", "default")
    .option("--refresh-window <seconds>", REFRESH_WINDOW_HELP, parseSeconds)
    .addHelpText(
      "after",
      `
The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION, AWS_REGION and AWS_DEFAULT_REGION, and no
AWS_PROFILE. exec ends with the command's exit code (128+n after signal n).

Example:
  aws-cognito-auth exec --profile dev -- aws s3 ls`,
    )
    .action(async (command, flags) => {
      const { execCommand } = await import("./exec.ts");
      await execCommand(command, flags);
    });

  program.command("console")
    .description(
      "Open the AWS Management Console signed in with a profile's " +
        "credentials (or print the sign-in link)",
    )
    .option(
      "--profile <name>",
      "the profile whose credentials to use",
      "default",
    )
    .option(
      "--destination <page>",
      "a service name (s3, ec2, ...) or a console URL to land on",
    )
    .option(
      "--region <region>",
      "the console's region (default: the profile's)",
    )
    .option(
      "--print",
      "print the sign-in link on stdout instead of opening a browser (it is " +
        "a secret for 15 minutes)",
    )
    .option(
      "--duration <length>",
      "console session length: hours 1 to 12, or 15m to 12h (default: as " +
        "long as the credentials)",
      parseConsoleDuration,
    )
    .addHelpText(
      "after",
      `
The browser is $BROWSER (run with the link as its one argument), else the
platform's opener. The link is never printed without --print.

Examples:
  aws-cognito-auth console --profile dev
  aws-cognito-auth console --destination s3 --duration 1h
  aws-cognito-auth console --print > /dev/null   # check it works`,
    )
    .action(async (flags) => {
      const { consoleCommand } = await import("./console.ts");
      await consoleCommand(flags);
    });

  program.command("logout")
    .description(
      "Revoke a profile's sign-in at Cognito and remove its credentials " +
        "from the credentials file and its saved sign-in",
    )
    .option("--profile <name>", "AWS profile to sign out", "default")
    .option(
      "--everywhere",
      "Also sign the user out of every device (GlobalSignOut)",
    )
    .action(async (flags) => {
      const { logoutCommand } = await import("./logout.ts");
      await logoutCommand(flags);
    });

  addCompletionsCommand(program);
  return program as unknown as Command;
}
