/**
 * Section 2 of the benchmark: a `credential-process` cache hit, from source
 * and bundled, against the AWS CLI v2 doing the same local work and the
 * empty `deno run` floor, with diagnostics (the cache read alone, commander
 * alone); its peak RSS (section 4); and what it and `status` load. Every
 * run's output is checked, and the SDK endpoints point at the recording
 * relays: the benchmark fails if any request is made.
 *
 * @module
 */
import type { ProxyStack } from "../tests/support/proxy_stack.ts";
import type { Bundles } from "./_cold_start.ts";
import {
  AUTH_TS,
  AWS_V2,
  type Bench,
  DENO,
  mb,
  PROFILE,
  ROOT,
  SECTIONS,
  timeFigures,
  withProjectConfig,
} from "./_context.ts";
import type { Logins } from "./_login.ts";
import { expectSuccess, runTimed } from "./_proc.ts";
import { figure, unavailable } from "./_report.ts";
import { interleave, ratios } from "./_stats.ts";

/**
 * Section 2 when `credential-process` is missing: its figures, unavailable
 * with the reason.
 */
export function credentialProcessUnavailable(
  bench: Bench,
  reason: string,
): void {
  const figures = bench.results.figures;
  for (
    const [id, label, unit] of [
      ["credentialProcess.cacheHit", "ours, cache hit", "ms"],
      ["credentialProcess.vsAwsCli", "ours / AWS CLI v2", "x"],
      ["credentialProcess.vsFloor", "ours / floor", "x"],
    ] as const
  ) {
    figures.push(
      unavailable({ id, section: SECTIONS.cache, label, unit }, reason),
    );
  }
  figures.push(
    unavailable({
      id: "memory.credentialProcess",
      section: SECTIONS.memory,
      label: "credential-process cache hit",
      unit: "MB",
    }, reason),
  );
}

/**
 * Section 2: signs in (with the proxy) into a new HOME, then times cache
 * hits interleaved with the floor, the bundled forms, the diagnostics and
 * the AWS CLI v2.
 */
export async function measureCredentialProcess(
  bench: Bench,
  ps: ProxyStack,
  logins: Logins,
  bundles: Bundles,
): Promise<void> {
  const home = await logins.newHome();
  const figures = bench.results.figures;
  const runs = bench.fastRuns;
  // Sign in (with the proxy: 12-hour credentials, so no 90-second moto
  // expiry can turn a run into a refresh), then measure straight away.
  await logins.login(home, true, false);
  const env = {
    ...bench.denoEnv,
    ...home.env,
    ...ps.stack.env,
    // A refresh would need the network: send any request to the relays,
    // where it is counted (there must be none).
    ...logins.viaRecorders,
    NODE_EXTRA_CA_CERTS: ps.tls.caFile,
    COGNITO_AUTH_REFRESH_WINDOW: "0",
  };
  const args = ["credential-process", "--profile", PROFILE];
  const requestsBefore = logins.recorders.map((r) => r.exchanges.length);
  const credentialsFile = await Deno.readTextFile(home.credentialsFile);
  const keyId = /aws_access_key_id = (\S+)/.exec(credentialsFile)?.[1];
  const sameKey =
    (label: string) => (r: Awaited<ReturnType<typeof runTimed>>) => {
      expectSuccess(label, r);
      const json = JSON.parse(r.stdout);
      if (json.Version !== 1 || json.AccessKeyId !== keyId) {
        throw new Error(
          `${label} printed other credentials than the profile's`,
        );
      }
      return r.ms;
    };
  const ours = () =>
    runTimed(DENO, ["run", "-A", "--quiet", AUTH_TS, ...args], {
      env,
      cwd: ROOT,
    });
  const awsEnv = {
    ...home.env,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
  };
  const theirs = () =>
    runTimed(AWS_V2, [
      "configure",
      "export-credentials",
      "--profile",
      PROFILE,
      "--format",
      "process",
    ], { env: awsEnv, cwd: home.dir });
  const aws = bench.aws;
  const hasAws = "version" in aws;
  // Diagnostics: the library's cache read alone (no CLI parser), and the
  // CLI parser alone, both with the project's deno.json like auth.ts.
  const libOnly = `${bench.tmp}/cache_hit_lib_only.ts`;
  await Deno.writeTextFile(
    libOnly,
    `import { readSession } from ${
      JSON.stringify(`${ROOT}lib/session_cache.ts`)
    };
import { credentialProcessJson } from ${
      JSON.stringify(`${ROOT}lib/credential_output.ts`)
    };
const session = await readSession(Deno.env.toObject(), Deno.args[0]);
if (!session) Deno.exit(1);
console.log(credentialProcessJson(session.credentials));
`,
  );
  const parserOnly = `${bench.tmp}/commander_only.ts`;
  await Deno.writeTextFile(
    parserOnly,
    `import { Command } from "@commander-js/extra-typings";
new Command("x").parse([], { from: "user" });
`,
  );
  const withConfig = (script: string, scriptArgs: string[]) =>
    runTimed(DENO, withProjectConfig(script, ...scriptArgs), {
      env,
      cwd: ROOT,
    });
  const cases: Record<string, () => Promise<number>> = {
    floor: async () => expectSuccess("empty script", await bench.floorRun()).ms,
    ours: async () => sameKey("credential-process")(await ours()),
    oursBundled: async () =>
      sameKey("bundled credential-process")(
        await bundles.run(bundles.auth, args, env),
      ),
    oursSplit: async () =>
      sameKey("code-split credential-process")(
        await bundles.run(bundles.authSplit, args, env),
      ),
    libOnly: async () =>
      sameKey("cache read without the CLI")(
        await withConfig(libOnly, [PROFILE]),
      ),
    parserOnly: async () =>
      expectSuccess("commander alone", await withConfig(parserOnly, [])).ms,
  };
  if (hasAws) {
    cases.theirs = async () =>
      sameKey("aws export-credentials")(await theirs());
  }
  const samples = await interleave(cases, { runs });
  const section = SECTIONS.cache;
  figures.push(...timeFigures(section, samples, [
    {
      key: "floor",
      id: "credentialProcess.floor",
      label: "empty `deno run` script (the floor)",
    },
    {
      key: "ours",
      id: "credentialProcess.cacheHit",
      label: "ours: `auth.ts credential-process`, cache hit",
    },
    {
      key: "oursBundled",
      id: "credentialProcess.cacheHitBundled",
      label: "ours, bundled form, cache hit",
    },
    {
      key: "oursSplit",
      id: "credentialProcess.cacheHitCodeSplit",
      label: "diagnostic: ours bundled with `--code-splitting`, cache hit",
    },
    {
      key: "libOnly",
      id: "credentialProcess.libOnly",
      label:
        "diagnostic: `readSession` + `credentialProcessJson` alone (no CLI)",
    },
    {
      key: "parserOnly",
      id: "credentialProcess.commanderOnly",
      label: "diagnostic: importing commander alone",
    },
    ...(hasAws
      ? [{
        key: "theirs",
        id: "credentialProcess.awsCliV2",
        label:
          "AWS CLI v2: `aws configure export-credentials --format process`",
      }]
      : []),
  ], "floor"));
  figures.push(
    figure({
      id: "credentialProcess.vsFloor",
      section,
      label: "ours / floor",
      unit: "x",
      value: ratios(samples.ours, samples.floor),
      target: { text: "<= 2x", op: "<=", value: 2 },
    }),
  );
  if (hasAws) {
    figures.push(
      figure({
        id: "credentialProcess.vsAwsCli",
        section,
        label: "ours / AWS CLI v2",
        unit: "x",
        value: ratios(samples.ours, samples.theirs),
        target: { text: "<= 0.1x", op: "<=", value: 0.1 },
      }),
      figure({
        id: "credentialProcess.bundledVsAwsCli",
        section,
        label: "ours bundled / AWS CLI v2",
        unit: "x",
        value: ratios(samples.oursBundled, samples.theirs),
      }),
    );
  } else {
    figures.push(
      unavailable({
        id: "credentialProcess.vsAwsCli",
        section,
        label: "ours / AWS CLI v2",
        unit: "x",
        target: { text: "<= 0.1x", op: "<=", value: 0.1 },
      }, "reason" in aws ? aws.reason : "unavailable"),
    );
  }

  // Peak RSS, floor alongside.
  if (bench.gnuTime) {
    const rss = await interleave({
      floor: async () =>
        expectSuccess("empty script", await bench.floorRun(true)).maxRssKb!,
      ours: async () => {
        const r = await runTimed(
          DENO,
          ["run", "-A", "--quiet", AUTH_TS, ...args],
          { env, cwd: ROOT, rss: true },
        );
        sameKey("credential-process")(r);
        return r.maxRssKb!;
      },
      libOnly: async () => {
        const r = await runTimed(DENO, withProjectConfig(libOnly, PROFILE), {
          env,
          cwd: ROOT,
          rss: true,
        });
        sameKey("cache read without the CLI")(r);
        return r.maxRssKb!;
      },
    }, { runs });
    figures.push(
      figure({
        id: "memory.floor",
        section: SECTIONS.memory,
        label: "empty `deno run` script (the floor)",
        unit: "MB",
        value: mb(rss.floor),
      }),
      figure({
        id: "memory.credentialProcess",
        section: SECTIONS.memory,
        label: "credential-process, cache hit",
        unit: "MB",
        value: mb(rss.ours),
        target: { text: "<= 60 MB", op: "<=", value: 60 },
      }),
      figure({
        id: "memory.credentialProcessLibOnly",
        section: SECTIONS.memory,
        label: "diagnostic: the cache read alone (no CLI)",
        unit: "MB",
        value: mb(rss.libOnly),
      }),
    );
  }
  if (bench.importsOf) {
    bench.results.imports.credentialProcessCacheHit = await bench.importsOf(
      [AUTH_TS, ...args],
      env,
    );
    // `status` reads the AWS files and the settings: no AWS call either.
    bench.results.imports.status = await bench.importsOf(
      [AUTH_TS, "status", "--profile", PROFILE],
      env,
    );
  }
  const during = logins.recorders.map((r, i) =>
    r.exchanges.length - requestsBefore[i]
  ).reduce((a, b) => a + b, 0);
  bench.results.imports.requestsDuringCacheHits = during;
  if (during !== 0) {
    throw new Error(
      `credential-process made ${during} requests: not a cache hit`,
    );
  }
}
