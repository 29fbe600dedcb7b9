/**
 * Section 5 of the benchmark: what the credential proxy Lambda costs, cold
 * and warm, under the Lambda Runtime Interface Emulator, split into the
 * emulator and our Runtime API loop, token verification and STS.
 *
 * @module
 */
import { Agent } from "node:https";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { roleSessionName, sessionTags } from "../lambda/sts.ts";
import { REGION } from "../tests/support/moto.ts";
import type { ProxyStack } from "../tests/support/proxy_stack.ts";
import {
  type Bench,
  DENO,
  ROOT,
  SECTIONS,
  timeFigures,
  withProjectConfig,
} from "./_context.ts";
import { expectSuccess, runTimed } from "./_proc.ts";
import { figure } from "./_report.ts";
import { interleave, summarize } from "./_stats.ts";

function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - part.length % 4) % 4)));
}

/**
 * Section 5: the zip's size, cold starts (a fresh emulator with an empty
 * `DENO_DIR`) and warm invocations split by how far the request gets, STS
 * AssumeRole alone from a warm client, and `lambda/sts.ts` in a process set
 * up as the Lambda.
 */
export async function measureLambda(
  bench: Bench,
  ps: ProxyStack,
): Promise<void> {
  const { runs } = bench;
  const figures = bench.results.figures;
  const section = SECTIONS.lambda;
  figures.push(
    figure({
      id: "lambda.zipSize",
      section,
      label: "zip size",
      unit: "KB",
      value: summarize([ps.build.zipBytes / 1024]),
      target: { text: "< 300 KB", op: "<", value: 300 },
      note: `one build; bundle ${
        (ps.build.bundleBytes / 1024).toFixed(0)
      } KB uncompressed`,
    }),
  );

  // A real ID token, and the same token with a broken signature.
  const tlsAgent = new Agent({ ca: ps.tls.caPem, keepAlive: true });
  const idp = new CognitoIdentityProviderClient({
    region: REGION,
    endpoint: ps.moto.endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    requestHandler: { httpsAgent: tlsAgent },
  });
  const auth = await idp.send(
    new InitiateAuthCommand({
      ClientId: ps.stack.clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: {
        USERNAME: ps.stack.username,
        PASSWORD: ps.stack.password,
      },
    }),
  );
  idp.destroy();
  const idToken = auth.AuthenticationResult!.IdToken!;
  // The function requires the access token (ACCESS_TOKEN_CHECK=require, as
  // lambda deploy writes it), and asks Cognito (moto) about it: GetUser.
  const accessToken = auth.AuthenticationResult!.AccessToken!;
  const [head, body, signature] = idToken.split(".");
  const at = Math.floor(signature.length / 2);
  const flipped = signature[at] === "A" ? "B" : "A";
  const badToken = `${head}.${body}.${signature.slice(0, at)}${flipped}${
    signature.slice(at + 1)
  }`;
  const payloads = {
    valid: JSON.stringify({
      id_token: idToken,
      access_token: accessToken,
      duration_seconds: 3600,
    }),
    badSignature: JSON.stringify({
      id_token: badToken,
      access_token: accessToken,
      duration_seconds: 3600,
    }),
    notJson: "this is not JSON",
    noToken: "{}",
  };
  const expectStatus = (
    label: string,
    status: number,
    response: { status: number; body: string },
    bodyMatch?: RegExp,
  ) => {
    let statusCode: unknown;
    try {
      statusCode = JSON.parse(response.body).statusCode;
    } catch { /* below */ }
    if (
      response.status !== 200 || statusCode !== status ||
      (bodyMatch && !bodyMatch.test(response.body))
    ) {
      throw new Error(
        `${label}: expected statusCode ${status}, got HTTP ${response.status} ${
          response.body.slice(0, 300)
        }`,
      );
    }
  };

  // Cold: a fresh emulator with an empty DENO_DIR (as /tmp on a new Lambda
  // execution environment), first invocation.
  let coldIndex = 0;
  const coldCase = (payload: string, status: number) => async () => {
    const denoDir = `${bench.tmp}/cold-${coldIndex++}`;
    const rie = await ps.startFunction({ DENO_DIR: denoDir });
    try {
      const started = performance.now();
      const response = await rie.invoke(payload);
      const elapsed = performance.now() - started;
      expectStatus("cold invocation", status, response);
      return elapsed;
    } finally {
      await rie.stop();
      await Deno.remove(denoDir, { recursive: true }).catch(() => {});
    }
  };
  const cold = await interleave({
    rejected: coldCase(payloads.noToken, 400),
    badSignature: coldCase(payloads.badSignature, 401),
    full: coldCase(payloads.valid, 200),
  }, { runs: runs * 2 });

  // Warm: the stack's emulator (already warm from the logins), and STS
  // called directly from a warm SDK client in this process.
  const sts = new STSClient({
    region: REGION,
    endpoint: ps.moto.endpoint,
    credentials: {
      accessKeyId: ps.proxyUser.accessKeyId,
      secretAccessKey: ps.proxyUser.secretAccessKey,
    },
    maxAttempts: 2,
    requestHandler: { httpsAgent: tlsAgent },
  });
  bench.cleanup.add(() => {
    sts.destroy();
    tlsAgent.destroy();
  });
  const claims = decodeJwtPayload(idToken);
  const identity = {
    username: String(claims["cognito:username"]),
    sub: String(claims.sub),
  };
  const assumeRole = async (client: STSClient) => {
    const started = performance.now();
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: ps.roleArn,
        RoleSessionName: await roleSessionName(identity.username),
        DurationSeconds: 3600,
        Tags: sessionTags(identity),
      }),
    );
    const elapsed = performance.now() - started;
    if (!out.Credentials?.AccessKeyId) throw new Error("AssumeRole failed");
    return elapsed;
  };
  // The proxy's revocation check (issue 14): GetUser with the caller's
  // access token, unsigned, over a reused TLS connection as the function
  // makes it.
  const cognitoClient = Deno.createHttpClient({ caCerts: [ps.tls.caPem] });
  bench.cleanup.add(() => cognitoClient.close());
  const getUser = async () => {
    const started = performance.now();
    const response = await fetch(ps.moto.endpoint, {
      method: "POST",
      client: cognitoClient,
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSCognitoIdentityProviderService.GetUser",
      },
      body: JSON.stringify({ AccessToken: accessToken }),
    });
    await response.body?.cancel();
    const elapsed = performance.now() - started;
    if (!response.ok) throw new Error(`GetUser: ${response.status}`);
    return elapsed;
  };
  const timedInvoke =
    (payload: string, status: number, match?: RegExp) => async () => {
      const started = performance.now();
      const response = await ps.rie.invoke(payload);
      const elapsed = performance.now() - started;
      expectStatus("warm invocation", status, response, match);
      return elapsed;
    };
  const warm = await interleave({
    notJson: timedInvoke(payloads.notJson, 400),
    badSignature: timedInvoke(payloads.badSignature, 401, /not accepted/),
    valid: timedInvoke(payloads.valid, 200),
    sts: () => assumeRole(sts),
    getUser,
  }, { runs: bench.fastRuns });

  // lambda/sts.ts itself, in a warm process set up as the Lambda is (the
  // SDK's default handler; endpoint and CA from the environment).
  const child = expectSuccess(
    "lambda/sts.ts in a Lambda-like process",
    await runTimed(DENO, withProjectConfig(`${ROOT}bench/_sts_child.ts`), {
      env: {
        DENO_DIR: bench.denoDir,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_STS: ps.moto.endpoint,
        NODE_EXTRA_CA_CERTS: ps.tls.caFile,
      },
      cwd: ROOT,
      stdin: JSON.stringify({
        region: REGION,
        accessKeyId: ps.proxyUser.accessKeyId,
        secretAccessKey: ps.proxyUser.secretAccessKey,
        request: {
          roleArn: ps.roleArn,
          sessionName: await roleSessionName(identity.username),
          durationSeconds: 3600,
          tags: sessionTags(identity),
        },
        warmup: 3,
        runs: bench.fastRuns,
      }),
    }),
  );
  const stsLikeLambda: number[] = JSON.parse(child.stdout);

  figures.push(
    ...timeFigures(section, cold, [
      {
        key: "rejected",
        id: "lambda.coldRejected",
        label:
          "cold: fresh emulator → first invocation, rejected at once (`{}`: 400)",
        note: "runtime start, bundle load, init, Runtime API loop",
      },
      {
        key: "badSignature",
        id: "lambda.coldBadSignature",
        label: "cold: first invocation, bad signature (401)",
        note: "+ JWKS fetch over TLS and verification",
      },
      {
        key: "full",
        id: "lambda.coldFull",
        label: "cold: fresh emulator → first invocation, valid token (200)",
        note: "+ JWKS, STS client load, AssumeRole",
        target: { text: "<= 250 ms", op: "<=", value: 250 },
      },
    ]),
    ...timeFigures(section, warm, [
      {
        key: "notJson",
        id: "lambda.warmNotJson",
        label: "warm: not JSON (400): emulator + Runtime API loop",
      },
      {
        key: "badSignature",
        id: "lambda.warmBadSignature",
        label: "warm: bad signature (401): + token verification, no STS",
      },
      {
        key: "valid",
        id: "lambda.warmValid",
        label: "warm: valid token (200): + AssumeRole",
      },
      {
        key: "sts",
        id: "lambda.stsDirect",
        label: "STS AssumeRole alone, warm SDK client (in the bench)",
        note: "keep-alive: the TLS connection is reused",
      },
    ]),
    figure({
      id: "lambda.stsLikeLambda",
      section,
      label:
        "diagnostic: `lambda/sts.ts` AssumeRole in a warm process set up as the Lambda",
      unit: "ms",
      value: summarize(stsLikeLambda),
      note: "SDK default handler, NODE_EXTRA_CA_CERTS; run after the rounds",
    }),
    figure({
      id: "lambda.warmOverhead",
      section,
      label: "warm overhead of our code: valid − STS alone − GetUser alone",
      unit: "ms",
      value: summarize(
        warm.valid.map((v, i) => v - warm.sts[i] - warm.getUser[i]),
      ),
      target: { text: "< 20 ms", op: "<", value: 20 },
      note: "paired per round; includes the emulator's own hop",
    }),
    figure({
      id: "lambda.warmGetUser",
      section,
      label: "GetUser alone (the revocation check's call), reused connection",
      unit: "ms",
      value: summarize(warm.getUser),
    }),
    figure({
      id: "lambda.warmVerification",
      section,
      label: "warm: token verification (bad signature − not JSON)",
      unit: "ms",
      value: summarize(warm.badSignature.map((v, i) => v - warm.notJson[i])),
      note: "paired per round",
    }),
    figure({
      id: "lambda.coldJwksPart",
      section,
      label: "cold: JWKS fetch + verification (bad signature − rejected)",
      unit: "ms",
      value: summarize(cold.badSignature.map((v, i) => v - cold.rejected[i])),
      note: "paired per round",
    }),
    figure({
      id: "lambda.coldStsPart",
      section,
      label: "cold: STS client load + AssumeRole (valid − bad signature)",
      unit: "ms",
      value: summarize(cold.full.map((v, i) => v - cold.badSignature[i])),
      note: "paired per round",
    }),
  );
}
