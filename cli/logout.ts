/**
 * `aws-cognito-auth logout`: revokes the profile's saved sign-in at Cognito
 * (with `--everywhere`, signs the user out of every device first), then
 * removes the profile's credentials from the shared credentials file and
 * its cached session. When Cognito cannot revoke it, the local state is
 * removed all the same and the command ends with exit code 50.
 *
 * @module
 */
import { loadSettings } from "../lib/config.ts";
import { RevocationError } from "../lib/errors.ts";
import { logout } from "../lib/logout.ts";
import { out } from "./report.ts";

/** Runs `logout`. */
export async function logoutCommand(
  flags: { profile: string; everywhere?: boolean },
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<void> {
  const result = await logout(flags.profile, env, {
    everywhere: flags.everywhere,
    clientSecret: async () => (await loadSettings({}, env)).values.clientSecret,
  });
  if (result.signedOutEverywhere) {
    out.info(
      `Signed the user of profile ${flags.profile} out of every device.`,
    );
  }
  if (result.revoked) {
    out.info(
      `Revoked the saved sign-in of profile ${flags.profile} at Cognito.`,
    );
  }
  if (result.removedKeys) {
    out.info(
      `Removed the credentials of profile ${flags.profile} from ` +
        `${result.credentialsFile}.`,
    );
  }
  if (result.keptForeignKeys) {
    out.warn(
      `Profile ${flags.profile} in ${result.credentialsFile} holds keys ` +
        `this tool did not write; left them as they are.`,
    );
  }
  if (result.removedSession) {
    out.info(`Removed the saved sign-in of profile ${flags.profile}.`);
  }
  if (!result.removedKeys && !result.removedSession) {
    out.info(`Profile ${flags.profile} had no credentials to remove.`);
  }
  if (result.revocationFailure) {
    throw new RevocationError(
      `${result.revocationFailure} The local credentials and saved sign-in ` +
        `were removed; the sign-in stays valid at Cognito until it expires ` +
        `(an administrator can end it with AdminUserGlobalSignOut).`,
    );
  }
}
