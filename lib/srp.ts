/**
 * The client side of Cognito's Secure Remote Password sign-in
 * (USER_SRP_AUTH, then the PASSWORD_VERIFIER challenge): the password never
 * leaves the machine, only a proof that we know it.
 *
 * Cognito's variant of SRP-6a: the 3072-bit group of RFC 3526 with g = 2,
 * SHA-256, `k = H(N | g)`, `u = H(A | B)`,
 * `x = H(salt | H(poolName | userId | ":" | password))`, numbers written as
 * "padded hex" (two's-complement style: a leading `00` when the top bit is
 * set), and a 16-byte HKDF key that signs
 * `poolName | userId | SECRET_BLOCK | TIMESTAMP` with HMAC-SHA256.
 *
 * Everything here is pure computation on native `bigint` and Web Crypto, so
 * it runs the same in Deno, a compiled binary or the Lambda. The random
 * exponent and the clock can be passed in for known-answer tests.
 *
 * @example Answer a PASSWORD_VERIFIER challenge
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSrpKeyPair, passwordVerifierResponses } from "./srp.ts";
 *
 * const keys = createSrpKeyPair();
 * // InitiateAuth with AuthParameters { USERNAME, SRP_A: keys.srpA } ...
 * const challenge = {
 *   SRP_B: "c0ffee",
 *   SALT: "5a17",
 *   SECRET_BLOCK: btoa("block"),
 *   USER_ID_FOR_SRP: "alice",
 * };
 * const responses = await passwordVerifierResponses({
 *   keys,
 *   userPoolId: "us-east-1_Example",
 *   password: "correct horse",
 *   challenge,
 *   now: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
 * });
 * assert.equal(responses.TIMESTAMP, "Tue Jan 2 03:04:05 UTC 2024");
 * assert.equal(responses.USERNAME, "alice");
 * ```
 *
 * @module
 */
import { concatBytes } from "./bytes.ts";

/** The 3072-bit prime of RFC 3526 (group 15) that Cognito's SRP uses. */
export const SRP_N = BigInt(
  "0x" +
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/** The generator of the group. */
export const SRP_G = 2n;

/** Bytes of randomness in the secret exponent `a` (as Cognito's SDKs use). */
const SMALL_A_BYTES = 128;

/** The HKDF "info" Cognito uses: `Caldera Derived Key` followed by 0x01. */
const HKDF_INFO = new TextEncoder().encode("Caldera Derived Key\u0001");

/** The client's ephemeral SRP key pair. Keep `a` secret; send `srpA`. */
export interface SrpKeyPair {
  /** The secret exponent. */
  a: bigint;
  /** The public value `g^a mod N`. */
  A: bigint;
  /** `A` as hex, the `SRP_A` auth parameter. */
  srpA: string;
}

/** The values a PASSWORD_VERIFIER answer is computed from. */
export interface PasswordKeyInput {
  /** The part of the user pool id after the underscore. */
  poolName: string;
  /** `USER_ID_FOR_SRP` from the challenge (the user's internal name). */
  userIdForSrp: string;
  /** The user's password. */
  password: string;
  /** The client's key pair from {@linkcode createSrpKeyPair}. */
  keys: SrpKeyPair;
  /** `SRP_B` from the challenge, as a number. */
  B: bigint;
  /** `SALT` from the challenge, as a number. */
  salt: bigint;
}

/** The intermediate values and the derived key of one SRP exchange. */
export interface PasswordKey {
  /** `H(A | B)`. */
  u: bigint;
  /** `H(salt | H(poolName | userId | ":" | password))`. */
  x: bigint;
  /** The shared secret `(B - k·g^x)^(a + u·x) mod N`. */
  S: bigint;
  /** The 16-byte HKDF key that signs the claim. */
  key: Uint8Array;
}

/**
 * Writes a non-negative number as Cognito hashes it: even-length lowercase
 * hex, with a leading `00` when the first byte has its top bit set (the
 * two's-complement form of Java's `BigInteger.toByteArray`).
 */
export function padHex(value: bigint): string {
  if (value < 0n) throw new RangeError("padHex takes non-negative numbers");
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  else if (/^[89a-f]/.test(hex)) hex = `00${hex}`;
  return hex;
}

/**
 * Creates the client's ephemeral key pair. Pass `a` only in tests; by
 * default it is 128 random bytes from the system's secure generator.
 */
export function createSrpKeyPair(a?: bigint): SrpKeyPair {
  for (;;) {
    const secret = a ?? bytesToBigInt(
      crypto.getRandomValues(new Uint8Array(SMALL_A_BYTES)),
    );
    const A = modPow(SRP_G, secret, SRP_N);
    if (A % SRP_N !== 0n) return { a: secret, A, srpA: A.toString(16) };
    if (a !== undefined) throw new RangeError("A mod N must not be 0");
  }
}

/**
 * Computes `u`, `x`, the shared secret `S` and the HKDF key for a
 * PASSWORD_VERIFIER challenge. Throws when the server's values are unsafe
 * (`B mod N = 0` or `u = 0`), as SRP-6a requires.
 */
export async function passwordAuthenticationKey(
  input: PasswordKeyInput,
): Promise<PasswordKey> {
  const N = SRP_N;
  const B = input.B;
  if (B % N === 0n) {
    throw new RangeError("The server's SRP value B is 0 mod N");
  }
  const k = await hexHashToBigInt(padHex(N) + padHex(SRP_G));
  const u = await hexHashToBigInt(padHex(input.keys.A) + padHex(B));
  if (u === 0n) throw new RangeError("The SRP scrambler u is 0");
  const identityHash = await sha256Hex(
    new TextEncoder().encode(
      `${input.poolName}${input.userIdForSrp}:${input.password}`,
    ),
  );
  const x = await hexHashToBigInt(padHex(input.salt) + identityHash);
  const base = mod(B - k * modPow(SRP_G, x, N), N);
  const S = modPow(base, input.keys.a + u * x, N);
  const prk = await hmacSha256(hexToBytes(padHex(u)), hexToBytes(padHex(S)));
  const key = (await hmacSha256(prk, HKDF_INFO)).slice(0, 16);
  return { u, x, S, key };
}

/** What {@linkcode passwordClaimSignature} signs. */
export interface PasswordClaim {
  /** The HKDF key from {@linkcode passwordAuthenticationKey}. */
  key: Uint8Array;
  /** The part of the user pool id after the underscore. */
  poolName: string;
  /** `USER_ID_FOR_SRP` from the challenge. */
  userIdForSrp: string;
  /** `SECRET_BLOCK` from the challenge (base64, passed back unchanged). */
  secretBlock: string;
  /** The timestamp sent as `TIMESTAMP` (see {@linkcode srpTimestamp}). */
  timestamp: string;
}

/**
 * The `PASSWORD_CLAIM_SIGNATURE`: base64 of HMAC-SHA256 under the HKDF key
 * over `poolName | userId | base64-decoded SECRET_BLOCK | timestamp`.
 */
export async function passwordClaimSignature(
  claim: PasswordClaim,
): Promise<string> {
  const encoder = new TextEncoder();
  const message = concatBytes(
    encoder.encode(claim.poolName),
    encoder.encode(claim.userIdForSrp),
    base64ToBytes(claim.secretBlock),
    encoder.encode(claim.timestamp),
  );
  return bytesToBase64(await hmacSha256(claim.key, message));
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

/**
 * Formats a time as Cognito's `TIMESTAMP` wants it,
 * `EEE MMM d HH:mm:ss UTC yyyy` in UTC with the day not zero-padded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { srpTimestamp } from "./srp.ts";
 * assert.equal(
 *   srpTimestamp(new Date("2000-02-01T03:04:05Z")),
 *   "Tue Feb 1 03:04:05 UTC 2000",
 * );
 * ```
 */
export function srpTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ` +
    `${date.getUTCDate()} ${two(date.getUTCHours())}:` +
    `${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ` +
    `${date.getUTCFullYear()}`;
}

/** What {@linkcode passwordVerifierResponses} needs. */
export interface PasswordVerifierInput {
  /** The key pair whose `srpA` went into InitiateAuth. */
  keys: SrpKeyPair;
  /** The user pool id (`us-east-1_abc`); its name part enters the proof. */
  userPoolId: string;
  /** The user's password. */
  password: string;
  /** `ChallengeParameters` of the PASSWORD_VERIFIER challenge. */
  challenge: Record<string, string | undefined>;
  /** The time to put in `TIMESTAMP`. */
  now: Date;
}

/**
 * The ChallengeResponses of a PASSWORD_VERIFIER answer (without
 * SECRET_HASH): `USERNAME` (= USER_ID_FOR_SRP), `PASSWORD_CLAIM_SECRET_BLOCK`,
 * `PASSWORD_CLAIM_SIGNATURE` and `TIMESTAMP`. Throws a `TypeError` naming
 * the parameter when the challenge lacks one.
 */
export async function passwordVerifierResponses(
  input: PasswordVerifierInput,
): Promise<Record<string, string>> {
  const need = (name: string): string => {
    const value = input.challenge[name];
    if (!value) {
      throw new TypeError(`The PASSWORD_VERIFIER challenge has no ${name}`);
    }
    return value;
  };
  const userIdForSrp = need("USER_ID_FOR_SRP");
  const secretBlock = need("SECRET_BLOCK");
  const poolName = input.userPoolId.slice(input.userPoolId.indexOf("_") + 1);
  const { key } = await passwordAuthenticationKey({
    poolName,
    userIdForSrp,
    password: input.password,
    keys: input.keys,
    B: hexToBigInt(need("SRP_B")),
    salt: hexToBigInt(need("SALT")),
  });
  const timestamp = srpTimestamp(input.now);
  return {
    USERNAME: userIdForSrp,
    PASSWORD_CLAIM_SECRET_BLOCK: secretBlock,
    PASSWORD_CLAIM_SIGNATURE: await passwordClaimSignature({
      key,
      poolName,
      userIdForSrp,
      secretBlock,
      timestamp,
    }),
    TIMESTAMP: timestamp,
  };
}

// --- arithmetic and encoding helpers -------------------------------------

function mod(value: bigint, modulus: bigint): bigint {
  const r = value % modulus;
  return r < 0n ? r + modulus : r;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = mod(base, modulus);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    e >>= 1n;
    b = (b * b) % modulus;
  }
  return result;
}

function hexToBigInt(hex: string): bigint {
  if (!/^[0-9a-fA-F]+$/.test(hex)) {
    throw new TypeError("Expected a hexadecimal number");
  }
  return BigInt(`0x${hex}`);
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return BigInt(`0x${hex || "0"}`);
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

/**
 * Decodes base64 leniently, as Python's `b64decode` and the AWS SDKs do:
 * characters outside the alphabet are skipped and missing padding is
 * added. (Cognito sends clean base64; moto sends a UUID as SECRET_BLOCK.)
 */
function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, "");
  const binary = atob(clean.padEnd(Math.ceil(clean.length / 4) * 4, "="));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new Uint8Array(data)),
  );
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex.padStart(64, "0");
}

async function hexHashToBigInt(hex: string): Promise<bigint> {
  return BigInt(`0x${await sha256Hex(hexToBytes(hex))}`);
}

async function hmacSha256(
  key: Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(
    await crypto.subtle.sign("HMAC", cryptoKey, new Uint8Array(data)),
  );
}
