/**
 * The tool's own cache folder and what it remembers between runs: for now the
 * Identity Pool identity id of each user, so a repeat login skips `GetId`.
 * Files here are mode 0600 in a 0700 folder. Sessions (what
 * `credential-process` reuses) live next to it, in `session_cache.ts`.
 *
 * @module
 */
import { homeDir } from "./home.ts";

/**
 * The cache folder: `$XDG_CACHE_HOME/cognito-authoriser`, else
 * `~/.cache/cognito-authoriser` (`%LOCALAPPDATA%` on Windows). Undefined when
 * no home folder is known.
 */
export function cacheDir(
  env: Record<string, string | undefined>,
): string | undefined {
  if (env.XDG_CACHE_HOME) return `${env.XDG_CACHE_HOME}/cognito-authoriser`;
  if (env.LOCALAPPDATA) return `${env.LOCALAPPDATA}/cognito-authoriser`;
  const home = homeDir(env);
  return home ? `${home}/.cache/cognito-authoriser` : undefined;
}

/** Which identity a cached identity id belongs to. */
export interface IdentityKey {
  /** Identity Pool id. */
  identityPoolId: string;
  /** User Pool id. */
  userPoolId: string;
  /** User name as typed at sign-in. */
  username: string;
}

const IDENTITY_FILE = "identity-ids.json";

function keyOf(key: IdentityKey): string {
  return `${key.identityPoolId}|${key.userPoolId}|${key.username}`;
}

async function readJson(path: string): Promise<Record<string, string>> {
  try {
    const data = JSON.parse(await Deno.readTextFile(path));
    return data && typeof data === "object" && !Array.isArray(data) ? data : {};
  } catch {
    // A missing or damaged cache is the same as an empty one.
    return {};
  }
}

/** Returns the identity id remembered for this user and pool, if any. */
export async function readCachedIdentityId(
  dir: string | undefined,
  key: IdentityKey,
): Promise<string | undefined> {
  if (!dir) return undefined;
  const value = (await readJson(`${dir}/${IDENTITY_FILE}`))[keyOf(key)];
  return typeof value === "string" ? value : undefined;
}

/**
 * Remembers the identity id for this user and pool. A cache that cannot be
 * written is not an error: the next login simply calls `GetId` again.
 */
export async function writeCachedIdentityId(
  dir: string | undefined,
  key: IdentityKey,
  identityId: string,
): Promise<boolean> {
  if (!dir) return false;
  const path = `${dir}/${IDENTITY_FILE}`;
  const data = await readJson(path);
  if (data[keyOf(key)] === identityId) return true;
  data[keyOf(key)] = identityId;
  try {
    // Loaded here so that reading the cache stays as light as it can be.
    const { writeFileAtomic } = await import("./atomic_file.ts");
    await writeFileAtomic(path, JSON.stringify(data, null, 2) + "\n");
    return true;
  } catch {
    return false;
  }
}
