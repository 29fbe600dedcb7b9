/**
 * How `lambda deploy` waits for the function, with the SDK's waiters, in
 * process against moto. moto has every function Active and every update
 * Successful at once, so these tests make GetFunction answer as Lambda does
 * while it works (Pending, InProgress, Failed) by rewriting moto's answer;
 * the waiters poll within milliseconds (injected timing), so no test waits
 * more than a fraction of a second.
 */
import assert from "node:assert/strict";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { clientConfig } from "./support/fixtures.ts";
import {
  bootstrapZip,
  COGNITO_TRUST,
  startAdminMoto,
} from "./support/admin.ts";
import { createAwsClients } from "../lib/admin/aws.ts";
import {
  type FunctionWait,
  planLambdaDeploy,
} from "../lib/admin/lambda_deploy.ts";
import { runPlan } from "../lib/plan.ts";
import { CliError, ExitCode } from "../lib/errors.ts";

const { moto, iam, lambda } = await startAdminMoto();

/** Polls after 1 ms, then up to every 20 ms, for at most 0.3 s. */
const QUICK: FunctionWait = {
  minDelay: 0.001,
  maxDelay: 0.02,
  maxWaitTime: 0.3,
};

/** What GetFunction says about the function, in place of moto's answer. */
type Status = { State?: string; LastUpdateStatus?: string };

/**
 * Clients on moto whose GetFunction answers, once the function exists, with
 * the next status of `script` (the last one repeats), and whose
 * GetFunctionConfiguration does the same with `reason`.
 */
function scriptedClients(script: Status[], reason?: string) {
  const clients = createAwsClients("us-east-1", {
    endpoint: moto.endpoint,
    credentials: clientConfig(moto).credentials,
  });
  const send = clients.lambda.send.bind(clients.lambda);
  let created = false;
  let polls = 0;
  clients.lambda.send = (async (command: { constructor: { name: string } }) => {
    const name = command.constructor.name;
    const out = await send(command as never) as unknown as Record<
      string,
      unknown
    >;
    if (name === "CreateFunctionCommand") created = true;
    if (!created) return out;
    if (name === "GetFunctionCommand") {
      const status = script[Math.min(polls++, script.length - 1)];
      return {
        ...out,
        Configuration: { ...out.Configuration as object, ...status },
      };
    }
    if (name === "GetFunctionConfigurationCommand") {
      return {
        ...out,
        ...script[script.length - 1],
        StateReason: reason,
        LastUpdateStatusReason: reason,
      };
    }
    return out;
  }) as typeof clients.lambda.send;
  return { clients, polls: () => polls };
}

async function deploy(
  clients: ReturnType<typeof createAwsClients>,
  onPending: string[],
) {
  const tag = crypto.randomUUID().slice(0, 8);
  await iam.send(
    new CreateRoleCommand({
      RoleName: `auth-${tag}`,
      AssumeRolePolicyDocument: JSON.stringify(COGNITO_TRUST),
    }),
  );
  const plan = await planLambdaDeploy({
    region: "us-east-1",
    userPoolId: "us-east-1_AbC123xyz",
    clientIds: ["4tq3example0client"],
    functionName: `proxy-${tag}`,
    bundle: await bootstrapZip(`echo ${tag}`),
    bundlePath: "bundle.zip",
    layer: {
      description: `test layer ${tag}`,
      origin: "a test",
      zip: () => Promise.resolve(new TextEncoder().encode("PK layer")),
    },
    layerName: `proxy-${tag}-deno`,
    keys: { mode: "create-user", userName: `user-${tag}`, rotate: false },
    longLivedRoleName: `LongLived-${tag}`,
    executionRoleName: `Exec-${tag}`,
    authRole: { roleName: `auth-${tag}` },
  }, {
    clients,
    backoff: { sleep: () => Promise.resolve() },
    wait: {
      ...QUICK,
      onPending: (name, status) => onPending.push(`${name} ${status}`),
    },
  });
  const done: string[] = [];
  const error = await runPlan(plan, (r) => r.ok && done.push(r.step.call))
    .then(() => undefined, (e: unknown) => e);
  return { fn: `proxy-${tag}`, done, error };
}

Deno.test("lambda deploy waits with the SDK waiter while the new function is Pending, says so each poll, and goes on once it is Active (fake Lambda states over moto)", async () => {
  const { clients, polls } = scriptedClients([
    { State: "Pending" },
    { State: "Pending" },
    { State: "Active" },
  ]);
  try {
    const pending: string[] = [];
    const { fn, done, error } = await deploy(clients, pending);
    assert.equal(error, undefined);
    assert.deepEqual(pending, [`${fn} Pending`, `${fn} Pending`]);
    assert.equal(polls(), 3);
    assert.ok(done.includes("lambda:CreateFunction"));
    assert.ok(done.includes("sts:AssumeRole"), "the steps after it ran");
  } finally {
    clients.destroy();
  }
});

Deno.test("lambda deploy reports a function Lambda could not make Active with Lambda's reason (exit 16), and no secret from the waiter's quote of GetFunction (fake Failed state over moto)", async () => {
  const { clients } = scriptedClients(
    [{ State: "Pending" }, { State: "Failed" }],
    "The bootstrap exited (InvalidEntrypoint)",
  );
  try {
    const { fn, done, error } = await deploy(clients, []);
    assert.ok(error instanceof CliError, String(error));
    assert.equal(error.exitCode, ExitCode.awsRefused);
    assert.equal(
      error.message,
      `Lambda could not get function ${fn} ready: The bootstrap exited ` +
        "(InvalidEntrypoint).",
    );
    assert.equal(error.cause, undefined, "--debug shows no waiter quote");
    assert.ok(!done.includes("lambda:CreateFunction"));
    const env =
      (await lambda.send(new GetFunctionCommand({ FunctionName: fn })))
        .Configuration?.Environment?.Variables ?? {};
    assert.ok(env.IAM_USER_SECRET_ACCESS_KEY);
    assert.ok(!error.message.includes(env.IAM_USER_SECRET_ACCESS_KEY));
  } finally {
    clients.destroy();
  }
});

Deno.test("lambda deploy gives up waiting after the injected maxWaitTime with the state Lambda last reported (exit 16)", async () => {
  const { clients } = scriptedClients([{ State: "Pending" }]);
  try {
    const { fn, error } = await deploy(clients, []);
    assert.ok(error instanceof CliError, String(error));
    assert.equal(error.exitCode, ExitCode.awsRefused);
    assert.match(
      error.message,
      new RegExp(
        `Lambda did not get function ${fn} ready within 0\\.3 s \\(state Pending`,
      ),
    );
  } finally {
    clients.destroy();
  }
});
