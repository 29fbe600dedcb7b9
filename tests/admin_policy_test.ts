/**
 * `aws-cognito-admin policy create-s3-policy` and `create-dynamodb-policy`
 * through the real entry point against moto: the rendered documents as IAM
 * stores them, idempotence, `--dry-run`, and argument checks.
 */
import assert from "node:assert/strict";
import { runAdmin, withTempHome } from "./support/cli.ts";
import {
  createRole,
  inlinePolicy,
  inlinePolicyNames,
  startAdminMoto,
} from "./support/admin.ts";
import type { RunResult } from "./support/tools.ts";
import { ExitCode } from "../lib/errors.ts";
import { policyProblem } from "../lib/policies.ts";

const { moto, iam } = await startAdminMoto();

/**
 * Runs `body` with a new role Cognito identities can assume, in a temporary
 * HOME, and `admin` to run admin commands there against moto.
 */
async function withRole(
  body: (
    role: string,
    admin: (args: string[]) => Promise<RunResult>,
    put: PutPolicy,
  ) => Promise<void>,
): Promise<void> {
  await withTempHome(async (home) => {
    const role = await createRole(iam, "auth");
    const admin = (args: string[]) =>
      runAdmin(args, { ...home.env, ...moto.adminEnv });
    const put: PutPolicy = async (command, ...flags) => {
      const args = policyArgs(command, role, ...flags, "--yes");
      const first = await admin(args);
      assert.equal(first.code, 0, first.stderr);
      return { args, first };
    };
    await body(role, admin, put);
  });
}

/**
 * Runs `policy <command> <flags...> --yes` on the role and checks that it
 * succeeded; returns its arguments and result.
 */
type PutPolicy = (
  command: string,
  ...flags: string[]
) => Promise<{ args: string[]; first: RunResult }>;

/** `policy <command> <flags...> --role-name <role>`. */
function policyArgs(command: string, role: string, ...flags: string[]) {
  return ["policy", command, ...flags, "--role-name", role];
}

/** Runs `args` again and checks that it planned nothing. */
async function assertSecondRunChangesNothing(
  admin: (args: string[]) => Promise<RunResult>,
  args: string[],
): Promise<void> {
  const second = await admin(args);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /No changes/);
}

Deno.test("create-s3-policy puts whole-bucket access on the role, and a second run changes nothing", async () => {
  await withRole(async (role, admin, put) => {
    const { args } = await put(
      "create-s3-policy",
      "--bucket-name",
      "team-data",
    );
    const doc = await inlinePolicy(iam, role, "S3Access-team-data");
    assert.equal(policyProblem(doc), undefined);
    assert.deepEqual(doc, {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ListBucket",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: "arn:aws:s3:::team-data",
        },
        {
          Sid: "ReadWriteObjects",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          Resource: "arn:aws:s3:::team-data/*",
        },
      ],
    });
    await assertSecondRunChangesNothing(admin, args);
    assert.deepEqual(await inlinePolicyNames(iam, role), [
      "S3Access-team-data",
    ]);
  });
});

Deno.test("create-s3-policy --user-specific limits each identity to its own ${cognito-identity.amazonaws.com:sub}/ prefix, with no warning on a Cognito role", async () => {
  await withRole(async (role, admin, put) => {
    const { args, first } = await put(
      "create-s3-policy",
      "--bucket-name",
      "team-data",
      "--user-specific",
    );
    assert.doesNotMatch(first.stdout, /Warning/);
    const doc = await inlinePolicy(iam, role, "S3Access-team-data") as {
      Statement: { Resource: string; Condition?: unknown }[];
    };
    assert.equal(
      doc.Statement[0].Resource,
      "arn:aws:s3:::team-data/${cognito-identity.amazonaws.com:sub}/*",
    );
    assert.deepEqual(doc.Statement[1].Condition, {
      StringLike: {
        "s3:prefix": [
          "${cognito-identity.amazonaws.com:sub}/",
          "${cognito-identity.amazonaws.com:sub}/*",
        ],
      },
    });
    assert.ok(!JSON.stringify(doc).includes("{{"), "no unfilled placeholder");
    await assertSecondRunChangesNothing(admin, args);

    // Switching to whole-bucket access replaces the same policy.
    const whole = await admin(args.filter((a) => a !== "--user-specific"));
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(whole.stdout, /\(replaces the policy\)/);
    assert.deepEqual(await inlinePolicyNames(iam, role), [
      "S3Access-team-data",
    ]);
  });
});

Deno.test("create-dynamodb-policy names the table by the caller's account and the region given, with LeadingKeys isolation, idempotently", async () => {
  await withRole(async (role, admin, put) => {
    const { args } = await put(
      "create-dynamodb-policy",
      "--table-name",
      "Notes",
      "--region",
      "eu-west-2",
    );
    const doc = await inlinePolicy(iam, role, "DynamoDBAccess-Notes") as {
      Statement: { Resource: string[]; Condition: unknown; Action: string[] }[];
    };
    assert.deepEqual(doc.Statement[0].Resource, [
      "arn:aws:dynamodb:eu-west-2:123456789012:table/Notes",
      "arn:aws:dynamodb:eu-west-2:123456789012:table/Notes/index/*",
    ]);
    assert.deepEqual(doc.Statement[0].Condition, {
      "ForAllValues:StringEquals": {
        "dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"],
      },
    });
    assert.ok(doc.Statement[0].Action.includes("dynamodb:Query"));
    await assertSecondRunChangesNothing(admin, args);
    assert.deepEqual(await inlinePolicyNames(iam, role), [
      "DynamoDBAccess-Notes",
    ]);
  });
});

Deno.test("create-dynamodb-policy --dry-run shows the rendered document and puts nothing", async () => {
  await withRole(async (role, admin) => {
    const run = await admin(
      policyArgs(
        "create-dynamodb-policy",
        role,
        "--table-name",
        "Notes",
        "--policy-name",
        "Mine",
        "--dry-run",
      ),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /"arn:aws:dynamodb:us-east-1:123456789012:table\/Notes"/,
    );
    assert.match(run.stdout, /role .*, inline policy Mine/);
    assert.deepEqual(await inlinePolicyNames(iam, role), []);
  });
});

Deno.test("policy commands refuse malformed bucket and table names with exit 2 before any AWS call", async () => {
  await withTempHome(async (home) => {
    const env = { ...home.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" };
    const bucket = await runAdmin(
      policyArgs("create-s3-policy", "r", "--bucket-name", "Bad_Bucket"),
      env,
    );
    assert.equal(bucket.code, ExitCode.usage, bucket.stderr);
    assert.match(bucket.stderr, /S3 bucket name/);
    const table = await runAdmin(
      policyArgs("create-dynamodb-policy", "r", "--table-name", "a b"),
      env,
    );
    assert.equal(table.code, ExitCode.usage, table.stderr);
    assert.match(table.stderr, /DynamoDB table name/);
  });
});
