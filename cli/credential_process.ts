/**
 * `aws-cognito-auth credential-process`: prints the `credential_process`
 * JSON for a profile on stdout, and nothing else there.
 *
 * A cache hit reads one file and prints: this module loads nothing but the
 * session cache and the printer, and the refresh (with the AWS SDK) is
 * imported only when the cached credentials are within the refresh window.
 *
 * @module
 */
import { credentialProcessJson } from "../lib/credential_output.ts";
import {
  isFresh,
  readSession,
  refreshWindowSeconds,
  type Session,
} from "../lib/session_cache.ts";
import { out } from "./run.ts";

/** The options of `credential-process` and `exec`, as commander gives them. */
export interface SessionFlags {
  /** `--profile`. */
  profile: string;
  /** `--refresh-window` in seconds. */
  refreshWindow?: number;
}

/**
 * The profile's session with credentials valid for longer than the refresh
 * window: the cached one when it is, else a refreshed one.
 */
export async function currentSession(
  flags: SessionFlags,
  env: Record<string, string | undefined>,
): Promise<Session> {
  const windowSeconds = refreshWindowSeconds(flags.refreshWindow, env);
  const session = await readSession(env, flags.profile);
  if (session && isFresh(session.credentials, new Date(), windowSeconds)) {
    return session;
  }
  const { refreshedSession } = await import("./_session.ts");
  return await refreshedSession({
    profile: flags.profile,
    windowSeconds,
    session,
    env,
  });
}

/** Runs `credential-process`. */
export async function credentialProcessCommand(
  flags: SessionFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<void> {
  const session = await currentSession(flags, env);
  out.data(credentialProcessJson(session.credentials));
}
