/**
 * Section 6 of the benchmark (issue 17): sign-in latency as a ratio of the
 * protocol floor, `bench/floor.ts` (the same unsigned Cognito calls with
 * `fetch` and no dependency), measured run for run in one interleaved group:
 *
 * - a first `login --no-lambda-proxy` against the floor's three requests;
 * - the same login on a pseudo-terminal, from the Enter that ends the
 *   password to the line saying the profile was written;
 * - a refresh (`credential-process` past its refresh window:
 *   REFRESH_TOKEN_AUTH and GetCredentialsForIdentity) against the floor's
 *   two requests;
 *
 * each against a moto of its own over plain HTTP (as issue 17 measured:
 * the stack's moto serves TLS and, like any werkzeug server, closes every
 * connection, so each request there pays a TLS handshake) and through a
 * relay in front of that moto that holds every request 50 ms, as a
 * real-world round trip would; plus, as diagnostics, the floor and a first
 * login straight to the stack's moto over TLS, and the same three calls
 * through the two SDK clients in a bare script. Every case through the
 * relay has its requests counted: ours must be exactly the floor's.
 *
 * @module
 */
import { makeTempHome, type TempHome } from "../tests/support/cli.ts";
import {
  type CognitoStack,
  createCognitoStack,
} from "../tests/support/fixtures.ts";
import { REGION, startMoto } from "../tests/support/moto.ts";
import type { ProxyStack } from "../tests/support/proxy_stack.ts";
import { forwardAll, type Relay, startRelay } from "../tests/support/relay.ts";
import {
  AUTH_TS,
  type Bench,
  benchLogin,
  DENO,
  PROFILE,
  ROOT,
  timeFigures,
  type TimeSpec,
  withProjectConfig,
} from "./_context.ts";
import { countsSince, requestCount } from "./_login.ts";
import { expectSuccess, runTimed, type TimedRun } from "./_proc.ts";
import { figure, type Target } from "./_report.ts";
import { interleave, ratios } from "./_stats.ts";
import { scriptAvailable, timeFromEnter } from "./_terminal.ts";
import { type FloorTarget, getId, initiateAuth } from "./floor.ts";

/** The section's title. */
export const LATENCY_SECTION =
  "6. Sign-in against the protocol floor (issue 17)";

/** What the relay adds to every request, in milliseconds. */
export const RELAY_DELAY_MS = 50;

const FLOOR_TS = `${ROOT}bench/floor.ts`;

/** The ratio targets of issue 17, by figure id. */
export const LATENCY_TARGETS: Record<string, Target> = {
  "latency.firstLogin.vsFloor": { text: "<= 4x", op: "<=", value: 4 },
  "latency.terminal.vsFloor": { text: "<= 2x", op: "<=", value: 2 },
  "latency.refresh.vsFloor": { text: "<= 4x", op: "<=", value: 4 },
  "latency.firstLoginRelay.vsFloor": { text: "<= 1.5x", op: "<=", value: 1.5 },
  "latency.refreshRelay.vsFloor": { text: "<= 1.5x", op: "<=", value: 1.5 },
};

/** Where a case sends its requests, and as whom. */
interface Place {
  /** moto, or the relay in front of it. */
  endpoint: string;
  /** The pools and the user there. */
  stack: CognitoStack;
}

/** The requests each scenario must make, and nothing more. */
const FIRST = {
  "cognito-idp:InitiateAuth": 1,
  "cognito-identity:GetId": 1,
  "cognito-identity:GetCredentialsForIdentity": 1,
};
const REFRESH = {
  "cognito-idp:InitiateAuth": 1,
  "cognito-identity:GetCredentialsForIdentity": 1,
};

/**
 * Section 6: starts a moto over plain HTTP with a Cognito stack and the
 * 50 ms relay in front of it, prepares the saved sessions the refreshes
 * use, then runs every case once per round, interleaved.
 */
export async function measureLatency(
  bench: Bench,
  ps: ProxyStack,
): Promise<void> {
  const { results } = bench;
  const moto = await startMoto();
  bench.cleanup.add(() => moto.stop());
  const stack = await createCognitoStack(moto);
  const relay: Relay = startRelay(moto.endpoint, forwardAll, {
    delayMs: RELAY_DELAY_MS,
  });
  bench.cleanup.add(() => relay.stop());
  const local: Place = { endpoint: moto.endpoint, stack };
  const wan: Place = { endpoint: relay.endpoint, stack };
  const tls: Place = { endpoint: ps.moto.endpoint, stack: ps.stack };

  // What the floor and ours both get: the place, the user and its password,
  // and the test CA (the floor with --cert, ours with NODE_EXTRA_CA_CERTS),
  // whether the place uses TLS or not, so that both do the same work.
  const userEnv = (place: Place, home?: TempHome) => ({
    ...bench.denoEnv,
    ...home?.env,
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL: place.endpoint,
    NODE_EXTRA_CA_CERTS: ps.tls.caFile,
    ...place.stack.env,
    COGNITO_USERNAME: place.stack.username,
    COGNITO_PASSWORD: place.stack.password,
  });
  const target: FloorTarget = {
    endpoint: moto.endpoint,
    region: REGION,
    userPoolId: stack.userPoolId,
    clientId: stack.clientId,
    identityPoolId: stack.identityPoolId,
  };
  const signedIn = await initiateAuth(target, {
    username: stack.username,
    password: stack.password,
  });
  const refreshEnv = {
    COGNITO_REFRESH_TOKEN: signedIn.refreshToken!,
    COGNITO_IDENTITY_ID: await getId(target, signedIn.idToken),
  };
  const floor = (mode: "first" | "refresh", place: Place) => async () =>
    expectSuccess(
      `floor.ts ${mode}`,
      await runTimed(DENO, [
        "run",
        "--no-config",
        "--no-lock",
        "--allow-net",
        "--allow-env",
        "--quiet",
        "--cert",
        ps.tls.caFile,
        FLOOR_TS,
        mode,
      ], {
        env: { ...userEnv(place), ...(mode === "refresh" ? refreshEnv : {}) },
        cwd: bench.tmp,
      }),
    ).ms;

  // Our first login, in a fresh HOME each time (no cached identity id).
  const loginCommand = (place: Place) =>
    benchLogin(place.stack.username, "--no-lambda-proxy");
  const signIn = async (place: Place, home: TempHome) =>
    expectSuccess(
      "login",
      await runTimed(DENO, loginCommand(place), {
        env: userEnv(place, home),
        cwd: ROOT,
      }),
    );
  const login = (place: Place) => async () => {
    const home = await makeTempHome();
    try {
      return (await signIn(place, home)).ms;
    } finally {
      await home.cleanup();
    }
  };

  // The same on a terminal: the password typed at the prompt.
  const terminal = (place: Place) => async () => {
    const home = await makeTempHome();
    try {
      const { COGNITO_PASSWORD: _, ...env } = userEnv(place, home);
      return await timeFromEnter({
        command: [DENO, ...loginCommand(place)],
        env,
        cwd: ROOT,
        prompt: /Password/,
        answer: place.stack.password,
        done: /Wrote .* to profile/,
      });
    } finally {
      await home.cleanup();
    }
  };

  // A refresh: credential-process with a refresh window longer than any
  // credentials (moto's last 90 s), so every run signs in again with the
  // saved refresh token; one saved session per place.
  const refreshHome = async (place: Place): Promise<TempHome> => {
    const home = await makeTempHome();
    bench.cleanup.add(() => home.cleanup());
    await signIn(place, home);
    return home;
  };
  const refreshHomes = {
    local: await refreshHome(local),
    wan: await refreshHome(wan),
  };
  const refresh = (place: Place, home: TempHome) => async () => {
    const r: TimedRun = expectSuccess(
      "credential-process (refresh)",
      await runTimed(DENO, [
        "run",
        "-A",
        "--quiet",
        AUTH_TS,
        "credential-process",
        "--profile",
        PROFILE,
      ], {
        env: { ...userEnv(place, home), COGNITO_AUTH_REFRESH_WINDOW: "43200" },
        cwd: ROOT,
      }),
    );
    if (JSON.parse(r.stdout).Version !== 1) {
      throw new Error("credential-process printed no credentials");
    }
    return r.ms;
  };

  // The same three calls through the two SDK clients in a bare script (no
  // CLI): what loading the SDK costs (a diagnostic).
  const sdkBare = `${bench.tmp}/sdk_bare.ts`;
  await Deno.writeTextFile(sdkBare, SDK_BARE_SCRIPT);
  const sdk = (place: Place) => async () =>
    expectSuccess(
      "the SDK alone",
      await runTimed(DENO, withProjectConfig(sdkBare), {
        env: userEnv(place),
        cwd: ROOT,
      }),
    ).ms;

  // Every case through the relay has its requests counted, round by round.
  const seen: Record<string, Record<string, number>[]> = {};
  const counted =
    (scenario: string, run: () => Promise<number>) => async () => {
      const before = [relay.exchanges.length];
      const ms = await run();
      (seen[scenario] ??= []).push(countsSince([relay], before));
      return ms;
    };
  const cases: Record<string, () => Promise<number>> = {
    floorFirst: floor("first", local),
    login: login(local),
    terminal: terminal(local),
    sdkBare: sdk(local),
    floorRefresh: floor("refresh", local),
    refresh: refresh(local, refreshHomes.local),
    floorFirstTls: floor("first", tls),
    loginTls: login(tls),
    floorFirstRelay: counted("floorFirst", floor("first", wan)),
    sdkBareRelay: counted("sdkBare", sdk(wan)),
    loginRelay: counted("login", login(wan)),
    terminalRelay: counted("terminal", terminal(wan)),
    floorRefreshRelay: counted("floorRefresh", floor("refresh", wan)),
    refreshRelay: counted("refresh", refresh(wan, refreshHomes.wan)),
  };
  const hasScript = await scriptAvailable();
  if (!hasScript) {
    delete cases.terminal;
    delete cases.terminalRelay;
    results.notes.push(
      "util-linux `script` is missing: the terminal path is not measured",
    );
  }
  const samples = await interleave(cases, { runs: bench.runs });

  const relayWord = `through the ${RELAY_DELAY_MS} ms relay`;
  const has = (spec: TimeSpec) => samples[spec.key] !== undefined;
  const groups: [string, TimeSpec[]][] = [
    ["floorFirst", [
      {
        key: "floorFirst",
        id: "latency.floorFirst",
        label: "floor: `bench/floor.ts first` (3 requests, fetch)",
      },
      {
        key: "sdkBare",
        id: "latency.sdkBare",
        label: "diagnostic: the same 3 calls through the SDK, bare script",
      },
      {
        key: "login",
        id: "latency.firstLogin",
        label: "first login, `--no-lambda-proxy`",
      },
      {
        key: "terminal",
        id: "latency.terminal",
        label: "on a terminal: Enter → profile written",
      },
    ]],
    ["floorRefresh", [
      {
        key: "floorRefresh",
        id: "latency.floorRefresh",
        label: "floor: `bench/floor.ts refresh` (2 requests, fetch)",
      },
      {
        key: "refresh",
        id: "latency.refresh",
        label: "refresh: `credential-process` past its window",
      },
    ]],
    ["floorFirstTls", [
      {
        key: "floorFirstTls",
        id: "latency.floorFirstTls",
        label: "diagnostic: floor, first, straight to moto over TLS",
      },
      {
        key: "loginTls",
        id: "latency.firstLoginTls",
        label: "diagnostic: first login, straight to moto over TLS",
      },
    ]],
    ["floorFirstRelay", [
      {
        key: "floorFirstRelay",
        id: "latency.floorFirstRelay",
        label: `floor, first, ${relayWord}`,
      },
      {
        key: "sdkBareRelay",
        id: "latency.sdkBareRelay",
        label:
          `diagnostic: the same through the SDK, bare script, ${relayWord}`,
      },
      {
        key: "loginRelay",
        id: "latency.firstLoginRelay",
        label: `first login, ${relayWord}`,
      },
      {
        key: "terminalRelay",
        id: "latency.terminalRelay",
        label: `on a terminal, ${relayWord}`,
      },
    ]],
    ["floorRefreshRelay", [
      {
        key: "floorRefreshRelay",
        id: "latency.floorRefreshRelay",
        label: `floor, refresh, ${relayWord}`,
      },
      {
        key: "refreshRelay",
        id: "latency.refreshRelay",
        label: `refresh, ${relayWord}`,
      },
    ]],
  ];
  for (const [floorKey, specs] of groups) {
    results.figures.push(
      ...timeFigures(LATENCY_SECTION, samples, specs.filter(has), floorKey),
    );
  }
  // The ratios, with issue 17's targets: [id, label, case, what it is
  // divided by (its floor, or for a diagnostic the bare SDK script)].
  const ratioSpecs: [string, string, string, string][] = [
    [
      "latency.firstLogin.vsFloor",
      "first login / floor",
      "login",
      "floorFirst",
    ],
    [
      "latency.terminal.vsFloor",
      "on a terminal (Enter → written) / floor",
      "terminal",
      "floorFirst",
    ],
    [
      "latency.refresh.vsFloor",
      "refresh / refresh floor",
      "refresh",
      "floorRefresh",
    ],
    // What the CLI adds to the SDK's own cost, round by round: steadier
    // than the ratios to the floor, which move with how CPU-bound work
    // compares with moto's answers on the machine of the day.
    [
      "latency.firstLogin.vsSdkBare",
      "diagnostic: first login / the bare SDK script",
      "login",
      "sdkBare",
    ],
    [
      "latency.firstLoginTls.vsFloor",
      "diagnostic: first login / floor, both over TLS",
      "loginTls",
      "floorFirstTls",
    ],
    [
      "latency.firstLoginRelay.vsFloor",
      `first login / floor, ${relayWord}`,
      "loginRelay",
      "floorFirstRelay",
    ],
    [
      "latency.firstLoginRelay.vsSdkBare",
      `diagnostic: first login / the bare SDK script, ${relayWord}`,
      "loginRelay",
      "sdkBareRelay",
    ],
    [
      "latency.terminalRelay.vsFloor",
      `diagnostic: on a terminal / floor, ${relayWord}`,
      "terminalRelay",
      "floorFirstRelay",
    ],
    [
      "latency.refreshRelay.vsFloor",
      `refresh / refresh floor, ${relayWord}`,
      "refreshRelay",
      "floorRefreshRelay",
    ],
  ];
  for (const [id, label, key, floorKey] of ratioSpecs) {
    if (!samples[key]) continue;
    results.figures.push(figure({
      id,
      section: LATENCY_SECTION,
      label,
      unit: "x",
      value: ratios(samples[key], samples[floorKey]),
      target: LATENCY_TARGETS[id],
    }));
  }

  // The requests, counted at the relays, every round (the warm-up too).
  const scenarios: [string, string, Record<string, number>][] = [
    ["floorFirst", "floor script, first (`bench/floor.ts`)", FIRST],
    ["sdkBare", "the same 3 calls through the SDK, bare script", FIRST],
    ["login", "first login, `--no-lambda-proxy` (section 6)", FIRST],
    ["terminal", "first login on a terminal", FIRST],
    ["floorRefresh", "floor script, refresh (`bench/floor.ts`)", REFRESH],
    ["refresh", "refresh: credential-process past its window", REFRESH],
  ];
  for (const [key, scenario, required] of scenarios) {
    if (seen[key]) {
      results.requests.push(requestCount(scenario, seen[key], required));
    }
  }
}

/** The bare-SDK script: the floor's three calls through the two clients. */
const SDK_BARE_SCRIPT =
  `import { CognitoIdentityProviderClient, InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from "@aws-sdk/client-cognito-identity";
const env = Deno.env.toObject();
const region = env.AWS_REGION;
const idp = new CognitoIdentityProviderClient({ region });
const auth = await idp.send(new InitiateAuthCommand({
  ClientId: env.COGNITO_CLIENT_ID,
  AuthFlow: "USER_PASSWORD_AUTH",
  AuthParameters: { USERNAME: env.COGNITO_USERNAME, PASSWORD: env.COGNITO_PASSWORD },
}));
const logins = {
  [\`cognito-idp.\${region}.amazonaws.com/\${env.COGNITO_USER_POOL_ID}\`]: auth.AuthenticationResult.IdToken,
};
const identity = new CognitoIdentityClient({ region });
const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: env.COGNITO_IDENTITY_POOL_ID, Logins: logins }));
const out = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
idp.destroy();
identity.destroy();
if (!out.Credentials?.AccessKeyId) Deno.exit(1);
`;
