/**
 * The sign-in model: one record of who signs in where and how
 * ({@linkcode SignInRecord}), and interchangeable sign-in methods that turn
 * it into User Pool tokens ({@linkcode SignInMethod}). `login`, the refresh
 * of a saved session and the fallback sign-in all go through
 * {@linkcode signInMethod}; every method ends in the same
 * {@linkcode UserPoolTokens}, which the Identity Pool exchange takes.
 *
 * A method says which inputs it needs from a person
 * ({@linkcode SignInMethod.needs}); the CLI asks only for those. Adding a
 * method is one module under `lib/sign_in/` plus its line in
 * {@linkcode SIGN_IN_METHODS}.
 *
 * @module
 */
import type { Settings } from "./config.ts";
import type { MfaKind, UserPoolTokens } from "./user_pool.ts";
import { ConfigError } from "./errors.ts";
import { browserMethod } from "./sign_in/browser.ts";
import { passwordMethod } from "./sign_in/password.ts";
import { refreshMethod } from "./sign_in/refresh.ts";
import { srpMethod } from "./sign_in/srp.ts";

export type { UserPoolTokens };

/**
 * How the ID token becomes AWS credentials: `"enhanced"` (GetId and
 * GetCredentialsForIdentity, optionally upgraded by the proxy) or
 * `"classic"` (GetId, GetOpenIdToken, then sts:AssumeRoleWithWebIdentity).
 */
export type CredentialFlow = "enhanced" | "classic";

/**
 * Who signs in where, and how: the one record `login` takes, the saved
 * session embeds, and a refresh signs in again with. Holds no secret: the
 * app client's secret and the password are inputs, never part of it.
 */
export interface SignInRecord {
  /**
   * The user name as typed (for messages, the identity id cache and role
   * session names). Unknown before a sign-in that asks for none (then the
   * ID token's `cognito:username` is used).
   */
  username?: string;
  /** User Pool id. */
  userPoolId: string;
  /** App client id. */
  clientId: string;
  /** Identity Pool id. */
  identityPoolId: string;
  /** Region written into the profile, and the proxy's region. */
  region: string;
  /** The sign-in method's name (a key of {@linkcode SIGN_IN_METHODS}). */
  authFlow: string;
  /**
   * Whether the app client has a secret (the secret itself comes from
   * `COGNITO_CLIENT_SECRET` or the config file each time).
   */
  clientSecret: boolean;
  /** Enhanced or classic flow. */
  flow: CredentialFlow;
  /** The role of the classic flow. */
  classicRoleArn?: string;
  /** Hours asked for (proxy and classic flow), 1 to 12. */
  durationHours: number;
  /** The credential proxy to upgrade through (enhanced flow), if any. */
  proxy?: { functionName: string };
  /**
   * The Managed Login domain (an origin) a browser sign-in went through; its
   * refresh goes to the same domain's token endpoint.
   */
  managedLoginDomain?: string;
}

/** Receives progress lines; the CLI prints them to stderr. */
export interface Reporter {
  /** A step is starting or has finished. */
  step(message: string): void;
  /** Something went wrong but the flow goes on. */
  warn(message: string): void;
}

/** A reporter that drops everything (the default). */
export const silentReporter: Reporter = { step() {}, warn() {} };

/** An input a sign-in method may need a person to give. */
export type PersonInput = "username" | "password";

/**
 * Where the answers a sign-in may need come from (a prompt, stdin, the
 * environment). Each is called only when it is needed.
 */
export interface SignInInputs {
  /** The password. */
  password?: () => Promise<string>;
  /** A new password, when Cognito demands one (NEW_PASSWORD_REQUIRED). */
  newPassword?: () => Promise<string>;
  /** An MFA code (TOTP, SMS or e-mail). */
  mfaCode?: (kind: MfaKind) => Promise<string>;
  /**
   * Values of the user attributes Cognito requires with a new password
   * (NEW_PASSWORD_REQUIRED's `requiredAttributes`, e.g. `name`), by name:
   * those given ahead (`login --attribute`), the rest asked on a terminal.
   */
  userAttributes?: (names: string[]) => Promise<Record<string, string>>;
  /** How a browser sign-in runs (`login --browser`); defaults when absent. */
  browser?: BrowserInputs;
}

/** How a browser sign-in runs: what `login --browser` takes from its flags. */
export interface BrowserInputs {
  /**
   * `--no-browser`: open no browser and listen on no port; show the address
   * and read the address the browser was sent to from
   * {@linkcode BrowserInputs.readRedirect}.
   */
  noBrowser?: boolean;
  /** `--identity-provider`: skip Cognito's chooser and go to this provider. */
  identityProvider?: string;
  /** `--timeout`: how long to wait for the sign-in (default 5 minutes). */
  timeoutMs?: number;
  /** Opens an address in a browser (default `lib/open_url.ts`). */
  openUrl?: (url: string) => Promise<void>;
  /**
   * Reads the address the browser was sent to, pasted by a person (a prompt
   * on a terminal, else one line of stdin); `undefined` or `null` at the end
   * of input.
   */
  readRedirect?: () => Promise<string | null | undefined>;
}

/** Everything a sign-in method gets. */
export interface SignInContext {
  /** Who signs in where. */
  record: SignInRecord;
  /** The app client's secret, when it has one. Never logged. */
  clientSecret?: string;
  /** Answers from a person, as far as the caller can give them. */
  inputs: SignInInputs;
  /**
   * Gives every setting in effect (flags, environment, config file), for
   * methods that need more than the record (a domain, a port).
   */
  settings: () => Promise<Settings>;
  /** A saved sign-in to continue (the refresh method). */
  saved?: { refreshToken: string; cognitoUsername: string };
  /** Environment. */
  env: Record<string, string | undefined>;
  /** Clock. */
  now: () => Date;
  /** Progress output. */
  reporter: Reporter;
  /** Cancels a sign-in that waits (a browser, a prompt). */
  signal?: AbortSignal;
}

/** One way to sign in to the User Pool. */
export interface SignInMethod {
  /** Its name: `--auth-flow`'s value and `authFlow` in the saved session. */
  name: string;
  /** What it needs a person to give; the CLI asks only for these. */
  needs: readonly PersonInput[];
  /** How messages say it signs in, e.g. `with the password`. */
  how: string;
  /** Signs in and returns the User Pool's tokens. */
  signIn(context: SignInContext): Promise<UserPoolTokens>;
  /**
   * How a saved sign-in of this method is continued with its refresh token,
   * asking nobody (default: the `refresh` method, REFRESH_TOKEN_AUTH); see
   * {@linkcode refreshMethodFor}.
   */
  refresh?: SignInMethod;
  /** The `login` option that picks this method, for hints (`--browser`). */
  loginOption?: string;
}

/** Every sign-in method, by name: the one place a method is registered. */
export const SIGN_IN_METHODS: Readonly<Record<string, SignInMethod>> = {
  [passwordMethod.name]: passwordMethod,
  [srpMethod.name]: srpMethod,
  [refreshMethod.name]: refreshMethod,
  [browserMethod.name]: browserMethod,
};

/**
 * The sign-in method called `name`. Throws {@linkcode ConfigError} for a
 * name no method has.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signInMethod } from "./sign_in.ts";
 * assert.deepEqual(signInMethod("srp").needs, ["username", "password"]);
 * assert.deepEqual(signInMethod("refresh").needs, []);
 * assert.throws(() => signInMethod("carrier-pigeon"), /sign-in method/);
 * ```
 */
export function signInMethod(name: string): SignInMethod {
  const method = Object.hasOwn(SIGN_IN_METHODS, name)
    ? SIGN_IN_METHODS[name]
    : undefined;
  if (!method) {
    throw new ConfigError(
      `There is no sign-in method ${JSON.stringify(name.slice(0, 40))}: ` +
        `use one of ${Object.keys(SIGN_IN_METHODS).join(", ")}.`,
    );
  }
  return method;
}

/**
 * The method that continues a saved sign-in made with the method `name`
 * with its refresh token, asking nobody: the method's own
 * {@linkcode SignInMethod.refresh} (a browser sign-in refreshes at the
 * Managed Login domain's token endpoint), else the `refresh` method
 * (REFRESH_TOKEN_AUTH). An unknown name gets the `refresh` method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refreshMethodFor } from "./sign_in.ts";
 * assert.equal(refreshMethodFor("password").name, "refresh");
 * assert.equal(refreshMethodFor("browser").name, "browser-refresh");
 * assert.equal(refreshMethodFor("carrier-pigeon").name, "refresh");
 * ```
 */
export function refreshMethodFor(name: string): SignInMethod {
  const method = Object.hasOwn(SIGN_IN_METHODS, name)
    ? SIGN_IN_METHODS[name]
    : undefined;
  return method?.refresh ?? refreshMethod;
}
