/**
 * A loopback HTTP server standing in for AWS's console federation endpoint
 * (`https://signin.aws.amazon.com/federation`), which cannot be reached from
 * the tests. `COGNITO_FEDERATION_ENDPOINT` points the tool at it.
 *
 * - `?Action=getSigninToken&Session=...` checks that the Session is exactly
 *   `{"sessionId","sessionKey","sessionToken"}` of the credentials the test
 *   expects (no other key, no other value) and answers
 *   `{"SigninToken": "<random>"}`, else 400 as AWS does.
 * - `?Action=login&...&SigninToken=...` with a token it issued serves a
 *   small page standing in for the console, and records the visit
 *   (Destination, Issuer, User-Agent); an unknown token is 400.
 *
 * @module
 */
import type { TemporaryCredentials } from "../../lib/credentials.ts";

/** One `getSigninToken` request. */
export interface TokenRequest {
  /** `SessionDuration` as sent, or null. */
  sessionDuration: string | null;
  /** Whether the Session was exactly the expected credentials. */
  accepted: boolean;
}

/** One visit of the sign-in link. */
export interface LoginVisit {
  destination: string | null;
  issuer: string | null;
  userAgent: string;
  /** Whether the SigninToken was one this server issued. */
  accepted: boolean;
}

/** A running stand-in. */
export interface FederationStandIn extends AsyncDisposable {
  /** The endpoint, `http://127.0.0.1:<port>/federation`. */
  endpoint: string;
  /** Sets the credentials a Session must hold exactly. */
  expect(
    credentials: () => Promise<TemporaryCredentials> | TemporaryCredentials,
  ): void;
  /** Every getSigninToken request. */
  tokenRequests: TokenRequest[];
  /** Every visit of a sign-in link. */
  visits: LoginVisit[];
  /** The sign-in tokens issued, to look for in output. */
  issuedTokens: string[];
  /** Waits until a visit arrives (or `timeoutMs` passes). */
  waitForVisit(timeoutMs: number): Promise<LoginVisit | undefined>;
}

/** The title of the page the sign-in link leads to. */
export const CONSOLE_PAGE_TITLE = "Console stand-in: signed in";

/** Starts the stand-in for AWS's federation endpoint on a free port. */
export function startFederationStandIn(): FederationStandIn {
  let expected: () => Promise<TemporaryCredentials> | TemporaryCredentials =
    () => {
      throw new Error("no credentials expected yet");
    };
  const tokenRequests: TokenRequest[] = [];
  const visits: LoginVisit[] = [];
  const issuedTokens: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const url = new URL(request.url);
      if (url.pathname !== "/federation") {
        return new Response("not found", { status: 404 });
      }
      const params = url.searchParams;
      if (params.get("Action") === "getSigninToken") {
        const want = await expected();
        let accepted = false;
        try {
          const session = JSON.parse(params.get("Session") ?? "");
          accepted = JSON.stringify(Object.keys(session).sort()) ===
              JSON.stringify(["sessionId", "sessionKey", "sessionToken"]) &&
            session.sessionId === want.accessKeyId &&
            session.sessionKey === want.secretAccessKey &&
            session.sessionToken === want.sessionToken;
        } catch {
          accepted = false;
        }
        tokenRequests.push({
          sessionDuration: params.get("SessionDuration"),
          accepted,
        });
        if (!accepted) {
          return new Response("Invalid session", { status: 400 });
        }
        const token = `stand-in-token-${crypto.randomUUID()}`;
        issuedTokens.push(token);
        return Response.json({ SigninToken: token });
      }
      if (params.get("Action") === "login") {
        const accepted = issuedTokens.includes(params.get("SigninToken") ?? "");
        visits.push({
          destination: params.get("Destination"),
          issuer: params.get("Issuer"),
          userAgent: request.headers.get("user-agent") ?? "",
          accepted,
        });
        if (!accepted) return new Response("Bad token", { status: 400 });
        return new Response(
          `<!doctype html><title>${CONSOLE_PAGE_TITLE}</title>` +
            `<h1>${CONSOLE_PAGE_TITLE}</h1>`,
          { headers: { "content-type": "text/html; charset=utf-8" } },
        );
      }
      return new Response("unknown action", { status: 400 });
    },
  );
  const { port } = server.addr as Deno.NetAddr;
  return {
    endpoint: `http://127.0.0.1:${port}/federation`,
    expect(credentials) {
      expected = credentials;
    },
    tokenRequests,
    visits,
    issuedTokens,
    async waitForVisit(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (visits.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return visits[0];
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/**
 * Writes a `$BROWSER` wrapper that runs Debian's headless Chromium on the
 * link (as root it needs --no-sandbox, and a fresh profile folder), loads
 * the page and exits. Returns the script's path inside `dir`.
 */
export async function writeHeadlessChromium(dir: string): Promise<string> {
  const script = `${dir}/headless-chromium`;
  await Deno.writeTextFile(
    script,
    `#!/bin/sh
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-quic \\
  --no-first-run --disable-background-networking \\
  --disable-component-update --disable-sync --user-data-dir="$profile" \\
  --dump-dom "$1" >/dev/null 2>&1
status=$?
rm -rf "$profile"
exit $status
`,
  );
  await Deno.chmod(script, 0o755);
  return script;
}
