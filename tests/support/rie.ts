/**
 * The AWS Lambda Runtime Interface Emulator (Go module
 * `github.com/aws/aws-lambda-runtime-interface-emulator`), `go install`ed into
 * `.cache/bin` on first use, and started per test on free loopback ports to
 * run the proxy's custom-runtime bundle for real.
 *
 * How this version takes its inputs (`cmd/aws-lambda-rie/main.go` →
 * `internal/lambda/rie/run.go`): the bootstrap command is the positional
 * argument; `--runtime-interface-emulator-address` is where it accepts
 * invokes and `--runtime-api-address` where the function's Runtime API
 * listens; the function sees the emulator's own environment. The invoke path
 * is fixed: `POST /2015-03-31/functions/function/invocations` (the function
 * name in the path is always `function`; `AWS_LAMBDA_FUNCTION_NAME` only goes
 * into the function's ARN and environment). So the Lambda SDK reaches it with
 * `AWS_ENDPOINT_URL_LAMBDA=<endpoint>` and `FunctionName: "function"`.
 *
 * @module
 */
import { listening, spawnServer } from "./server_process.ts";
import { CACHE_DIR, exists, freePort, goInstall } from "./tools.ts";

/** Pinned emulator version (a Go pseudo-version: the module has no tags). */
export const RIE_VERSION = "v0.0.0-20261030222936-bef5c4ba774d";
/** Where the emulator binary is installed. */
export const RIE_BIN = `${CACHE_DIR}/bin/aws-lambda-rie`;
/** The function name in the emulator's (fixed) invoke path. */
export const RIE_FUNCTION_NAME = "function";

const STAMP = `${RIE_BIN}.version`;

/** Installs the pinned emulator into `.cache/bin` unless it is already there. */
export async function ensureRie(): Promise<string> {
  const have = await Deno.readTextFile(STAMP).catch(() => "");
  if (await exists(RIE_BIN) && have.trim() === RIE_VERSION) return RIE_BIN;
  await goInstall(
    "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie",
    RIE_VERSION,
  );
  await Deno.writeTextFile(STAMP, RIE_VERSION);
  return RIE_BIN;
}

/** A running emulator; stopped when disposed (`await using`). */
export interface RieServer extends AsyncDisposable {
  /** Base URL for the Lambda SDK (`AWS_ENDPOINT_URL_LAMBDA`). */
  endpoint: string;
  /** Full invoke URL. */
  invokeUrl: string;
  /** Invokes the function with a raw payload; returns status and body. */
  invoke(payload: string): Promise<{ status: number; body: string }>;
  /** Everything the emulator and the function printed so far. */
  output(): string;
  /** Stops the emulator (and with it the function) and waits for it. */
  stop(): Promise<void>;
}

/**
 * Starts the emulator on free ports with `bootstrap` as the function's
 * bootstrap and exactly `env` (plus PATH) as its environment.
 */
export async function startRie(
  options: { bootstrap: string; cwd: string; env: Record<string, string> },
): Promise<RieServer> {
  const bin = await ensureRie();
  const port = freePort();
  const apiPort = freePort();
  const server = spawnServer(bin, [
    "--runtime-interface-emulator-address",
    `127.0.0.1:${port}`,
    "--runtime-api-address",
    `127.0.0.1:${apiPort}`,
    "--log-level",
    "warn",
    options.bootstrap,
  ], {
    cwd: options.cwd,
    env: options.env,
    // SIGTERM, so the emulator still stops the function it started.
    unloadSignal: "SIGTERM",
  });
  const { output, stop } = server;
  if (!await listening(port, 10_000)) {
    await stop();
    throw new Error(`aws-lambda-rie did not listen on ${port}:\n${output()}`);
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const invokeUrl =
    `${endpoint}/2015-03-31/functions/${RIE_FUNCTION_NAME}/invocations`;
  return {
    endpoint,
    invokeUrl,
    async invoke(payload) {
      const response = await fetch(invokeUrl, {
        method: "POST",
        body: payload,
      });
      return { status: response.status, body: await response.text() };
    },
    output,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Result of {@linkcode runProxyClient}. */
export interface ProxyClientResult {
  /** Whether credentials came back. */
  ok: boolean;
  /** Their expiry (ISO 8601), when ok. */
  expiration?: string;
  /** The access key id, when ok. */
  accessKeyId?: string;
  /** The error's name (`ProxyError`), when not ok. */
  name?: string;
  /** The error's message, when not ok. */
  error?: string;
  /** Everything the process printed on stderr. */
  stderr: string;
}

/**
 * Runs `lib/proxy.ts`'s `invokeCredentialProxy` in a fresh process with the
 * given environment (plus PATH and Deno's cache location), so the Lambda SDK
 * takes its endpoint from a real environment (`AWS_ENDPOINT_URL_LAMBDA`,
 * `AWS_ENDPOINT_URL`) as `login` will. The machine's AWS files are hidden.
 */
export async function runProxyClient(options: {
  env: Record<string, string>;
  functionName: string;
  idToken: string;
  /** Sent as `access_token` when given. */
  accessToken?: string;
  durationSeconds: number;
  credentials?: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
  };
  timeoutMs?: number;
}): Promise<ProxyClientResult> {
  const proxyModule = new URL("../../lib/proxy.ts", import.meta.url).href;
  const script = `
    import { invokeCredentialProxy } from ${JSON.stringify(proxyModule)};
    const input = JSON.parse(Deno.args[0]);
    try {
      const c = await invokeCredentialProxy({
        region: "us-east-1",
        functionName: input.functionName,
        credentials: input.credentials,
        idToken: input.idToken,
        accessToken: input.accessToken,
        durationSeconds: input.durationSeconds,
        timeoutMs: input.timeoutMs,
      });
      console.log(JSON.stringify({
        ok: true,
        expiration: c.expiration.toISOString(),
        accessKeyId: c.accessKeyId,
      }));
    } catch (error) {
      console.log(JSON.stringify({ ok: false, name: error.name, error: error.message }));
    }
  `;
  const dir = await Deno.makeTempDir({ prefix: "proxy-client-" });
  try {
    await Deno.writeTextFile(`${dir}/client.ts`, script);
    const input = {
      credentials: {
        accessKeyId: "ASIAIDENTITYPOOL0001",
        secretAccessKey: "identity-pool-secret",
        sessionToken: "identity-pool-token",
      },
      ...options,
      env: undefined,
    };
    const inherited = Object.fromEntries(
      ["HOME", "DENO_DIR", "XDG_CACHE_HOME"].flatMap((name) => {
        const value = Deno.env.get(name);
        return value === undefined ? [] : [[name, value]];
      }),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        `${dir}/client.ts`,
        JSON.stringify(input),
      ],
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        ...inherited,
        AWS_CONFIG_FILE: `${dir}/no-aws-config`,
        AWS_SHARED_CREDENTIALS_FILE: `${dir}/no-aws-credentials`,
        AWS_EC2_METADATA_DISABLED: "true",
        ...options.env,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).trim();
    const stderr = new TextDecoder().decode(out.stderr);
    const last = stdout.split("\n").at(-1);
    if (!last) throw new Error(`proxy client printed nothing:\n${stderr}`);
    return { ...JSON.parse(last), stderr };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
