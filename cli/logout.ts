/**
 * `aws-cognito-auth logout`: removes a profile's credentials from the
 * shared credentials file and its cached session.
 *
 * @module
 */
import { logout } from "../lib/logout.ts";
import { out } from "./run.ts";

/** Runs `logout`. */
export async function logoutCommand(
  flags: { profile: string },
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<void> {
  const result = await logout(flags.profile, env);
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
}
