/**
 * `logout`: forget a profile's sign-in. Removes the four keys `login` writes
 * from the profile's section of the shared credentials file (and the
 * section when nothing is left in it), and the profile's cached session.
 * Every other byte of the file stays as it was; the config file is not
 * touched. Keys this tool did not write (no `x_security_token_expires`,
 * and not the cached session's) are left alone.
 *
 * @module
 */
import {
  credentialsFilePath,
  readProfile,
  sectionName,
  updateProfileFile,
} from "./aws_files.ts";
import { CREDENTIALS_FILE_KEYS } from "./credentials.ts";
import { readSession, removeSession, type Session } from "./session_cache.ts";

/** What {@linkcode logout} did. */
export interface LogoutResult {
  /** The credentials file looked at. */
  credentialsFile: string;
  /** Whether keys were removed from it. */
  removedKeys: boolean;
  /** Whether the profile holds keys this tool did not write (kept). */
  keptForeignKeys: boolean;
  /** Whether a cached session was removed. */
  removedSession: boolean;
}

/**
 * Whether a profile's section holds credentials this tool wrote: it has
 * the `x_security_token_expires` key `login` writes, or the cached
 * session's access key.
 */
function writtenByUs(
  values: Record<string, string>,
  session: Session | undefined,
): boolean {
  return values.x_security_token_expires !== undefined ||
    (session !== undefined &&
      values.aws_access_key_id === session.credentials.accessKeyId);
}

/**
 * Removes this tool's credentials for `profile` from the shared credentials
 * file when they are there (see the module doc). Returns whether keys were
 * removed and whether keys not written by this tool were kept.
 */
export async function removeProfileCredentials(
  profile: string,
  env: Record<string, string | undefined>,
  session?: Session,
): Promise<{ removed: boolean; keptForeign: boolean }> {
  const section = sectionName("credentials", profile);
  const values = await readProfile("credentials", profile, env);
  const present = CREDENTIALS_FILE_KEYS.filter((key) =>
    values?.[key] !== undefined
  );
  if (!values || present.length === 0) {
    return { removed: false, keptForeign: false };
  }
  if (!writtenByUs(values, session)) {
    return { removed: false, keptForeign: true };
  }
  await updateProfileFile(
    credentialsFilePath(env),
    section,
    {},
    [...CREDENTIALS_FILE_KEYS],
    { dropEmptySection: true },
  );
  return { removed: true, keptForeign: false };
}

/** Forgets `profile`'s sign-in, as the module describes. */
export async function logout(
  profile: string,
  env: Record<string, string | undefined>,
): Promise<LogoutResult> {
  const session = await readSession(env, profile);
  const { removed, keptForeign } = await removeProfileCredentials(
    profile,
    env,
    session,
  );
  return {
    credentialsFile: credentialsFilePath(env),
    removedKeys: removed,
    keptForeignKeys: keptForeign,
    removedSession: await removeSession(env, profile),
  };
}
