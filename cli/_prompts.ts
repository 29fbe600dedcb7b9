/**
 * Questions asked on a terminal during a sign-in, shared by `login` and by
 * the password sign-in that `credential-process` and `exec` fall back to.
 *
 * @module
 */
import { attributeLabel } from "../lib/challenges.ts";
import { InputRequiredError } from "../lib/errors.ts";
import type { Prompter } from "./terminal.ts";
import type { MfaKind } from "../lib/user_pool.ts";
import { out } from "./report.ts";

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
      {
        totp: "Code from your authenticator app",
        sms: "Code Cognito sent by SMS",
        email: "Code Cognito sent by e-mail",
      }[kind],
    )).trim();
    if (!code) throw new InputRequiredError("No MFA code was entered.");
    return code;
  };
}

/**
 * The user attributes Cognito requires with a new password: those in
 * `given` (from `--attribute`), and on a terminal (`prompter`) each other
 * one asked by its readable label. Without a terminal the missing ones stay
 * missing, and the sign-in names them all in one error.
 */
export function askUserAttributes(
  given: Readonly<Record<string, string>>,
  prompter: Prompter | undefined,
): (names: string[]) => Promise<Record<string, string>> {
  return async (names) => {
    const values: Record<string, string> = {};
    const ask = names.filter((name) => {
      if (Object.hasOwn(given, name)) values[name] = given[name];
      return !Object.hasOwn(given, name);
    });
    if (ask.length > 0 && prompter) {
      out.info("Cognito needs more about you before the first sign-in.");
      for (const name of ask) {
        values[name] = (await prompter.text(attributeLabel(name))).trim();
      }
    }
    return values;
  };
}
