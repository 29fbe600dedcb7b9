/**
 * Typed errors, one per failure a user can act on. Each carries the exit code
 * the CLI ends with (documented in the README) and a message that says what
 * happened and what to do next. Messages never contain secrets.
 *
 * @module
 */

/** Exit codes of `aws-cognito-auth` and `aws-cognito-admin`. */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** An unexpected failure (a bug, or an error we do not know yet). */
  unexpected: 1,
  /** The command line itself was wrong (unknown option, missing argument). */
  usage: 2,
  /** Settings are missing or malformed (flags, environment, config file). */
  config: 3,
  /** Cognito refused the user name and password. */
  notAuthorized: 4,
  /** The user exists but has not confirmed the account. */
  userNotConfirmed: 5,
  /** No such user in the pool. */
  userNotFound: 6,
  /** The user must reset the password before signing in. */
  passwordResetRequired: 7,
  /** The user pool, app client, identity pool or function does not exist. */
  resourceNotFound: 8,
  /** AWS could not be reached (DNS, connection refused, timeout). */
  network: 9,
  /** The credentials or config file could not be read, parsed or written. */
  credentialsFile: 10,
  /** The Identity Pool refused to give credentials. */
  identityPool: 11,
  /** A sign-in challenge could not be answered (new password, MFA). */
  challenge: 12,
  /** A password or other input was needed but none could be read. */
  inputRequired: 13,
  /** The proxy failed and `--require-proxy` was given. */
  proxy: 14,
  /**
   * AWS refused the administrator's request: a permission is missing (named
   * in the message) or the credentials are not valid.
   */
  awsPermission: 15,
  /**
   * AWS refused a change: a limit was reached, a name is taken, a document
   * is malformed, or the resource is busy.
   */
  awsRefused: 16,
  /** A policy file is not valid JSON or not an IAM policy document. */
  policyFile: 17,
  /** The plan was declined at the confirmation prompt; nothing changed. */
  cancelled: 18,
  /**
   * The saved sign-in (refresh token) has expired or was revoked: sign in
   * again with the password.
   */
  sessionExpired: 19,
  /**
   * Cognito needs user attributes (NEW_PASSWORD_REQUIRED with
   * `requiredAttributes`) that were neither given with `--attribute` nor
   * could be asked for on a terminal, or it refused the ones given.
   */
  attributesRequired: 30,
  /** Browser sign-in: the redirect's `state` was not the one sent. */
  browserStateMismatch: 60,
  /** Browser sign-in: the sign-in page redirected back with `error=`. */
  browserSignInRefused: 61,
  /** Browser sign-in: the token endpoint refused the code or refresh. */
  tokenExchangeRefused: 62,
  /** Browser sign-in: no redirect arrived in time. */
  browserSignInTimeout: 63,
  /** Browser sign-in: the callback port is in use. */
  callbackPortInUse: 64,
  /** Browser sign-in: the ID token received is not for this pool and client. */
  idTokenRejected: 65,
  /** No browser could be opened (only fatal where the address cannot be shown). */
  browserOpenFailed: 66,
  /**
   * `console`: the credentials cannot be used for a console sign-in
   * (long-term keys, expired), or AWS's federation endpoint refused them.
   */
  consoleSignIn: 55,

  /**
   * `login --format github`: not running on a GitHub Actions runner (its
   * `GITHUB_ENV`, `GITHUB_OUTPUT` or `RUNNER_TEMP` is missing).
   */
  ciRunner: 57,
  /**
   * `lambda deploy`: the zip to deploy is not one Lambda's custom runtime
   * can start (not a zip, or no executable `bootstrap` at its root).
   */
  invalidBundle: 40,
  /**
   * `logout`: the local credentials and saved sign-in were removed, but the
   * sign-in could not be revoked at Cognito (RevokeToken, or GlobalSignOut
   * with `--everywhere`); the message says why.
   */
  revocationFailed: 50,
  /**
   * `exec`: the command was found but could not be run (not executable,
   * permission denied), as a shell's 126.
   */
  commandNotExecutable: 126,
  /** `exec`: the command was not found, as a shell's 127. */
  commandNotFound: 127,
} as const;

/** One of the values of {@linkcode ExitCode}. */
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

/** Options every {@linkcode CliError} takes. */
export interface CliErrorOptions {
  /** The error this one wraps, kept for `--debug` output. */
  cause?: unknown;
}

/** Base class of every error the CLI turns into a message and exit code. */
export class CliError extends Error {
  /** The process exit code for this failure. */
  readonly exitCode: ExitCodeValue;

  /** Creates an error with a user-facing message and an exit code. */
  constructor(
    message: string,
    exitCode: ExitCodeValue,
    options?: CliErrorOptions,
  ) {
    super(message, options?.cause ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/**
 * Base class of the errors whose exit code is fixed by their type: a
 * subclass names it once, as its static `code`, and takes only a message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   CliError,
 *   ExitCode,
 *   type ExitCodeValue,
 *   FixedCodeError,
 * } from "./errors.ts";
 * class DiskFullError extends FixedCodeError {
 *   static override readonly code: ExitCodeValue = ExitCode.credentialsFile;
 * }
 * const error = new DiskFullError("The disk is full: free some space.");
 * assert.ok(error instanceof CliError);
 * assert.equal(error.exitCode, ExitCode.credentialsFile);
 * assert.equal(error.name, "DiskFullError");
 * ```
 */
export class FixedCodeError extends CliError {
  /** The exit code of every error of this type. */
  static readonly code: ExitCodeValue = ExitCode.unexpected;

  /** Creates an error with a user-facing message and its type's exit code. */
  constructor(message: string, options?: CliErrorOptions) {
    super(message, (new.target as typeof FixedCodeError).code, options);
  }
}

/** `logout` removed local state but could not revoke the sign-in. */
export class RevocationError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.revocationFailed;
}

/** Settings are missing or malformed. */
export class ConfigError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.config;
}

/** The credentials or config file could not be read, parsed or written. */
export class CredentialsFileError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.credentialsFile;
}

/** Cognito refused the sign-in; `exitCode` says why. */
export class SignInError extends CliError {}

/** A sign-in challenge could not be answered. */
export class ChallengeError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.challenge;
}

/**
 * Cognito asked for a challenge this tool cannot answer (one only the
 * hosted sign-in pages handle, or one it does not know): exit `challenge`.
 */
export class UnsupportedChallengeError extends ChallengeError {
  /** The challenge's name as Cognito gave it, e.g. `MFA_SETUP`. */
  readonly challenge: string;

  /** Creates the error for `challenge`; the message says what to do. */
  constructor(challenge: string, message: string, options?: CliErrorOptions) {
    super(message, options);
    this.challenge = challenge;
  }
}

/**
 * Cognito needs user attributes before the first sign-in that no source
 * gave, or refused the ones given: exit `attributesRequired`.
 */
export class AttributesRequiredError extends CliError {
  /** The attribute names still missing (without `userAttributes.`). */
  readonly missing: readonly string[];

  /** Creates the error; `missing` lists the attributes not given. */
  constructor(
    message: string,
    options?: CliErrorOptions & { missing?: readonly string[] },
  ) {
    super(message, ExitCode.attributesRequired, options);
    this.missing = options?.missing ?? [];
  }
}

/** A value (password, code) was needed and no source could give it. */
export class InputRequiredError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.inputRequired;
}

/** The Identity Pool exchange failed. */
export class IdentityPoolError extends CliError {}

/** A user pool, client, identity pool or function was not found. */
export class ResourceNotFoundError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.resourceNotFound;
}

/** AWS could not be reached. */
export class NetworkError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.network;
}

/** The credential proxy failed (only fatal with `--require-proxy`). */
export class ProxyError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.proxy;
}

/**
 * There is no saved sign-in for a profile, or its refresh token has expired
 * or was revoked, and no terminal to ask for the password: the user must run
 * `login` again (exit `sessionExpired`).
 */
export class SessionExpiredError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.sessionExpired;
}

/** `exec` could not start the command (exit 126 or 127, as a shell). */
export class CommandError extends CliError {}

/** AWS denied a request: a permission is missing or the credentials are bad. */
export class AwsPermissionError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.awsPermission;
}

/** AWS refused a change (limit, name taken, malformed document, busy). */
export class AwsRefusedError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.awsRefused;
}

/** A policy file cannot be read, is not JSON, or is not a policy document. */
export class PolicyFileError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.policyFile;
}

/** The zip given to `lambda deploy` is not one Lambda could start. */
export class BundleError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.invalidBundle;
}

/** The user declined the plan at the confirmation prompt. */
export class CancelledError extends FixedCodeError {
  /** The exit code of this failure. */
  static override readonly code: ExitCodeValue = ExitCode.cancelled;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/**
 * Tells whether an error thrown by the AWS SDK means the service could not be
 * reached at all (as opposed to an answer from the service).
 */
export function isNetworkFailure(error: unknown): boolean {
  return blockedPort(error) !== undefined ||
    causes(error).some((e) =>
      (typeof e.code === "string" && NETWORK_CODES.has(e.code)) ||
      e.name === "TimeoutError" ||
      (typeof e.message === "string" &&
        /connection refused|ECONNREFUSED|ENOTFOUND|getaddrinfo|tcp connect error|error sending request/i
          .test(e.message))
    );
}

/**
 * An error and the causes under it (`error.cause`, and so on), at most five:
 * the chain every check of what went wrong walks.
 */
export function causes(
  error: unknown,
): { code?: unknown; name?: unknown; message?: unknown }[] {
  const chain: { code?: unknown; name?: unknown; message?: unknown }[] = [];
  for (let current = error; current && chain.length < 5;) {
    const e = current as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    chain.push(e);
    current = e.cause;
  }
  return chain;
}

/**
 * The port of the endpoint when `fetch` refused to connect to it because
 * the Fetch standard blocks it (6000, 10080, ...: "Requests to port 6000 are
 * blocked"), else undefined.
 */
export function blockedPort(error: unknown): string | undefined {
  for (const e of causes(error)) {
    const match = typeof e.message === "string"
      ? /\bport (\d+) (?:is|are) blocked/i.exec(e.message)
      : null;
    if (match) return match[1];
  }
  return undefined;
}

/** Whether the connection failed because a TLS certificate is not trusted. */
export function isUntrustedCertificate(error: unknown): boolean {
  return causes(error).some((e) =>
    typeof e.message === "string" && /certificate/i.test(e.message)
  );
}

/**
 * The {@linkcode NetworkError} for a `service` in `region` that could not be
 * reached at all (while `doing`, when given). When the cause is a TLS
 * certificate the runtime does not trust (an inspecting proxy, or a local
 * endpoint with its own CA), it says how to trust the CA instead of
 * pointing at the network.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unreachable } from "./errors.ts";
 * const untrusted = new TypeError("error sending request", {
 *   cause: new Error("invalid peer certificate: UnknownIssuer"),
 * });
 * assert.match(unreachable("Cognito", "eu-west-1", untrusted).message, /DENO_CERT/);
 * assert.match(
 *   unreachable("Cognito", "eu-west-1", new Error("refused"), "signing in")
 *     .message,
 *   /^Could not reach Cognito in eu-west-1 while signing in\. Check the network/,
 * );
 * ```
 */
export function unreachable(
  service: string,
  region: string,
  error: unknown,
  doing?: string,
): NetworkError {
  return new NetworkError(
    `Could not reach ${service} in ${region}${
      doing ? ` while ${doing}` : ""
    }. ${unreachableHint(error)}`,
    { cause: error },
  );
}

/** The advice that follows "Could not reach ...", for `error`. */
export function unreachableHint(error: unknown): string {
  const port = blockedPort(error);
  if (port !== undefined) {
    return `Deno's fetch does not connect to port ${port} (the Fetch ` +
      "standard blocks it): give the endpoint another port " +
      "(AWS_ENDPOINT_URL, or the service's AWS_ENDPOINT_URL_*).";
  }
  return isUntrustedCertificate(error)
    ? "The server's TLS certificate is not trusted: give Deno its CA with " +
      "DENO_CERT=/path/ca.pem or NODE_EXTRA_CA_CERTS=/path/ca.pem (or " +
      "DENO_TLS_CA_STORE=system)."
    : "Check the network connection (and AWS_ENDPOINT_URL if you set one).";
}

/** Error names AWS gives throttling and failures of its own. */
const TRANSIENT_NAMES = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "InternalErrorException",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
]);

/**
 * Tells whether an error thrown by the AWS SDK is one its retries exist for:
 * throttling, or a 5xx answer. When such an error still reaches the caller,
 * the service stayed busy or failing through every attempt the SDK made
 * (`AWS_MAX_ATTEMPTS`, default 3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTransientFailure } from "./errors.ts";
 * assert.ok(isTransientFailure({ name: "TooManyRequestsException" }));
 * assert.ok(isTransientFailure({ name: "X", $metadata: { httpStatusCode: 503 } }));
 * assert.ok(!isTransientFailure({ name: "NotAuthorizedException" }));
 * ```
 */
export function isTransientFailure(error: unknown): boolean {
  const e = error as {
    name?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof e?.name === "string" && TRANSIENT_NAMES.has(e.name)) return true;
  const status = e?.$metadata?.httpStatusCode;
  return typeof status === "number" && status >= 500;
}

/**
 * An AWS error's name (`TooManyRequestsException`) when it is a plain
 * identifier, else "error": safe to put in a message.
 */
export function errorName(error: unknown): string {
  const name = (error as { name?: unknown })?.name;
  return typeof name === "string" && /^[\w.]{1,64}$/.test(name)
    ? name
    : "error";
}

/**
 * `text` with every occurrence of each secret (as written, or as it appears
 * inside a JSON string) replaced by `[redacted]`. For quoting an AWS error
 * message: services may echo the request's parameters in it (moto quotes a
 * wrong SECRET_HASH or an unknown refresh token as the whole message; AWS's
 * validation errors quote the value that failed). Values shorter than 4
 * characters are left alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactSecrets } from "./errors.ts";
 * assert.equal(
 *   redactSecrets("Value 'hunter22' at 'password'", ["hunter22", undefined]),
 *   "Value '[redacted]' at 'password'",
 * );
 * ```
 */
export function redactSecrets(
  text: string,
  secrets: Iterable<string | undefined>,
): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  let out = text;
  // Longest first, so a secret inside another does not leave a piece behind.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(form, "[redacted]");
  }
  return out;
}

/**
 * Tells whether an error is an AWS service's answer (an SDK service
 * exception with an HTTP status), whose message the service wrote and may
 * quote the request's parameters, as opposed to a failure on our side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isServiceAnswer } from "./errors.ts";
 * assert.ok(isServiceAnswer({ name: "X", $metadata: { httpStatusCode: 400 } }));
 * assert.ok(!isServiceAnswer(new TypeError("fetch failed")));
 * ```
 */
export function isServiceAnswer(error: unknown): boolean {
  const e = error as {
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  return typeof e?.$fault === "string" ||
    typeof e?.$metadata?.httpStatusCode === "number";
}
