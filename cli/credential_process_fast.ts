/**
 * The fast path of `credential-process`, taken before the argument parser or
 * the rest of the CLI is loaded, because the AWS CLI and SDKs run it before
 * their API calls: a cache hit is served without the SDK or the profile's
 * lock, and a stale session with a refresh token is renewed by the command
 * itself, called directly (the parser would add some 20 ms to a refresh,
 * issue 17). Anything it does not fully understand (another option,
 * `--help`, a malformed value, no saved session) it leaves to the full
 * command, which reports it properly.
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
 * Serves `credential-process` for `args` (what follows the command name)
 * when it understands them: prints the cached credentials of the profile
 * when they are fresh, or renews them as the full command does and prints
 * those (exiting with the command's exit code and message if that fails).
 * Returns true when it printed the credentials, false when the full command
 * must run, having printed nothing.
 */
export async function serveCredentialProcess(
  args: string[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<boolean> {
  let flags: ReturnType<typeof parse>;
  try {
    flags = parse(args);
    if (!flags) return false;
    const session = await readSession(env, flags.profile);
    if (!session) return false;
    const windowSeconds = refreshWindowSeconds(flags.refreshWindow, env);
    if (!isFresh(session.credentials, new Date(), windowSeconds)) {
      if (!session.refreshToken) return false;
      // A renewal is coming: the SDK loads while the command's modules do.
      import("../lib/cognito_sdk.ts")
        .then((sdk) => sdk.preloadCognitoSdk())
        .catch(() => {});
    } else {
      const text = credentialProcessJson(session.credentials) + "\n";
      await Deno.stdout.write(new TextEncoder().encode(text));
      return true;
    }
  } catch {
    return false;
  }
  // From here the command runs once, whatever happens: a failure is reported
  // as the full command reports it, never retried by it.
  const [{ credentialProcessCommand }, { reportError }] = await Promise.all([
    import("./credential_process.ts"),
    import("./report.ts"),
  ]);
  try {
    await credentialProcessCommand(flags, env);
    return true;
  } catch (error) {
    Deno.exit(reportError(error, false));
  }
}
