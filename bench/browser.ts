/**
 * The browser sign-in figures of `deno task bench` (issue 13): the time
 * from the redirect reaching our loopback listener to the profile written,
 * and the requests `login --browser` sends, which must be the code exchange
 * plus today's exchange (GetId, GetCredentialsForIdentity) and nothing more.
 *
 * The stand-ins are the tests': moto for the Identity Pool (behind a
 * recording relay) and `oidc-provider-mock` for the Managed Login domain
 * (behind a relay that counts what our CLI sends it; the bench, playing the
 * browser with plain HTTP, talks to the provider directly so that only the
 * CLI's requests are counted). Each round is a first login in a fresh HOME
 * (no cached identity id), `--no-lambda-proxy` (the proxy adds one Invoke).
 *
 * {@linkcode benchBrowserSignIn} returns figures and request counts in the
 * shapes of `_report.ts`; run this file alone to print them.
 *
 * @module
 */
import { userPoolIssuer } from "../lib/browser_sign_in.ts";
import { AUTH_TS, DENO_DIR, makeTempHome } from "../tests/support/cli.ts";
import { createCognitoStack } from "../tests/support/fixtures.ts";
import { startMoto } from "../tests/support/moto.ts";
import {
  browse,
  mockProviderForm,
  startOidcProviderMock,
} from "../tests/support/openid_providers.ts";
import { startRelay } from "../tests/support/relay.ts";
import { baseEnv, freePort, waitFor } from "../tests/support/tools.ts";
import {
  type Figure,
  figure,
  figuresTable,
  type RequestCount,
  requestsTable,
} from "./_report.ts";
import { summarize } from "./_stats.ts";

const SECTION = "Browser sign-in";
const SUB = "bench-user";

/** What {@linkcode benchBrowserSignIn} measured. */
export interface BrowserBench {
  /** Redirect to page answered (code exchange), and to profile written. */
  figures: Figure[];
  /** The requests of one `login --browser`, counted at the servers. */
  requests: RequestCount[];
}

/** One timed `login --browser`. */
interface Round {
  /** Redirect sent to the listener until its page came back (ms). */
  toPage: number;
  /** Redirect sent until `login` had exited, the profile written (ms). */
  toProfile: number;
  /** `service:Action` or `managed-login:METHOD path` and how many. */
  counts: Record<string, number>;
}

/**
 * Runs `rounds` timed browser sign-ins after one warm-up and returns the
 * figures: median, min and max of each time, and the request counts
 * checked against the minimum.
 */
export async function benchBrowserSignIn(
  options: { rounds?: number } = {},
): Promise<BrowserBench> {
  const rounds = Math.max(options.rounds ?? 7, 1);
  await using moto = await startMoto();
  const aws = startRelay(moto.endpoint);
  try {
    const stack = await createCognitoStack(moto, { clientSecret: true });
    await using provider = await startOidcProviderMock({
      users: [{
        sub: SUB,
        iss: userPoolIssuer("us-east-1", stack.userPoolId),
        aud: stack.clientId,
        token_use: "id",
        "cognito:username": "bench",
      }],
    });
    // Counts what our CLI sends the Managed Login domain.
    const domainRequests: string[] = [];
    const domain = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (request) => {
        const url = new URL(request.url);
        domainRequests.push(`managed-login:${request.method} ${url.pathname}`);
        const headers = new Headers(request.headers);
        headers.delete("host");
        return await fetch(`${provider.origin}${url.pathname}${url.search}`, {
          method: request.method,
          headers,
          body: request.method === "GET" ? undefined : await request.text(),
          redirect: "manual",
        });
      },
    );
    const domainOrigin = `http://127.0.0.1:${domain.addr.port}`;
    try {
      const round = async (): Promise<Round> => {
        await using home = await makeTempHome();
        const script = `${home.dir}/browser.sh`;
        await Deno.writeTextFile(
          script,
          '#!/bin/sh\nprintf \'%s\\n\' "$1" > "$HOME/opened"\n',
        );
        await Deno.chmod(script, 0o755);
        const port = freePort();
        const awsStart = aws.exchanges.length;
        const domainStart = domainRequests.length;
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--quiet",
            AUTH_TS,
            "login",
            "--browser",
            "--profile",
            "bench",
            "--no-lambda-proxy",
          ],
          env: {
            ...baseEnv(),
            DENO_DIR,
            ...home.env,
            ...moto.env,
            ...stack.env,
            AWS_ENDPOINT_URL: aws.endpoint,
            COGNITO_CLIENT_SECRET: stack.clientSecret!,
            COGNITO_MANAGED_LOGIN_DOMAIN: domainOrigin,
            COGNITO_CALLBACK_PORT: String(port),
            BROWSER: script,
          },
          clearEnv: true,
          stdin: "null",
          stdout: "null",
          stderr: "piped",
        }).spawn();
        const stderr = new Response(child.stderr).text();
        let opened = "";
        await waitFor(
          async () => {
            opened = await Deno.readTextFile(`${home.dir}/opened`)
              .catch(() => "");
            return opened.includes("\n");
          },
          60_000,
          10,
        );
        // The browser's part, straight to the provider, up to the redirect.
        const address = opened.trim().replace(domainOrigin, provider.origin);
        const visit = await browse(address, mockProviderForm(SUB), {
          stopAtCallback: true,
        });
        const callback = new URL(visit.finalUrl);
        callback.hostname = "127.0.0.1";
        const start = performance.now();
        const exited = child.status.then(() => performance.now());
        const page = await fetch(callback);
        await page.body?.cancel();
        const toPage = performance.now() - start;
        const end = await exited;
        const status = await child.status;
        if (!status.success || page.status !== 200) {
          throw new Error(
            `login --browser failed (exit ${status.code}):\n${await stderr}`,
          );
        }
        const counts: Record<string, number> = {};
        const seen = [
          ...aws.exchanges.slice(awsStart).map((e) =>
            `${e.service}:${e.action}`
          ),
          ...domainRequests.slice(domainStart),
        ];
        for (const key of seen) counts[key] = (counts[key] ?? 0) + 1;
        return { toPage, toProfile: end - start, counts };
      };

      await round(); // warm-up
      const measured: Round[] = [];
      for (let i = 0; i < rounds; i++) measured.push(await round());
      return report(measured);
    } finally {
      await domain.shutdown();
    }
  } finally {
    await aws.stop();
  }
}

/** The minimum of one first `login --browser` with no proxy. */
const MINIMUM: Record<string, number> = {
  "managed-login:POST /oauth2/token": 1,
  "cognito-identity:GetId": 1,
  "cognito-identity:GetCredentialsForIdentity": 1,
};

function report(measured: Round[]): BrowserBench {
  const note = "first login --browser in a fresh HOME, --no-lambda-proxy; " +
    "oidc-provider-mock as the domain, moto as the Identity Pool";
  const figures = [
    figure({
      id: "browser.redirectToPage",
      section: SECTION,
      label: "redirect at the listener → its page answered (code exchange)",
      unit: "ms",
      value: summarize(measured.map((r) => r.toPage)),
      note,
    }),
    figure({
      id: "browser.redirectToProfile",
      section: SECTION,
      label: "redirect at the listener → profile written (login exited)",
      unit: "ms",
      value: summarize(measured.map((r) => r.toProfile)),
      note,
    }),
  ];
  const counts = measured[0].counts;
  const stable = measured.every((r) =>
    JSON.stringify(Object.entries(r.counts).sort()) ===
      JSON.stringify(Object.entries(counts).sort())
  );
  const extra: Record<string, number> = {};
  const missing: Record<string, number> = {};
  for (
    const key of new Set([...Object.keys(counts), ...Object.keys(MINIMUM)])
  ) {
    const difference = (counts[key] ?? 0) - (MINIMUM[key] ?? 0);
    if (difference > 0) extra[key] = difference;
    if (difference < 0) missing[key] = -difference;
  }
  return {
    figures,
    requests: [{
      scenario: "first login --browser, no proxy",
      counts,
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      minimum: Object.values(MINIMUM).reduce((a, b) => a + b, 0),
      extra,
      missing,
      stable,
      rounds: measured.length,
    }],
  };
}

if (import.meta.main) {
  const runs = Number(
    Deno.args.find((a) => a.startsWith("--runs="))?.slice(7) ?? 7,
  );
  const result = await benchBrowserSignIn({ rounds: runs });
  console.log(figuresTable(result.figures));
  console.log(requestsTable(result.requests));
}
