/**
 * The loopback listener a browser sign-in's redirect comes back to: bound
 * to 127.0.0.1 only, it takes one `GET /callback`, answers every other
 * request with 404, and shows the browser a short page saying whether the
 * sign-in worked (never a token).
 *
 * @module
 */
import { CliError } from "../errors.ts";
import type { UserPoolTokens } from "../user_pool.ts";
import { CallbackPortInUseError } from "./browser_errors.ts";

/** A listener waiting for the one redirect. */
export interface CallbackListener {
  /** The tokens, once the one callback came and its code was exchanged. */
  result: Promise<UserPoolTokens>;
  /** Stops listening (waits for the page to be sent). */
  stop(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` for the one redirect to `/callback`; any other
 * path is 404. The browser's answer waits for `handle`'s outcome, so the
 * page says whether the whole sign-in worked.
 */
export function listenForCallback(
  port: number,
  handle: (params: URLSearchParams) => Promise<UserPoolTokens>,
): CallbackListener {
  let settle!: {
    resolve: (t: UserPoolTokens) => void;
    reject: (e: unknown) => void;
  };
  const result = new Promise<UserPoolTokens>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Keep an unobserved failure from being reported as unhandled.
  result.catch(() => {});
  let taken = false;
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: () => {},
      onError: () => new Response("Internal error", { status: 500 }),
    }, async (request) => {
      const url = new URL(request.url);
      if (url.pathname !== "/callback" || request.method !== "GET" || taken) {
        return page(404, "Not found", "There is nothing here.");
      }
      taken = true;
      try {
        const tokens = await handle(url.searchParams);
        settle.resolve(tokens);
        return page(
          200,
          "Signed in",
          "You are signed in. You can close this tab and go back to the " +
            "terminal.",
        );
      } catch (error) {
        settle.reject(error);
        return page(
          400,
          "Sign-in failed",
          error instanceof CliError
            ? error.message
            : "The sign-in failed; the terminal says why.",
        );
      }
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new CallbackPortInUseError(
        `The callback port ${port} (setting callback_port) is in use by ` +
          "another program. Stop it, or choose another port with " +
          "--callback-port or COGNITO_CALLBACK_PORT; the app client must " +
          "then allow the callback URL http://localhost:<port>/callback for " +
          "that port (aws-cognito-admin managed-login enable " +
          "--callback-port adds it).",
        { cause: error },
      );
    }
    throw error;
  }
  return {
    result,
    async stop() {
      // Graceful: the page being answered is still sent.
      await server.shutdown();
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(status: number, title: string, text: string): Response {
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${
    escapeHtml(title)
  }</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
</body></html>
`;
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
    },
  });
}
