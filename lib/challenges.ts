/**
 * Answering the challenges Cognito sets during a sign-in: PASSWORD_VERIFIER
 * (SRP), NEW_PASSWORD_REQUIRED (a new password, and the user attributes the
 * pool requires, `requiredAttributes`), SOFTWARE_TOKEN_MFA, SMS_MFA and
 * EMAIL_OTP (a code), and SELECT_MFA_TYPE when one of the kinds offered can
 * be answered. Every other challenge (MFA_SETUP, WEB_AUTHN, a custom or
 * unknown one) is an {@linkcode UnsupportedChallengeError} that says only
 * Cognito's hosted sign-in pages handle it.
 *
 * Always with RespondToAuthChallenge: the admin variant would need AWS
 * credentials the user does not have.
 *
 * @module
 */
import {
  AttributesRequiredError,
  ChallengeError,
  ExitCode,
  SignInError,
  UnsupportedChallengeError,
} from "./errors.ts";
import { type createSrpKeyPair, passwordVerifierResponses } from "./srp.ts";
import type { PasswordSignInOptions } from "./user_pool.ts";

/** The kind of MFA code Cognito asks for. */
export type MfaKind = "totp" | "sms" | "email";

/** The MFA challenges answered with a code, and the kind of code. */
const MFA_CHALLENGES: Readonly<Record<string, MfaKind>> = {
  SOFTWARE_TOKEN_MFA: "totp",
  SMS_MFA: "sms",
  EMAIL_OTP: "email",
};

/** What each kind of code is, for messages. */
const MFA_CODES: Readonly<Record<MfaKind, string>> = {
  totp: "a code from the authenticator app",
  sms: "the code Cognito sent by SMS",
  email: "the code Cognito sent by e-mail",
};

/**
 * The order SELECT_MFA_TYPE is answered in: an authenticator code first,
 * the only kind that can be given ahead (`--mfa-code`); SMS and e-mail codes
 * are sent only after the choice.
 */
const MFA_PREFERENCE = ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SMS_MFA"];

/** Why a challenge cannot be answered here, keyed by challenge name. */
const UNSUPPORTED_HINTS: Readonly<Record<string, string>> = {
  MFA_SETUP: "the user must set up MFA before signing in: set it up once " +
    "in the app (or the hosted sign-in pages) that uses this user pool, " +
    "then sign in again",
  SELECT_MFA_TYPE: "the user must choose an MFA method, and none of those " +
    "offered can be answered here (or no code can be asked for): choose a " +
    "preferred one in the app that uses this user pool",
  WEB_AUTHN: "the user signs in with a passkey, which only a browser can " +
    "give",
  CUSTOM_CHALLENGE: "the user pool uses custom authentication (Lambda " +
    "triggers), which this tool does not answer",
  DEVICE_SRP_AUTH: "the user pool asks for remembered-device " +
    "authentication, which this tool does not answer",
};

/** Readable labels of Cognito's standard attributes, for prompts. */
const ATTRIBUTE_LABELS: Readonly<Record<string, string>> = {
  name: "Full name",
  given_name: "Given name",
  family_name: "Family name",
  middle_name: "Middle name",
  nickname: "Nickname",
  preferred_username: "Preferred user name",
  profile: "Profile page URL",
  picture: "Picture URL",
  website: "Website URL",
  email: "E-mail address",
  gender: "Gender",
  birthdate: "Date of birth (YYYY-MM-DD)",
  zoneinfo: "Time zone (like Europe/Paris)",
  locale: "Locale (like en-US)",
  phone_number: "Phone number (like +14155550100)",
  address: "Postal address",
  updated_at: "Last updated (seconds since 1970)",
};

/**
 * A readable label for a user attribute, for a prompt: Cognito's standard
 * attributes by what they hold, a custom one by its own name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attributeLabel } from "./challenges.ts";
 * assert.equal(attributeLabel("name"), "Full name");
 * assert.equal(attributeLabel("custom:team_id"), "Team id (custom:team_id)");
 * ```
 */
export function attributeLabel(name: string): string {
  if (Object.hasOwn(ATTRIBUTE_LABELS, name)) return ATTRIBUTE_LABELS[name];
  const bare = name.replace(/^custom:/, "").replaceAll("_", " ");
  const label = bare.charAt(0).toUpperCase() + bare.slice(1);
  return name.startsWith("custom:") ? `${label} (${name})` : label;
}

/**
 * The user attributes a NEW_PASSWORD_REQUIRED challenge requires: its
 * `requiredAttributes` parameter (a JSON list like
 * `["userAttributes.name"]`) without the `userAttributes.` prefix. Empty
 * when there is none or it cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requiredAttributeNames } from "./challenges.ts";
 * assert.deepEqual(
 *   requiredAttributeNames({
 *     requiredAttributes: '["userAttributes.name","userAttributes.locale"]',
 *   }),
 *   ["name", "locale"],
 * );
 * assert.deepEqual(requiredAttributeNames({}), []);
 * ```
 */
export function requiredAttributeNames(
  parameters: Record<string, string>,
): string[] {
  let list: unknown;
  try {
    list = JSON.parse(parameters.requiredAttributes ?? "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list
    .filter((item): item is string => typeof item === "string" && item !== "")
    .map((item) => item.replace(/^userAttributes\./, ""));
}

/** The error for attributes Cognito needs that no source gave. */
function missingAttributes(
  user: string,
  missing: readonly string[],
): AttributesRequiredError {
  const list = missing.map((name) => `${attributeLabel(name)} (${name})`)
    .join(", ");
  const example = missing.map((name) => `--attribute ${name}=...`).join(" ");
  return new AttributesRequiredError(
    `Cognito needs more about user ${user} before the first sign-in: ` +
      `${list}. Run login on a terminal to be asked, or give ${
        missing.length === 1 ? "it" : "each"
      } with --attribute NAME=VALUE (${example}).`,
    { missing },
  );
}

/** The ChallengeResponses for one challenge, and what they do. */
export interface ChallengeAnswer {
  /** The ChallengeResponses, without SECRET_HASH (added by the caller). */
  responses: Record<string, string>;
  /** What answering does, for "while ..." in error messages. */
  doing: string;
}

/**
 * The answer to one challenge, asking `options` for what it needs; throws
 * the error a user can act on when it cannot be answered. `username` is the
 * name Cognito knows the user by (its USER_ID_FOR_SRP or USERNAME).
 */
export async function answerChallenge(
  challenge: string,
  parameters: Record<string, string>,
  username: string,
  options: PasswordSignInOptions,
  srpKeys: ReturnType<typeof createSrpKeyPair> | undefined,
): Promise<ChallengeAnswer> {
  const user = options.username;
  if (challenge === "PASSWORD_VERIFIER" && srpKeys && options.userPoolId) {
    let responses: Record<string, string>;
    try {
      responses = await passwordVerifierResponses({
        keys: srpKeys,
        userPoolId: options.userPoolId,
        password: options.password,
        challenge: parameters,
        now: (options.now ?? (() => new Date()))(),
      });
    } catch (error) {
      throw new SignInError(
        `Cognito's SRP challenge could not be answered: ${
          (error as Error).message
        }.`,
        ExitCode.unexpected,
        { cause: error },
      );
    }
    return { responses, doing: "proving the password (SRP)" };
  }
  if (challenge === "NEW_PASSWORD_REQUIRED") {
    return await newPasswordAnswer(parameters, username, options);
  }
  if (Object.hasOwn(MFA_CHALLENGES, challenge)) {
    const kind = MFA_CHALLENGES[challenge];
    const what = MFA_CODES[kind];
    if (!options.mfaCode) {
      throw new ChallengeError(
        `User ${user} must give ${what} (${challenge}). Run login on a ` +
          `terminal to be asked for it, or pass it with --mfa-code.`,
      );
    }
    const code = (await options.mfaCode(kind)).replace(/\s+/g, "");
    return {
      responses: { USERNAME: username, [`${challenge}_CODE`]: code },
      doing: `checking ${what}`,
    };
  }
  if (challenge === "SELECT_MFA_TYPE" && options.mfaCode) {
    const offered = jsonList(parameters.MFAS_CAN_CHOOSE);
    const choice = MFA_PREFERENCE.find((kind) => offered.includes(kind));
    if (choice) {
      return {
        responses: { USERNAME: username, ANSWER: choice },
        doing: `choosing ${MFA_CODES[MFA_CHALLENGES[choice]]} for MFA`,
      };
    }
  }
  const hint = UNSUPPORTED_HINTS[challenge] ??
    "this tool does not know it; ask your administrator which sign-in " +
      "steps the user pool requires";
  throw new UnsupportedChallengeError(
    challenge,
    `Cognito asked for the ${challenge} challenge, which this command ` +
      `cannot answer (only Cognito's hosted sign-in pages can): ${hint}.`,
  );
}

/**
 * NEW_PASSWORD_REQUIRED: the user attributes the pool requires are gathered
 * first (so a run that cannot give them stops before a new password is
 * read), then the new password.
 */
async function newPasswordAnswer(
  parameters: Record<string, string>,
  username: string,
  options: PasswordSignInOptions,
): Promise<ChallengeAnswer> {
  const user = options.username;
  const required = requiredAttributeNames(parameters);
  const responses: Record<string, string> = { USERNAME: username };
  if (required.length > 0) {
    const given = options.userAttributes
      ? await options.userAttributes(required)
      : {};
    const missing = required.filter((name) => !given[name]?.trim());
    if (missing.length > 0) throw missingAttributes(user, missing);
    for (const name of required) {
      responses[`userAttributes.${name}`] = given[name].trim();
    }
  }
  if (!options.newPassword) {
    throw new ChallengeError(
      `User ${user} must choose a new password before signing in. Run ` +
        `login on a terminal to be asked for one, or pass it with ` +
        `--new-password-stdin or COGNITO_NEW_PASSWORD.`,
    );
  }
  responses.NEW_PASSWORD = await options.newPassword();
  return {
    responses,
    doing: required.length > 0
      ? "setting the new password and user attributes"
      : "setting the new password",
  };
}

/** A JSON list of strings from a challenge parameter; empty if it is not. */
function jsonList(text: string | undefined): string[] {
  try {
    const list = JSON.parse(text ?? "[]");
    return Array.isArray(list)
      ? list.filter((item) => typeof item === "string")
      : [];
  } catch {
    return [];
  }
}
