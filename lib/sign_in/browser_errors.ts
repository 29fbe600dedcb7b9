/**
 * The errors of browser sign-in, one per failure a user can act on, each
 * with its exit code (60-65, documented in the README).
 *
 * @module
 */
import { CliError, type CliErrorOptions, ExitCode } from "../errors.ts";

/** The redirect's `state` was not the one this run sent (exit 60). */
export class StateMismatchError extends CliError {
  /** Creates a state-mismatch error. */
  constructor(message: string, options?: CliErrorOptions) {
    super(message, ExitCode.browserStateMismatch, options);
  }
}

/** The sign-in page redirected back with `error=` (exit 61). */
export class BrowserSignInRefusedError extends CliError {
  /** The OAuth error code (`access_denied`, ...). */
  readonly error: string;
  /** Creates a refused-sign-in error. */
  constructor(message: string, error: string) {
    super(message, ExitCode.browserSignInRefused);
    this.error = error;
  }
}

/** The token endpoint refused the code or the refresh token (exit 62). */
export class TokenExchangeRefusedError extends CliError {
  /** The OAuth error code (`invalid_grant`, ...), when the server gave one. */
  readonly error?: string;
  /** Creates a refused-exchange error. */
  constructor(message: string, error?: string) {
    super(message, ExitCode.tokenExchangeRefused);
    this.error = error;
  }
}

/** No redirect arrived before the timeout (exit 63). */
export class BrowserSignInTimeoutError extends CliError {
  /** Creates a timeout error. */
  constructor(message: string) {
    super(message, ExitCode.browserSignInTimeout);
  }
}

/** The callback port is taken by another program (exit 64). */
export class CallbackPortInUseError extends CliError {
  /** Creates a port-in-use error. */
  constructor(message: string, options?: CliErrorOptions) {
    super(message, ExitCode.callbackPortInUse, options);
  }
}

/** The ID token is not one this pool issued to this client, now (exit 65). */
export class IdTokenRejectedError extends CliError {
  /** Creates an ID-token error. */
  constructor(message: string) {
    super(message, ExitCode.idTokenRejected);
  }
}
