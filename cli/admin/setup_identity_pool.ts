/**
 * `aws-cognito-admin setup-identity-pool`: create (or adopt, by name) an
 * Identity Pool for the configured User Pool and client, its authenticated
 * role with the minimum policy, and save the pool id and role name to the
 * config file. Asks for the names on a terminal; takes them as flags.
 *
 * @module
 */
import { CliError, ExitCode } from "../../lib/errors.ts";
import { planSetupIdentityPool } from "../../lib/admin/identity_pool_setup.ts";
import { isIdentityPoolName, isRoleName } from "../../lib/admin/names.ts";
import { type Prompter, terminalPrompter } from "../terminal.ts";
import { plainFunctionName } from "./lambda_deploy.ts";
import {
  type ChangeFlags,
  PROXY_SETTINGS,
  showAndApply,
  withAdminContext,
} from "./_apply.ts";

/** The options of `setup-identity-pool`. */
export interface SetupIdentityPoolFlags extends ChangeFlags {
  /** `--identity-pool-name`. */
  identityPoolName?: string;
  /** `--role-name`. */
  roleName?: string;
  /** `--user-pool-id`. */
  userPoolId?: string;
  /** `--client-id`. */
  clientId?: string;
  /** `--region`. */
  region?: string;
  /** `--lambda-function-name`. */
  lambdaFunctionName?: string;
}

/** The Identity Pool name used when none is given. */
export const DEFAULT_IDENTITY_POOL_NAME = "CognitoAuthoriser";

/** The authenticated role's default name for a pool name. */
export function defaultRoleName(poolName: string): string {
  return `Cognito_${poolName.replace(/[^\w+=,.@-]/g, "_")}_Auth_Role`.slice(
    0,
    64,
  );
}

/** Plans and applies the setup. */
export async function setupIdentityPoolCommand(
  flags: SetupIdentityPoolFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  const settingFlags = {
    userPoolId: flags.userPoolId,
    clientId: flags.clientId,
    region: flags.region,
    lambdaFunctionName: flags.lambdaFunctionName,
  };
  await withAdminContext(settingFlags, env, PROXY_SETTINGS, async (context) => {
    const settings = context.values;
    let poolName = flags.identityPoolName;
    if (poolName === undefined && prompter) {
      poolName = (await prompter.text(
        "Identity Pool name",
        DEFAULT_IDENTITY_POOL_NAME,
      )).trim();
    }
    poolName ||= DEFAULT_IDENTITY_POOL_NAME;
    if (!isIdentityPoolName(poolName)) {
      throw new CliError(
        `${
          JSON.stringify(poolName)
        } is not an Identity Pool name: use letters, digits, spaces and +=,.@_- (at most 128).`,
        ExitCode.usage,
      );
    }
    let roleName = flags.roleName;
    if (roleName === undefined && prompter) {
      roleName = (await prompter.text(
        "Authenticated role name",
        defaultRoleName(poolName),
      )).trim();
    }
    roleName ||= defaultRoleName(poolName);
    if (!isRoleName(roleName)) {
      throw new CliError(
        `${
          JSON.stringify(roleName)
        } is not an IAM role name: use letters, digits and +=,.@_- (at most 64).`,
        ExitCode.usage,
      );
    }
    const plan = await planSetupIdentityPool(context.clients, {
      region: settings.region,
      identityPoolName: poolName,
      roleName,
      userPoolId: settings.userPoolId,
      clientId: settings.clientId,
      functionName: plainFunctionName(settings.lambdaFunctionName),
      configPath: context.settings.configPath,
    });
    await showAndApply(plan, flags, prompter);
  });
}
