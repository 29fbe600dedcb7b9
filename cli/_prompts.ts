/**
 * Questions asked on a terminal during a sign-in, shared by `login` and by
 * the password sign-in that `credential-process` and `exec` fall back to.
 *
 * @module
 */
import { InputRequiredError } from "../lib/errors.ts";
import type { Prompter } from "./terminal.ts";
import type { MfaKind } from "../lib/user_pool.ts";
import { out } from "./run.ts";

/** Asks for a new password twice until both entries match (3 tries). */
export function askNewPassword(prompter: Prompter): () => Promise<string> {
  return async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const first = await prompter.secret(
        "Cognito requires a new password. New password",
      );
      const second = await prompter.secret("Repeat the new password");
      if (first && first === second) return first;
      out.warn("The two entries differ or are empty; try again.");
    }
    throw new InputRequiredError("No matching new password after 3 tries.");
  };
}

/** Asks for an MFA code: from the authenticator app, or sent by SMS. */
export function askMfaCode(
  prompter: Prompter,
): (kind: MfaKind) => Promise<string> {
  return async (kind) => {
    const code = (await prompter.text(
      kind === "sms"
        ? "Code Cognito sent by SMS"
        : "Code from your authenticator app",
    )).trim();
    if (!code) throw new InputRequiredError("No MFA code was entered.");
    return code;
  };
}
