/**
 * The temporary AWS credentials value every part of the tool passes around,
 * and the small printers over it.
 *
 * @module
 */

/** Temporary AWS credentials with their expiry. */
export interface TemporaryCredentials {
  /** Access key id (not secret on its own, but never logged in full). */
  accessKeyId: string;
  /** Secret access key. Never print or log it. */
  secretAccessKey: string;
  /** Session token. Never print or log it. */
  sessionToken: string;
  /** When the credentials stop working. */
  expiration: Date;
}

/**
 * Where a set of credentials came from: the Identity Pool (enhanced flow),
 * the credential proxy, or sts:AssumeRoleWithWebIdentity (classic flow).
 */
export type CredentialsSource = "identity-pool" | "proxy" | "classic";

/**
 * The key/value pairs written into a shared credentials file profile.
 * `x_security_token_expires` is the expiry key other tools (aws-vault,
 * saml2aws) write; the SDKs ignore it, `status` reads it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { credentialsFileEntries } from "./credentials.ts";
 * const entries = credentialsFileEntries({
 *   accessKeyId: "ASIAEXAMPLE",
 *   secretAccessKey: "secret",
 *   sessionToken: "token",
 *   expiration: new Date("2030-01-01T00:00:00Z"),
 * });
 * assert.equal(entries.x_security_token_expires, "2030-01-01T00:00:00Z");
 * ```
 */
export function credentialsFileEntries(
  credentials: TemporaryCredentials,
): Record<string, string> {
  return {
    aws_access_key_id: credentials.accessKeyId,
    aws_secret_access_key: credentials.secretAccessKey,
    aws_session_token: credentials.sessionToken,
    x_security_token_expires: isoSeconds(credentials.expiration),
  };
}

/** The keys {@linkcode credentialsFileEntries} writes. */
export const CREDENTIALS_FILE_KEYS = [
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "x_security_token_expires",
] as const;

/** ISO 8601 in UTC without milliseconds, e.g. `2030-01-01T00:00:00Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Formats an expiry for people: local date and time with the zone as its
 * offset from UTC, and how long from `now`, e.g.
 * `2026-11-26 14:30:00 UTC+01:00, in 59 min` (plain `UTC` on a clock set to
 * UTC). The offset comes from the date itself: a zone name (`CET`) would
 * need `Intl.DateTimeFormat`, whose first use sets up ICU's time zone data
 * for about 24 ms, a tenth of a whole sign-in (issue 17).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeExpiry } from "./credentials.ts";
 * const now = new Date("2030-01-01T12:00:00Z");
 * const text = describeExpiry(new Date("2030-01-01T12:59:00Z"), now);
 * assert.match(text, /^2030-01-01 \d\d:59:00 UTC([+-]\d\d:\d\d)?, in 59 min$/);
 * ```
 */
export function describeExpiry(expiration: Date, now: Date): string {
  const local = `${expiration.getFullYear()}-${
    pad(expiration.getMonth() + 1)
  }-${pad(expiration.getDate())} ${pad(expiration.getHours())}:${
    pad(expiration.getMinutes())
  }:${pad(expiration.getSeconds())}`;
  const seconds = Math.round((expiration.getTime() - now.getTime()) / 1000);
  return `${local} ${utcOffset(expiration)}, ${describeDuration(seconds)}`;
}

/** `n` in two digits (`07`). */
function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `UTC`, or `UTC+01:00` / `UTC-05:30`: the local zone's offset at `date`. */
function utcOffset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  if (minutes === 0) return "UTC";
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${
    pad(abs % 60)
  }`;
}

function describeDuration(seconds: number): string {
  if (seconds <= 0) return "expired";
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `in ${hours} h ${rest} min` : `in ${hours} h`;
}
