/**
 * The slow path of `credential-process` and `exec`: credentials from a
 * profile's saved session when the cached ones are (nearly) expired. Loaded
 * only then, so that a cache hit never loads the AWS SDK.
 *
 * @module
 */
import { loadSettings } from "../lib/config.ts";
import type { Session } from "../lib/session_cache.ts";
import { sessionCredentials, type SignInAgain } from "../lib/session.ts";
import { terminalPrompter } from "./terminal.ts";
import { askMfaCode, askNewPassword } from "./_prompts.ts";
import { out } from "./run.ts";

/** What {@linkcode refreshedSession} needs. */
export interface RefreshInput {
  /** The profile. */
  profile: string;
  /** The refresh window in seconds. */
  windowSeconds: number;
  /** The session as read by the caller (undefined when there is none). */
  session: Session | undefined;
  /** Environment. */
  env: Record<string, string | undefined>;
}

/**
 * Refreshes a profile's session with its refresh token; asks for the
 * password only when both stdin and stderr are a terminal (the AWS CLI runs
 * `credential_process` with stderr captured, where a prompt would never be
 * seen).
 */
export async function refreshedSession(input: RefreshInput): Promise<Session> {
  const { env } = input;
  const prompter = Deno.stderr.isTerminal() ? terminalPrompter() : undefined;
  let signInAgain: SignInAgain | undefined;
  if (prompter && input.session) {
    const user = input.session.username;
    signInAgain = {
      password: () => prompter.secret(`Password for ${user}`),
      newPassword: askNewPassword(prompter),
      mfaCode: askMfaCode(prompter),
    };
  }
  const result = await sessionCredentials({
    profile: input.profile,
    windowSeconds: input.windowSeconds,
    env,
    session: input.session,
    clientSecret: async () => (await loadSettings({}, env)).values.clientSecret,
    signInAgain,
    reporter: { step: out.info, warn: out.warn },
  });
  return result.session;
}
