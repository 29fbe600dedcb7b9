/**
 * The fast path of `credential-process`: serve a cache hit before the
 * argument parser, the rest of the CLI or the AWS SDK is loaded, and
 * without the profile's lock. Anything it does not fully understand
 * (another option, `--help`, a malformed value, a miss, an error) it leaves
 * to the full command, which reports it properly.
 *
 * @module
 */
import { credentialProcessJson } from "../lib/credential_output.ts";
import {
  isFresh,
  parseRefreshWindow,
  readSession,
  refreshWindowSeconds,
} from "../lib/session_cache.ts";

/** Reads `--profile P` and `--refresh-window N` (either `--x v` or `--x=v`). */
function parse(
  args: string[],
): { profile: string; refreshWindow?: number } | undefined {
  let profile = "default";
  let refreshWindow: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = inline ?? args[++i];
    if (value === undefined) return undefined;
    if (flag === "--profile") profile = value;
    else if (flag === "--refresh-window") {
      refreshWindow = parseRefreshWindow(value);
      if (refreshWindow === undefined) return undefined;
    } else return undefined;
  }
  return { profile, refreshWindow };
}

/**
 * Prints the cached credentials of the profile and returns true when they
 * are fresh; returns false otherwise, having printed nothing.
 */
export async function serveCachedCredentials(
  args: string[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<boolean> {
  try {
    const flags = parse(args);
    if (!flags) return false;
    const session = await readSession(env, flags.profile);
    if (!session) return false;
    const windowSeconds = refreshWindowSeconds(flags.refreshWindow, env);
    if (!isFresh(session.credentials, new Date(), windowSeconds)) {
      // A renewal is coming: the SDK loads while the parser does.
      if (session.refreshToken) {
        import("../lib/cognito_sdk.ts")
          .then((sdk) => sdk.preloadCognitoSdk())
          .catch(() => {});
      }
      return false;
    }
    const text = credentialProcessJson(session.credentials) + "\n";
    await Deno.stdout.write(new TextEncoder().encode(text));
    return true;
  } catch {
    return false;
  }
}
