/**
 * `aws-cognito-admin setup-identity-pool` through the real entry point.
 * moto does not implement Get/SetIdentityPoolRoles, so every test here sends
 * Cognito Identity calls through the identity-roles stand-in
 * (tests/support/identity_roles_stub.ts), which answers those two and
 * forwards every other call to moto; IAM goes to moto directly.
 */
import assert from "node:assert/strict";
import {
  CognitoIdentityClient,
  DescribeIdentityPoolCommand,
  ListIdentityPoolsCommand,
} from "@aws-sdk/client-cognito-identity";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { startMoto } from "./support/moto.ts";
import { startIdentityRolesStub } from "./support/identity_roles_stub.ts";
import {
  clientConfig,
  createCognitoStack,
  fileClient,
} from "./support/fixtures.ts";
import { assertCallsDone, inlinePolicy } from "./support/admin.ts";
import { runAdmin, withTempHome } from "./support/cli.ts";
import { decodePolicyDocument } from "../lib/policies.ts";

const moto = await startMoto();
const stub = startIdentityRolesStub(moto);
globalThis.addEventListener("unload", () => {
  void stub.stop();
  void moto.stop();
});
const iam = fileClient(moto, IAMClient);
const identity = new CognitoIdentityClient(clientConfig(moto));
globalThis.addEventListener("unload", () => {
  iam.destroy();
  identity.destroy();
});

/** `setup-identity-pool` naming the pool and role, then `flags`. */
function setupArgs(pool: string, role: string, ...flags: string[]) {
  return [
    "setup-identity-pool",
    "--identity-pool-name",
    pool,
    "--role-name",
    role,
    ...flags,
  ];
}

async function poolsNamed(name: string): Promise<string[]> {
  const out = await identity.send(
    new ListIdentityPoolsCommand({ MaxResults: 60 }),
  );
  return (out.IdentityPools ?? []).filter((p) => p.IdentityPoolName === name)
    .map((p) => p.IdentityPoolId!);
}

Deno.test("setup-identity-pool (roles through the identity-roles stand-in) creates the pool, role, policy and roles, saves the id, and a second run changes nothing", async () => {
  await withTempHome(async (home) => {
    const stack = await createCognitoStack(moto);
    const tag = crypto.randomUUID().slice(0, 8);
    const poolName = `pool_${tag}`;
    const roleName = `Cognito_${tag}_Auth_Role`;
    const configPath = `${home.dir}/.cognito-cli-config.json`;
    await Deno.writeTextFile(
      configPath,
      JSON.stringify({
        user_pool_id: stack.userPoolId,
        client_id: stack.clientId,
        theme: "dark",
      }),
    );
    const env = { ...home.env, ...moto.adminEnv, ...stub.env };
    const args = setupArgs(poolName, roleName, "--yes");
    const first = await runAdmin(args, env);
    assert.equal(first.code, 0, first.stderr);
    assertCallsDone(first.stderr, [
      "cognito-identity:CreateIdentityPool",
      "iam:CreateRole",
      "iam:PutRolePolicy",
      "cognito-identity:SetIdentityPoolRoles",
      "write config file",
    ]);

    const [poolId] = await poolsNamed(poolName);
    const pool = await identity.send(
      new DescribeIdentityPoolCommand({ IdentityPoolId: poolId }),
    );
    assert.equal(pool.AllowUnauthenticatedIdentities, false);
    assert.deepEqual(
      pool.CognitoIdentityProviders?.map((p) => [p.ProviderName, p.ClientId]),
      [[
        `cognito-idp.us-east-1.amazonaws.com/${stack.userPoolId}`,
        stack.clientId,
      ]],
    );

    const role = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    const trust = decodePolicyDocument(role.Role?.AssumeRolePolicyDocument) as {
      Statement: { Principal: unknown; Action: string; Condition: unknown }[];
    };
    assert.deepEqual(trust.Statement[0].Principal, {
      Federated: "cognito-identity.amazonaws.com",
    });
    assert.equal(trust.Statement[0].Action, "sts:AssumeRoleWithWebIdentity");
    assert.deepEqual(trust.Statement[0].Condition, {
      StringEquals: { "cognito-identity.amazonaws.com:aud": poolId },
      "ForAnyValue:StringLike": {
        "cognito-identity.amazonaws.com:amr": "authenticated",
      },
    });
    assert.deepEqual(
      await inlinePolicy(iam, roleName, "CognitoAuthoriserMinimum"),
      {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "GetCredentialsForIdentity",
            Effect: "Allow",
            Action: "cognito-identity:GetCredentialsForIdentity",
            Resource: "*",
          },
          {
            Sid: "InvokeCredentialProxy",
            Effect: "Allow",
            Action: "lambda:InvokeFunction",
            Resource:
              "arn:aws:lambda:us-east-1:123456789012:function:cognito-credential-proxy",
          },
        ],
      },
    );
    assert.deepEqual(stub.roles(poolId), { authenticated: role.Role?.Arn });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(configPath)), {
      user_pool_id: stack.userPoolId,
      client_id: stack.clientId,
      theme: "dark",
      identity_pool_id: poolId,
      auth_role_name: roleName,
    });

    const second = await runAdmin(args, env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /No changes/);
    assert.match(second.stdout, /exists \(adopted\)/);
    assert.deepEqual(await poolsNamed(poolName), [poolId]);

    // The saved role name is what role info uses from now on.
    const info = await runAdmin(["role", "info", "--json"], {
      ...home.env,
      ...moto.adminEnv,
    });
    assert.equal(info.code, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).roleName, roleName);
    assert.equal(JSON.parse(info.stdout).how, `file ${configPath}`);
  });
});

Deno.test("setup-identity-pool --dry-run (roles through the identity-roles stand-in) creates no pool or role and leaves the config file as it was", async () => {
  await withTempHome(async (home) => {
    const stack = await createCognitoStack(moto);
    const tag = crypto.randomUUID().slice(0, 8);
    const run = await runAdmin(
      setupArgs(`dry_${tag}`, `Dry_${tag}`, "--dry-run"),
      { ...home.env, ...moto.adminEnv, ...stub.env, ...stack.env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /cognito-identity:CreateIdentityPool/);
    assert.match(run.stdout, /"AllowUnauthenticatedIdentities": false/);
    assert.match(run.stdout, /\(id of the new Identity Pool\)/);
    assert.deepEqual(await poolsNamed(`dry_${tag}`), []);
    await assert.rejects(
      iam.send(new GetRoleCommand({ RoleName: `Dry_${tag}` })),
    );
    await assert.rejects(
      Deno.stat(`${home.dir}/.cognito-cli-config.json`),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("setup-identity-pool (roles through the identity-roles stand-in) adopts a pool that allows unauthenticated identities and turns them off", async () => {
  await withTempHome(async (home) => {
    const stack = await createCognitoStack(moto);
    const tag = crypto.randomUUID().slice(0, 8);
    const { CreateIdentityPoolCommand } = await import(
      "@aws-sdk/client-cognito-identity"
    );
    const made = await identity.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: `open_${tag}`,
        AllowUnauthenticatedIdentities: true,
      }),
    );
    const run = await runAdmin(
      setupArgs(`open_${tag}`, `Open_${tag}`, "--yes"),
      { ...home.env, ...moto.adminEnv, ...stub.env, ...stack.env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /done +cognito-identity:UpdateIdentityPool/);
    const pool = await identity.send(
      new DescribeIdentityPoolCommand({ IdentityPoolId: made.IdentityPoolId }),
    );
    assert.equal(pool.AllowUnauthenticatedIdentities, false);
    assert.equal(pool.CognitoIdentityProviders?.[0].ClientId, stack.clientId);
    assert.deepEqual(await poolsNamed(`open_${tag}`), [made.IdentityPoolId]);
  });
});
