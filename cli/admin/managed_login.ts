/**
 * `aws-cognito-admin managed-login enable`: turn browser sign-in on for the
 * configured app client (callback URL for the port, code flow, scopes,
 * identity providers) and give the pool a Managed Login domain if it has
 * none. Planned, shown, confirmed (`--yes`, `--dry-run`), idempotent.
 *
 * @module
 */
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CliError, ExitCode } from "../../lib/errors.ts";
import {
  DEFAULT_CALLBACK_PORT,
  DEFAULT_SCOPES,
} from "../../lib/browser_sign_in.ts";
import { planManagedLogin } from "../../lib/admin/managed_login.ts";
import { type Prompter, terminalPrompter } from "../terminal.ts";
import { type ChangeFlags, showAndApply, withAdminContext } from "./_apply.ts";

/** The options of `managed-login enable`. */
export interface ManagedLoginEnableFlags extends ChangeFlags {
  /** `--user-pool-id`. */
  userPoolId?: string;
  /** `--client-id`. */
  clientId?: string;
  /** `--region`. */
  region?: string;
  /** `--callback-port` (else `COGNITO_CALLBACK_PORT`, else 47291). */
  callbackPort?: string;
  /** `--identity-provider`, repeatable (default `COGNITO`). */
  identityProvider?: string[];
  /** `--scopes`: space- or comma-separated. */
  scopes?: string;
  /** `--domain-prefix`: for the domain created when the pool has none. */
  domainPrefix?: string;
}

/**
 * A callback port from a flag or the environment: a whole number from 1 to
 * 65535, else a usage error naming where it came from.
 */
export function parseCallbackPort(value: string, source: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value.trim()) || port < 1 || port > 65535) {
    throw new CliError(
      `${source} must be a port number from 1 to 65535, not ${
        JSON.stringify(value.slice(0, 40))
      }.`,
      ExitCode.usage,
    );
  }
  return port;
}

/** Plans and applies the change. */
export async function managedLoginEnableCommand(
  flags: ManagedLoginEnableFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  const callbackPort = flags.callbackPort !== undefined
    ? parseCallbackPort(flags.callbackPort, "--callback-port")
    : env.COGNITO_CALLBACK_PORT
    ? parseCallbackPort(env.COGNITO_CALLBACK_PORT, "COGNITO_CALLBACK_PORT")
    : DEFAULT_CALLBACK_PORT;
  const scopes = flags.scopes
    ? flags.scopes.split(/[\s,]+/).filter(Boolean)
    : [...DEFAULT_SCOPES];
  const settingFlags = {
    userPoolId: flags.userPoolId,
    clientId: flags.clientId,
    region: flags.region,
  };
  const required = ["userPoolId", "clientId", "region"] as const;
  await withAdminContext(settingFlags, env, required, async (context) => {
    const settings = context.values;
    const idp = new CognitoIdentityProviderClient({ region: settings.region });
    try {
      const plan = await planManagedLogin(idp, {
        region: settings.region,
        userPoolId: settings.userPoolId,
        clientId: settings.clientId,
        callbackPort,
        scopes,
        identityProviders: flags.identityProvider?.length
          ? flags.identityProvider
          : ["COGNITO"],
        domainPrefix: flags.domainPrefix,
      });
      await showAndApply(plan, flags, prompter);
    } finally {
      idp.destroy();
    }
  });
}
