/**
 * Starts moto in server mode on a free loopback port for a test file, and
 * stops it when the file is done.
 *
 * Quirks of moto 5.2 that tests must keep in mind:
 * - Identity Pool credentials are fixed values that expire 90 seconds after
 *   issue; `GetId` returns a new identity id on every call and accepts any
 *   `Logins` value; Get/SetIdentityPoolRoles are not implemented.
 * - Any SRP proof is accepted.
 *
 * @module
 */
import { spawnServer } from "./server_process.ts";
import { ensurePythonTools, freePort, MOTO_SERVER, waitFor } from "./tools.ts";

/** A running moto server; stopped when disposed (`await using`). */
export interface MotoServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:50123`. */
  endpoint: string;
  /**
   * Environment for a process that should talk to this moto through the
   * SDK's standard settings, with no credentials of its own.
   */
  env: Record<string, string>;
  /** Environment plus dummy admin keys, for setting up fixtures. */
  adminEnv: Record<string, string>;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
  /** With TLS: the test CA (PEM) and its file, for clients to trust. */
  ca?: { pem: string; file: string };
}

/** Options for {@linkcode startMoto}. */
export interface MotoOptions {
  /** Serve HTTPS with this certificate and key (PEM file paths). */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Extra environment for the moto process (e.g. feature switches). */
  env?: Record<string, string>;
}

/** Region every test uses. */
export const REGION = "us-east-1";

/** Starts moto and waits until it answers. */
export async function startMoto(
  options: MotoOptions = {},
): Promise<MotoServer> {
  await ensurePythonTools();
  const port = freePort();
  const scheme = options.tls ? "https" : "http";
  const args = ["-H", "127.0.0.1", "-p", String(port)];
  if (options.tls) {
    args.push(
      "--ssl-cert",
      options.tls.certFile,
      "--ssl-key",
      options.tls.keyFile,
    );
  }
  const logFile = await Deno.makeTempFile({ prefix: "moto-", suffix: ".log" });
  const log = await Deno.open(logFile, { write: true });
  // Its output goes to the log file: moto logs every request.
  const server = spawnServer(MOTO_SERVER, args, {
    env: options.env,
    clearEnv: false,
    onOutput: (chunk) => void log.writeSync(chunk),
  });
  const endpoint = `${scheme}://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      await server.stop();
      log.close();
      await Deno.remove(logFile).catch(() => {});
    })();
  // Test files end without awaiting stop(): the server is killed then, and
  // this drops its log.
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(logFile);
    } catch { /* already removed */ }
  });

  const caPem = options.tls && await Deno.readTextFile(options.tls.caFile);
  const client = caPem
    ? Deno.createHttpClient({ caCerts: [caPem] })
    : undefined;
  const up = await waitFor(
    async () => {
      try {
        const res = await fetch(`${endpoint}/moto-api/data.json`, { client });
        await res.body?.cancel();
        return res.ok;
      } catch {
        return false; // not up yet
      }
    },
    30_000,
    100,
  );
  client?.close();
  if (!up) {
    await stop();
    throw new Error(`moto did not start on ${endpoint} within 30 s`);
  }

  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return {
    endpoint,
    env,
    adminEnv: {
      ...env,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
    },
    stop,
    [Symbol.asyncDispose]: stop,
    ca: options.tls && caPem
      ? { pem: caPem, file: options.tls.caFile }
      : undefined,
  };
}
