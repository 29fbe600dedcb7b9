/**
 * Section 3 of the benchmark: `login` end to end against moto, first and
 * repeat, with and without the proxy, interleaved; the requests each login
 * sends, counted at the servers through recording relays; and (section 4)
 * the peak RSS of the same logins.
 *
 * @module
 */
import { makeTempHome, type TempHome } from "../tests/support/cli.ts";
import type { ProxyStack } from "../tests/support/proxy_stack.ts";
import { forwardAll, type Relay, startRelay } from "../tests/support/relay.ts";
import {
  type Bench,
  benchLogin,
  DENO,
  mb,
  ROOT,
  SECTIONS,
  timeFigures,
} from "./_context.ts";
import { expectSuccess, runTimed, type TimedRun } from "./_proc.ts";
import { figure, type RequestCount } from "./_report.ts";
import { interleave, ratios } from "./_stats.ts";

/** Runs one `login` of the bench user into `home`; throws when it fails. */
export type LoginRun = (
  home: TempHome,
  proxy: boolean,
  repeat: boolean,
  env?: Record<string, string>,
  rss?: boolean,
) => Promise<TimedRun>;

/** What the logins section leaves for the sections after it. */
export interface Logins extends LoginRunner {
  /** Peak RSS (KB) of the timed first logins, without and with the proxy. */
  rss: { firstNoProxy: number[]; firstProxy: number[] };
  /** The recording relays in front of moto and of the emulator. */
  recorders: Relay[];
  /** Environment that sends every SDK request through the recorders. */
  viaRecorders: Record<string, string>;
}

/** Runs logins of the bench user, into HOMEs removed at the end. */
export interface LoginRunner {
  /** Runs one login. */
  login: LoginRun;
  /** A new temporary HOME, removed when the benchmark ends. */
  newHome(): Promise<TempHome>;
}

/**
 * Logins of the stack's user, `--force` on a repeat when `login` has it,
 * with the password from the environment; a proxy login must say it
 * upgraded through the proxy.
 */
export function loginRunner(
  bench: Bench,
  ps: ProxyStack,
  hasForce: boolean,
): LoginRunner {
  const { stack } = ps;
  const loginArgs = (proxy: boolean, repeat: boolean) =>
    benchLogin(
      stack.username,
      ...(proxy ? [] : ["--no-lambda-proxy"]),
      ...(repeat && hasForce ? ["--force"] : []),
    );
  const homes: TempHome[] = [];
  bench.cleanup.add(async () => {
    for (const home of homes) await home.cleanup().catch(() => {});
  });
  return {
    async newHome() {
      const home = await makeTempHome();
      homes.push(home);
      return home;
    },
    async login(home, proxy, repeat, env = {}, rss = false) {
      const r = expectSuccess(
        `login (${proxy ? "proxy" : "no proxy"})`,
        await runTimed(DENO, loginArgs(proxy, repeat), {
          env: { ...bench.denoEnv, ...ps.loginEnv(home), ...env },
          cwd: ROOT,
          rss,
        }),
      );
      if (proxy && !/Upgraded to proxy credentials/.test(r.stderr)) {
        throw new Error(
          `login did not upgrade through the proxy:\n${r.stderr}`,
        );
      }
      return r;
    },
  };
}

/**
 * Section 3: first and repeat logins, with and without the proxy,
 * interleaved (with peak RSS when GNU time is there), then two rounds of
 * each counted through recording relays.
 */
export async function measureLogins(
  bench: Bench,
  ps: ProxyStack,
  runner: LoginRunner,
  hasForce: boolean,
): Promise<Logins> {
  const { runs, cleanup, results } = bench;
  const { login, newHome } = runner;
  const repeatHomes = { noProxy: await newHome(), proxy: await newHome() };
  await login(repeatHomes.noProxy, false, false);
  await login(repeatHomes.proxy, true, false);
  const loginRss: Record<string, number[]> = {
    firstNoProxy: [],
    firstProxy: [],
    repeatNoProxy: [],
    repeatProxy: [],
  };
  const first = (proxy: boolean, key: string) => async () => {
    const home = await makeTempHome();
    try {
      const r = await login(home, proxy, false, {}, bench.gnuTime);
      if (r.maxRssKb) loginRss[key].push(r.maxRssKb);
      return r.ms;
    } finally {
      await home.cleanup();
    }
  };
  const again = (proxy: boolean, key: string) => async () => {
    const r = await login(
      proxy ? repeatHomes.proxy : repeatHomes.noProxy,
      proxy,
      true,
      {},
      bench.gnuTime,
    );
    if (r.maxRssKb) loginRss[key].push(r.maxRssKb);
    return r.ms;
  };
  const logins = await interleave({
    firstNoProxy: first(false, "firstNoProxy"),
    firstProxy: first(true, "firstProxy"),
    repeatNoProxy: again(false, "repeatNoProxy"),
    repeatProxy: again(true, "repeatProxy"),
  }, { runs });
  for (const key of Object.keys(loginRss)) {
    loginRss[key] = loginRss[key].slice(-runs); // drop the warm-up
  }
  const repeatWord = hasForce ? "repeat login (`--force`)" : "repeat login";
  results.figures.push(...timeFigures(SECTIONS.login, logins, [
    {
      key: "firstNoProxy",
      id: "login.firstNoProxy",
      label: "first login, `--no-lambda-proxy`",
      note: "fresh HOME: no cached identity id",
    },
    {
      key: "repeatNoProxy",
      id: "login.repeatNoProxy",
      label: `${repeatWord}, \`--no-lambda-proxy\``,
      note: "cached identity id",
    },
    {
      key: "firstProxy",
      id: "login.firstProxy",
      label: "first login, with the proxy (warm Lambda)",
    },
    {
      key: "repeatProxy",
      id: "login.repeatProxy",
      label: `${repeatWord}, with the proxy (warm Lambda)`,
    },
  ]));
  results.figures.push(
    figure({
      id: "login.proxyOverNoProxy",
      section: SECTIONS.login,
      label: "first login: with the proxy / without",
      unit: "x",
      value: ratios(logins.firstProxy, logins.firstNoProxy),
    }),
  );

  // Requests per login, counted at the servers through recording relays.
  const recMoto = startRelay(ps.moto.endpoint, forwardAll, {
    caCerts: [ps.tls.caPem],
  });
  cleanup.add(() => recMoto.stop());
  const recLambda = startRelay(ps.rie.endpoint, forwardAll);
  cleanup.add(() => recLambda.stop());
  const viaRecorders = {
    AWS_ENDPOINT_URL: recMoto.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: recLambda.endpoint,
  };
  results.requests.push(
    ...await countRequests(
      { moto: recMoto, lambda: recLambda },
      async (proxy) => {
        const home = await newHome();
        return {
          first: () => login(home, proxy, false, viaRecorders),
          repeat: () => login(home, proxy, true, viaRecorders),
        };
      },
    ),
  );
  return {
    login,
    newHome,
    rss: {
      firstNoProxy: loginRss.firstNoProxy,
      firstProxy: loginRss.firstProxy,
    },
    recorders: [recMoto, recLambda],
    viaRecorders,
  };
}

/** Section 4's login rows: peak RSS of the first logins of section 3. */
export function pushLoginMemory(bench: Bench, logins: Logins): void {
  if (!bench.gnuTime) return;
  bench.results.figures.push(
    figure({
      id: "memory.loginNoProxy",
      section: SECTIONS.memory,
      label: "first login, `--no-lambda-proxy`",
      unit: "MB",
      value: mb(logins.rss.firstNoProxy),
      note: "same runs as section 3",
    }),
    figure({
      id: "memory.loginProxy",
      section: SECTIONS.memory,
      label: "first login, with the proxy",
      unit: "MB",
      value: mb(logins.rss.firstProxy),
      note: "same runs as section 3",
    }),
  );
}

/**
 * The requests since `before` in the relays' records, as `service:Action`
 * counts, InitiateAuth with its AuthFlow.
 */
export function countsSince(
  relays: Relay[],
  before: number[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [i, relay] of relays.entries()) {
    for (const r of relay.exchanges.slice(before[i])) {
      let key = `${r.service}:${r.action}`;
      if (r.action === "InitiateAuth") {
        const flow = (() => {
          try {
            return JSON.parse(r.requestBody).AuthFlow;
          } catch {
            return undefined;
          }
        })();
        if (flow) key += ` (${flow})`;
      }
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * Compares the counts of every round of one scenario with the requests the
 * protocol requires (`service:Action` and how many).
 */
export function requestCount(
  scenario: string,
  rounds: Record<string, number>[],
  required: Record<string, number>,
): RequestCount {
  const counts = rounds[0];
  const plain: Record<string, number> = {};
  for (const [key, n] of Object.entries(counts)) {
    const base = key.replace(/ \(.*\)$/, "");
    plain[base] = (plain[base] ?? 0) + n;
  }
  const extra: Record<string, number> = {};
  const missing: Record<string, number> = {};
  for (
    const key of new Set([...Object.keys(plain), ...Object.keys(required)])
  ) {
    const diff = (plain[key] ?? 0) - (required[key] ?? 0);
    if (diff > 0) extra[key] = diff;
    if (diff < 0) missing[key] = -diff;
  }
  const minimum = Object.values(required).reduce((a, b) => a + b, 0);
  return {
    scenario,
    counts,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    minimum,
    extra,
    missing,
    stable: rounds.every((r) => JSON.stringify(r) === JSON.stringify(counts)),
    rounds: rounds.length,
  };
}

/** The requests of a first and a repeat login, with and without the proxy. */
async function countRequests(
  recorders: { moto: Relay; lambda: Relay },
  prepare: (proxy: boolean) => Promise<{
    first: () => Promise<unknown>;
    repeat: () => Promise<unknown>;
  }>,
): Promise<RequestCount[]> {
  const ROUNDS = 2;
  const relays = [recorders.moto, recorders.lambda];
  const seen: Record<string, Record<string, number>[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const proxy of [false, true]) {
      const steps = await prepare(proxy);
      for (const which of ["first", "repeat"] as const) {
        const before = relays.map((r) => r.exchanges.length);
        await steps[which]();
        const scenario = `${which} login, ${
          proxy ? "with the proxy" : "`--no-lambda-proxy`"
        }`;
        (seen[scenario] ??= []).push(countsSince(relays, before));
      }
    }
  }
  return Object.entries(seen).map(([scenario, rounds]) => {
    const proxy = scenario.includes("with the proxy");
    return requestCount(scenario, rounds, {
      "cognito-idp:InitiateAuth": 1,
      ...(scenario.startsWith("first") ? { "cognito-identity:GetId": 1 } : {}),
      "cognito-identity:GetCredentialsForIdentity": 1,
      ...(proxy ? { "lambda:Invoke": 1 } : {}),
    });
  });
}
