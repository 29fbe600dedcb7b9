/**
 * The role session name of a Cognito user, shared by the credential proxy
 * (`lambda/sts.ts`) and the classic flow (`lib/classic_flow.ts`), so a user's
 * sessions read the same in CloudTrail whichever way they were made.
 *
 * @module
 */
/** Prefix of every role session name. */
export const SESSION_NAME_PREFIX = "CognitoAuth-";

/** STS's limit on `RoleSessionName`. */
export const MAX_SESSION_NAME_LENGTH = 64;

/** Hex digits of the user name's hash at the end of the name (64 bits). */
export const SESSION_NAME_HASH_LENGTH = 16;

/**
 * The session name for a user: `CognitoAuth-<name>-<hash>`. `<name>` is the
 * user name with characters STS refuses (outside `[\w+=,.@-]`) replaced by
 * `_` and cut to fit, for people reading CloudTrail; `<hash>` is the first
 * 16 hex digits of the SHA-256 of the exact user name (UTF-8), so two users
 * never share a session name (nor `aws:userid`) even when their cleaned-up
 * or cut names are the same. At most 64 characters.
 *
 * The hash comes from WebCrypto (hence a promise), not `node:crypto`: the
 * credential proxy's bundle then needs no Node compatibility module, which
 * Deno would compile on every cold start (~45 ms for `node:crypto` alone;
 * issue 17).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roleSessionName } from "./role_session_name.ts";
 * assert.match(
 *   await roleSessionName("alice"),
 *   /^CognitoAuth-alice-[0-9a-f]{16}$/,
 * );
 * assert.notEqual(await roleSessionName("bob!"), await roleSessionName("bob_"));
 * ```
 */
export async function roleSessionName(username: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(username),
  );
  const hash = new Uint8Array(digest).toHex().slice(
    0,
    SESSION_NAME_HASH_LENGTH,
  );
  const room = MAX_SESSION_NAME_LENGTH - SESSION_NAME_PREFIX.length -
    SESSION_NAME_HASH_LENGTH - 1;
  // Cut by code points so a surrogate pair never becomes two `_`s.
  const readable = Array.from(username, (c) => /^[\w+=,.@-]$/.test(c) ? c : "_")
    .slice(0, room).join("");
  return `${SESSION_NAME_PREFIX}${readable}-${hash}`;
}
