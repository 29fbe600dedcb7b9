/**
 * The whole local stack that `login` with the credential proxy needs, as the
 * end-to-end tests and the benchmark run it: moto over TLS (so the proxy can
 * fetch the pool's JWKS over https), a Cognito stack, the long-lived role and
 * the IAM user whose keys the proxy uses, the built proxy zip unpacked as
 * Lambda does, and the AWS Lambda Runtime Interface Emulator running it.
 *
 * @module
 */
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { buildLambdaZip, type LambdaBuild } from "../../lambda/build.ts";
import {
  clientConfig,
  type CognitoStack,
  createCognitoStack,
} from "./fixtures.ts";
import { type MotoServer, startMoto } from "./moto.ts";
import { RIE_FUNCTION_NAME, type RieServer, startRie } from "./rie.ts";
import { makeTestTls, type TestTls } from "./tls.ts";

/**
 * Builds the proxy zip into `work` and unpacks it as Lambda does (modes
 * kept), returning the build and the task root holding `bootstrap`.
 */
export async function unpackProxyZip(
  work: string,
): Promise<{ build: LambdaBuild; taskRoot: string }> {
  const build = await buildLambdaZip({ outFile: `${work}/lambda.zip` });
  const taskRoot = `${work}/task`;
  const unzip = await new Deno.Command("unzip", {
    args: ["-q", build.zipFile, "-d", taskRoot],
  }).output();
  if (!unzip.success) throw new Error(`unzip of ${build.zipFile} failed`);
  return { build, taskRoot };
}

/** What the proxy function is configured with, in {@linkcode proxyFunctionEnv}. */
export interface ProxyFunctionSettings {
  /** moto over TLS (STS and the pool's JWKS). */
  moto: MotoServer;
  /** The test CA moto's certificate comes from. */
  caFile: string;
  /** The user pool whose ID tokens the proxy accepts. */
  userPoolId: string;
  /** The app client ids accepted as audience. */
  clientIds: string[];
  /** The long-lived role. */
  roleArn: string;
  /** The IAM user's keys the proxy assumes the role with. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Folder for the function's DENO_DIR (empty: the bundle needs no cache). */
  denoDir: string;
  /**
   * `ACCESS_TOKEN_CHECK`. Default `require`, as `lambda deploy` writes it
   * for new functions: `login` sends its access token, and the proxy asks
   * Cognito (moto) whether that sign-in is still alive.
   */
  accessTokenCheck?: "require" | "allow-missing";
}

/**
 * The function's environment as Lambda would set it, including the
 * execution role's credentials (which the proxy must never use) and an npm
 * registry that does not answer (the bundle must fetch nothing).
 */
export function proxyFunctionEnv(
  settings: ProxyFunctionSettings,
): Record<string, string> {
  const { moto, userPoolId } = settings;
  return {
    DENO_PATH: Deno.execPath(),
    DENO_DIR: settings.denoDir,
    AWS_REGION: "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: "cognito-credential-proxy",
    AWS_LAMBDA_FUNCTION_TIMEOUT: "30",
    AWS_ACCESS_KEY_ID: "ASIAEXECUTIONROLE000",
    AWS_SECRET_ACCESS_KEY: "execution-role-secret",
    AWS_SESSION_TOKEN: "execution-role-token",
    AWS_ENDPOINT_URL_STS: moto.endpoint,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: moto.endpoint,
    NODE_EXTRA_CA_CERTS: settings.caFile,
    NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/",
    COGNITO_USER_POOL_ID: userPoolId,
    COGNITO_CLIENT_IDS: settings.clientIds.join(","),
    COGNITO_JWKS_URI: `${moto.endpoint}/${userPoolId}/.well-known/jwks.json`,
    DEFAULT_ROLE_ARN: settings.roleArn,
    IAM_USER_ACCESS_KEY_ID: settings.accessKeyId,
    IAM_USER_SECRET_ACCESS_KEY: settings.secretAccessKey,
    ACCESS_TOKEN_CHECK: settings.accessTokenCheck ?? "require",
  };
}

/**
 * A running proxy stack; {@linkcode ProxyStack.stop} (or disposing it with
 * `await using`) ends all of it.
 */
export interface ProxyStack extends AsyncDisposable {
  /** The test CA and moto's server certificate. */
  tls: TestTls;
  /** moto, serving HTTPS with the test CA. */
  moto: MotoServer;
  /** User pool, client, user, Identity Pool and its role. */
  stack: CognitoStack;
  /** Random tag in the names of the role and user below. */
  tag: string;
  /** The long-lived role the proxy assumes (`long-lived-<tag>`). */
  roleArn: string;
  /** The proxy's IAM user (`proxy-<tag>`) and its access key. */
  proxyUser: { name: string; accessKeyId: string; secretAccessKey: string };
  /** The built zip (in the stack's temporary folder). */
  build: LambdaBuild;
  /** The zip unpacked, as Lambda's task root. */
  taskRoot: string;
  /** The function's environment, as the emulator gives it. */
  functionEnv: Record<string, string>;
  /** The emulator running the function. */
  rie: RieServer;
  /**
   * Starts another emulator on the same unpacked zip, with the function's
   * environment plus `env` (e.g. an empty `DENO_DIR` for a cold start). The
   * caller stops it.
   */
  startFunction(env?: Record<string, string>): Promise<RieServer>;
  /**
   * Environment of a user's `login` pointed at moto and the emulator, with
   * the password in `COGNITO_PASSWORD`.
   */
  loginEnv(home: { env: Record<string, string> }): Record<string, string>;
  /** Stops the emulator and moto and removes the temporary folders. */
  stop(): Promise<void>;
}

/**
 * Starts moto over TLS, builds the Cognito stack, the proxy's role and IAM
 * user, builds and unpacks the proxy zip and runs it under the emulator.
 * On failure, whatever was started is stopped again.
 */
export async function startProxyStack(): Promise<ProxyStack> {
  const tls = await makeTestTls();
  const work = await Deno.makeTempDir({ prefix: "proxy-stack-" });
  const stops: (() => Promise<void>)[] = [
    () => Deno.remove(work, { recursive: true }).catch(() => {}),
    () => tls.remove(),
  ];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const step of stops.toReversed()) await step();
  };
  try {
    const moto = await startMoto({
      tls: { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile },
    });
    stops.push(() => moto.stop());
    const stack = await createCognitoStack(moto);

    // The long-lived role and the IAM user whose keys the proxy uses.
    const iam = new IAMClient(clientConfig(moto));
    const tag = crypto.randomUUID().slice(0, 8);
    const userName = `proxy-${tag}`;
    let roleArn: string;
    let key: { AccessKeyId?: string; SecretAccessKey?: string } | undefined;
    try {
      const role = await iam.send(
        new CreateRoleCommand({
          RoleName: `long-lived-${tag}`,
          MaxSessionDuration: 43200,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::123456789012:user/${userName}` },
              Action: ["sts:AssumeRole", "sts:TagSession"],
            }],
          }),
        }),
      );
      roleArn = role.Role!.Arn!;
      await iam.send(new CreateUserCommand({ UserName: userName }));
      key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName })))
        .AccessKey;
    } finally {
      iam.destroy();
    }
    const proxyUser = {
      name: userName,
      accessKeyId: key!.AccessKeyId!,
      secretAccessKey: key!.SecretAccessKey!,
    };

    // Build the proxy zip, unpack it as Lambda does, run it under the emulator.
    const { build, taskRoot } = await unpackProxyZip(work);
    const functionEnv = proxyFunctionEnv({
      moto,
      caFile: tls.caFile,
      userPoolId: stack.userPoolId,
      clientIds: [stack.clientId],
      roleArn,
      accessKeyId: proxyUser.accessKeyId,
      secretAccessKey: proxyUser.secretAccessKey,
      denoDir: `${work}/deno-dir`,
    });
    const startFunction = (env: Record<string, string> = {}) =>
      startRie({
        bootstrap: `${taskRoot}/bootstrap`,
        cwd: taskRoot,
        env: { ...functionEnv, ...env },
      });
    const rie = await startFunction();
    stops.push(() => rie.stop());
    // A test file ends without awaiting `stop`; moto and the emulator stop
    // themselves at unload, and this removes the folders.
    globalThis.addEventListener("unload", () => {
      if (stopped) return;
      for (const dir of [work, tls.dir]) {
        try {
          Deno.removeSync(dir, { recursive: true });
        } catch { /* already gone */ }
      }
    });

    return {
      tls,
      moto,
      stack,
      tag,
      roleArn,
      proxyUser,
      build,
      taskRoot,
      functionEnv,
      rie,
      startFunction,
      loginEnv: (home) => ({
        ...home.env,
        ...moto.env,
        ...stack.env,
        NODE_EXTRA_CA_CERTS: tls.caFile,
        AWS_ENDPOINT_URL_LAMBDA: rie.endpoint,
        // The emulator serves one function under this fixed name.
        COGNITO_LAMBDA_FUNCTION_NAME: RIE_FUNCTION_NAME,
        COGNITO_PASSWORD: stack.password,
      }),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
