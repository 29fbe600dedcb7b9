/**
 * `aws-cognito-auth credential-process`: prints the `credential_process`
 * JSON for a profile on stdout, and nothing else there.
 *
 * A cache hit reads one file and prints: this module loads nothing but the
 * session cache and the printer; the renewal (with the AWS SDK), the
 * settings and the terminal are imported only when the cached credentials
 * are within the refresh window.
 *
 * @module
 */
import { credentialProcessJson } from "../lib/credential_output.ts";
import { refreshWindowSeconds, type Session } from "../lib/session_cache.ts";
import { sessionCredentials } from "../lib/session_renewal.ts";
import type { SignInInputs } from "../lib/sign_in.ts";
import { out } from "./report.ts";

/** The options of `credential-process` and `exec`, as commander gives them. */
export interface SessionFlags {
  /** `--profile`. */
  profile: string;
  /** `--refresh-window` in seconds. */
  refreshWindow?: number;
}

/**
 * The profile's session with credentials valid for longer than the refresh
 * window: the cached one when it is, else a renewed one. A new sign-in is
 * offered only when both stdin and stderr are a terminal (the AWS CLI runs
 * `credential_process` with stderr captured, where a prompt would never be
 * seen).
 */
export async function currentSession(
  flags: SessionFlags,
  env: Record<string, string | undefined>,
): Promise<Session> {
  const result = await sessionCredentials({
    profile: flags.profile,
    windowSeconds: refreshWindowSeconds(flags.refreshWindow, env),
    env,
    settings: async () => {
      const { loadSettings } = await import("../lib/config.ts");
      return (await loadSettings({}, env)).values;
    },
    signInAgain: (session) => askedInputs(session),
    reporter: { step: out.info, warn: out.warn },
  });
  return result.session;
}

/** What a person at a terminal can answer for a new sign-in, if any. */
async function askedInputs(
  session: Session,
): Promise<SignInInputs | undefined> {
  if (!Deno.stderr.isTerminal()) return undefined;
  const [{ terminalPrompter }, prompts] = await Promise.all([
    import("./terminal.ts"),
    import("./_prompts.ts"),
  ]);
  const prompter = terminalPrompter();
  if (!prompter) return undefined;
  return {
    password: () => prompter.secret(`Password for ${session.username}`),
    newPassword: prompts.askNewPassword(prompter),
    mfaCode: prompts.askMfaCode(prompter),
    userAttributes: prompts.askUserAttributes({}, prompter),
  };
}

/** Runs `credential-process`. */
export async function credentialProcessCommand(
  flags: SessionFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<void> {
  const session = await currentSession(flags, env);
  out.data(credentialProcessJson(session.credentials));
}
