/**
 * `aws-cognito-admin role info` and `role apply-policy` through the real
 * entry point (a fresh process, stdin not a terminal) against moto, reading
 * moto back with the SDK after each run.
 */
import assert from "node:assert/strict";
import { runAdmin, type TempHome, withTempHome } from "./support/cli.ts";
import { startIdentityRolesStub } from "./support/identity_roles_stub.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import {
  COGNITO_TRUST,
  createRole,
  inlinePolicy,
  inlinePolicyNames,
  startAdminMoto,
} from "./support/admin.ts";
import { ExitCode } from "../lib/errors.ts";

const { moto, iam } = await startAdminMoto();

const POLICY = {
  Version: "2012-10-17",
  Statement: [{
    Effect: "Allow",
    Action: ["s3:GetObject"],
    Resource: "arn:aws:s3:::reports/*",
  }],
};

/** Writes {@linkcode POLICY} to a file in the home; returns its path. */
async function writePolicy(home: TempHome): Promise<string> {
  const file = `${home.dir}/policy.json`;
  await Deno.writeTextFile(file, JSON.stringify(POLICY));
  return file;
}

/** `role apply-policy` of `file` onto `role` as `policyName`, and `more`. */
function applyPolicyArgs(
  role: string,
  file: string,
  policyName: string,
  ...more: string[]
): string[] {
  return [
    "role",
    "apply-policy",
    "--role-name",
    role,
    "--policy-file",
    file,
    "--policy-name",
    policyName,
    ...more,
  ];
}

Deno.test("role apply-policy puts the file's document on the role, and a second run changes nothing", async () => {
  await withTempHome(async (home) => {
    const role = await createRole(iam, "role");
    const file = await writePolicy(home);
    const args = applyPolicyArgs(role, file, "Reports", "--yes");
    const env = { ...home.env, ...moto.adminEnv };
    const first = await runAdmin(args, env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /1\. iam:PutRolePolicy {2}role .*Reports/);
    assert.match(first.stdout, /"arn:aws:s3:::reports\/\*"/);
    assert.match(
      first.stderr,
      /\[1\/1\] done +iam:PutRolePolicy .*\(\d+\.\d s, \d+\.\d s in all\)/,
    );
    assert.ok(!first.stderr.includes("\x1b["), "NO_COLOR: no escape codes");
    assert.deepEqual(await inlinePolicy(iam, role, "Reports"), POLICY);

    const second = await runAdmin(args, env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /No changes/);
    assert.doesNotMatch(second.stderr, /done/);
    assert.deepEqual(await inlinePolicyNames(iam, role), ["Reports"]);
    assert.deepEqual(await inlinePolicy(iam, role, "Reports"), POLICY);
  });
});

Deno.test("role apply-policy --dry-run prints the plan and the policy JSON and puts nothing", async () => {
  await withTempHome(async (home) => {
    const role = await createRole(iam, "role");
    const file = await writePolicy(home);
    const run = await runAdmin(
      applyPolicyArgs(role, file, "Reports", "--dry-run"),
      { ...home.env, ...moto.adminEnv },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /iam:PutRolePolicy/);
    assert.match(run.stdout, /"s3:GetObject"/);
    assert.match(run.stderr, /Dry run: nothing was changed/);
    assert.deepEqual(await inlinePolicyNames(iam, role), []);
  });
});

Deno.test("role apply-policy without --yes and without a terminal refuses with exit 13 and changes nothing", async () => {
  await withTempHome(async (home) => {
    const role = await createRole(iam, "role");
    const file = await writePolicy(home);
    const run = await runAdmin(applyPolicyArgs(role, file, "Reports"), {
      ...home.env,
      ...moto.adminEnv,
    });
    assert.equal(run.code, ExitCode.inputRequired, run.stderr);
    assert.match(run.stderr, /--yes/);
    assert.deepEqual(await inlinePolicyNames(iam, role), []);
  });
});

const BAD_FILES: { name: string; text: string; expect: RegExp }[] = [
  {
    name: "not JSON",
    text: '{"Version": "2012-10-17",',
    expect: /not valid JSON: .*line 1, column 26/,
  },
  { name: "an array", text: "[]", expect: /must hold a JSON object.*an array/ },
  {
    name: "no Version",
    text: JSON.stringify({ Statement: POLICY.Statement }),
    expect: /no "Version"/,
  },
  {
    name: "no Statement",
    text: JSON.stringify({ Version: "2012-10-17" }),
    expect: /no "Statement"/,
  },
  {
    name: "a lowercase Effect",
    text: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ ...POLICY.Statement[0], Effect: "allow" }],
    }),
    expect:
      /Statement\[0\] has "Effect": "allow"; it must be "Allow" or "Deny"/,
  },
  {
    name: "no Resource",
    text: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject" }],
    }),
    expect: /neither "Resource" nor "NotResource"/,
  },
];

Deno.test("role apply-policy refuses bad policy files with exit 17, naming the file and the fault, before any AWS call", async () => {
  await withTempHome(async (home) => {
    // AWS is unreachable here: a refusal must come before any call.
    const env = {
      ...home.env,
      ...moto.adminEnv,
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      AWS_MAX_ATTEMPTS: "1",
    };
    for (const bad of BAD_FILES) {
      const file = `${home.dir}/bad-${BAD_FILES.indexOf(bad)}.json`;
      await Deno.writeTextFile(file, bad.text);
      const run = await runAdmin(
        applyPolicyArgs("any", file, "P", "--yes"),
        env,
      );
      assert.equal(run.code, ExitCode.policyFile, `${bad.name}: ${run.stderr}`);
      assert.ok(run.stderr.includes(file), `${bad.name}: ${run.stderr}`);
      assert.match(run.stderr, bad.expect, bad.name);
    }
    const missing = await runAdmin(
      applyPolicyArgs("any", `${home.dir}/nope.json`, "P"),
      env,
    );
    assert.equal(missing.code, ExitCode.policyFile);
    assert.match(missing.stderr, /nope\.json: there is no such file/);
  });
});

Deno.test("role apply-policy warns when ${cognito-identity.amazonaws.com:sub} goes on a role assumed by an IAM user", async () => {
  await withTempHome(async (home) => {
    const role = await createRole(iam, "role", {
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:user/cognito-proxy-user" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
      }],
    });
    const file = `${home.dir}/isolated.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}/*",
        }],
      }),
    );
    const run = await runAdmin(
      applyPolicyArgs(role, file, "Isolated", "--dry-run"),
      { ...home.env, ...moto.adminEnv },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /Warning: .*is not assumed through Cognito Identity/,
    );
    assert.match(
      run.stdout,
      /long-lived role.*aws:PrincipalTag\/CognitoSubject/,
    );
  });
});

Deno.test("role apply-policy on a role that does not exist exits 8 naming the role", async () => {
  await withTempHome(async (home) => {
    const file = await writePolicy(home);
    const run = await runAdmin(
      applyPolicyArgs("no-such-role-here", file, "P", "--yes"),
      { ...home.env, ...moto.adminEnv },
    );
    assert.equal(run.code, ExitCode.resourceNotFound, run.stderr);
    assert.match(run.stderr, /The IAM role no-such-role-here does not exist/);
  });
});

Deno.test("role info --json lists the trust policy, managed and inline policies with their documents", async () => {
  await withTempHome(async (home) => {
    const role = await createRole(iam, "role");
    const file = await writePolicy(home);
    const env = { ...home.env, ...moto.adminEnv };
    const put = await runAdmin(
      applyPolicyArgs(role, file, "Reports", "--yes"),
      env,
    );
    assert.equal(put.code, 0, put.stderr);
    const run = await runAdmin(
      ["role", "info", "--role-name", role, "--json"],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const info = JSON.parse(run.stdout);
    assert.equal(info.roleName, role);
    assert.equal(info.roleArn, `arn:aws:iam::123456789012:role/${role}`);
    assert.equal(info.how, "flag --role-name");
    assert.deepEqual(info.trustPolicy, COGNITO_TRUST);
    assert.deepEqual(info.attachedPolicies, []);
    assert.deepEqual(info.inlinePolicies, [{
      name: "Reports",
      document: POLICY,
    }]);

    const text = await runAdmin(["role", "info", "--role-name", role], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Inline policies \(1\):\n {2}- Reports:/);
  });
});

Deno.test("role info finds the Identity Pool's authenticated role through GetIdentityPoolRoles (identity-roles stand-in in front of moto)", async () => {
  await using stub = startIdentityRolesStub(moto);
  await withTempHome(async (home) => {
    const stack = await createCognitoStack(moto);
    const roleName = stack.roleArn.split("/").pop()!;
    stub.setRoles(stack.identityPoolId, { authenticated: stack.roleArn });
    const run = await runAdmin(["role", "info", "--json"], {
      ...home.env,
      ...moto.adminEnv,
      ...stub.env,
      COGNITO_IDENTITY_POOL_ID: stack.identityPoolId,
    });
    assert.equal(run.code, 0, run.stderr);
    const info = JSON.parse(run.stdout);
    assert.equal(info.roleName, roleName);
    assert.equal(
      info.how,
      `authenticated role of Identity Pool ${stack.identityPoolId}`,
    );
  });
});

Deno.test("role info with no role name and no Identity Pool exits 3 and says how to name the role", async () => {
  await withTempHome(async (home) => {
    const run = await runAdmin(["role", "info"], {
      ...home.env,
      ...moto.adminEnv,
    });
    assert.equal(run.code, ExitCode.config, run.stderr);
    assert.match(run.stderr, /--role-name/);
  });
});

Deno.test("a malformed COGNITO_AUTH_ROLE_NAME exits 3 naming the variable", async () => {
  await withTempHome(async (home) => {
    const run = await runAdmin(["role", "info"], {
      ...home.env,
      ...moto.adminEnv,
      COGNITO_AUTH_ROLE_NAME: "not a role",
    });
    assert.equal(run.code, ExitCode.config, run.stderr);
    assert.match(
      run.stderr,
      /authenticated role name "not a role" \(from env COGNITO_AUTH_ROLE_NAME\) is malformed/,
    );
  });
});
