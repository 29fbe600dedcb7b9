#!/usr/bin/env -S deno run -A
/**
 * `aws-cognito-admin`: set up and inspect the AWS side of Cognito
 * Authoriser (roles, policies, the credential proxy Lambda, the Identity
 * Pool). It uses the machine's own AWS credentials, as the AWS CLI does.
 *
 * This file only parses arguments and hands each command to its file in
 * `cli/admin/` (loaded when the command runs, so `--help` stays quick).
 *
 * @module
 */
import {
  Command,
  InvalidArgumentError,
  type OptionValues,
} from "@commander-js/extra-typings";
import denoJson from "./deno.json" with { type: "json" };
import { addCompletionsCommand } from "./cli/completions.ts";
import { runCli } from "./cli/run.ts";
import {
  isBucketName,
  isIdentityPoolName,
  isPolicyName,
  isRoleName,
  isTableName,
  isUserName,
} from "./lib/admin/names.ts";

function checked(test: (value: string) => boolean, expected: string) {
  return (value: string): string => {
    if (!test(value)) throw new InvalidArgumentError(`expected ${expected}.`);
    return value;
  };
}

const policyName = checked(
  isPolicyName,
  "an IAM policy name (letters, digits and +=,.@_-, at most 128)",
);
const roleName = checked(
  isRoleName,
  "an IAM role name (letters, digits and +=,.@_-, at most 64)",
);
const userName = checked(
  isUserName,
  "an IAM user name (letters, digits and +=,.@_-, at most 64)",
);

/** `--role-name`, `--identity-pool-id`, `--region`: which role to act on. */
function withRoleFlags<
  Args extends unknown[],
  Opts extends OptionValues,
  Globals extends OptionValues,
>(command: Command<Args, Opts, Globals>) {
  return command
    .option(
      "--role-name <name>",
      "the role to act on (default: auth_role_name from the config file, " +
        "else the Identity Pool's authenticated role)",
      roleName,
    )
    .option(
      "--identity-pool-id <id>",
      "Identity Pool whose authenticated role is meant",
    )
    .option("--region <region>", "AWS region");
}

/** `--yes` and `--dry-run`, for every command that changes AWS. */
function withChangeFlags<
  Args extends unknown[],
  Opts extends OptionValues,
  Globals extends OptionValues,
>(command: Command<Args, Opts, Globals>) {
  return command
    .option("-y, --yes", "make the changes without asking")
    .option("--dry-run", "print the plan and change nothing");
}

/** Builds the command-line parser of the admin tool. */
export function buildAdminProgram(): Command {
  const program = new Command("aws-cognito-admin")
    .description(
      "Set up and inspect the AWS resources behind aws-cognito-auth, with " +
        "your own AWS credentials. Every command that changes AWS prints its " +
        "plan first and asks (or takes --yes); --dry-run changes nothing.",
    )
    .version(denoJson.version, "-V, --version", "print the version")
    .option("--debug", "show the underlying error on failure")
    .showHelpAfterError("(run with --help for usage)");

  const role = program.command("role").description(
    "Show the Identity Pool's authenticated role, put policies on it",
  );
  withRoleFlags(
    role.command("info").description(
      "Show the role, its trust policy, managed and inline policies",
    ),
  )
    .option("--json", "print one JSON object")
    .action(async (flags) => {
      const { roleInfoCommand } = await import("./cli/admin/role_info.ts");
      await roleInfoCommand(flags);
    });
  withChangeFlags(withRoleFlags(
    role.command("apply-policy").description(
      "Check a JSON policy file and put it on the role as an inline policy",
    ),
  ))
    .requiredOption("--policy-file <file>", "the IAM policy document (JSON)")
    .requiredOption(
      "--policy-name <name>",
      "name of the inline policy",
      policyName,
    )
    .action(async (flags) => {
      const { applyPolicyCommand } = await import(
        "./cli/admin/role_apply_policy.ts"
      );
      await applyPolicyCommand(flags);
    });

  const policy = program.command("policy").description(
    "Put S3 and DynamoDB policies from templates on the role",
  );
  withChangeFlags(withRoleFlags(
    policy.command("create-s3-policy").description(
      "Let the role use an S3 bucket (whole bucket, or --user-specific)",
    ),
  ))
    .requiredOption(
      "--bucket-name <bucket>",
      "the bucket",
      checked(isBucketName, "an S3 bucket name (3-63 of a-z 0-9 . -)"),
    )
    .option(
      "--user-specific",
      "each identity only under its own prefix ${cognito-identity.amazonaws.com:sub}/",
    )
    .option(
      "--policy-name <name>",
      "name of the inline policy (default S3Access-<bucket>)",
      policyName,
    )
    .action(async (flags) => {
      const { s3PolicyCommand } = await import(
        "./cli/admin/policy_create_s3.ts"
      );
      await s3PolicyCommand(flags);
    });
  withChangeFlags(withRoleFlags(
    policy.command("create-dynamodb-policy").description(
      "Let each identity reach only its own items of a DynamoDB table",
    ),
  ))
    .requiredOption(
      "--table-name <table>",
      "the table",
      checked(
        isTableName,
        "a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)",
      ),
    )
    .option(
      "--policy-name <name>",
      "name of the inline policy (default DynamoDBAccess-<table>)",
      policyName,
    )
    .action(async (flags) => {
      const { dynamodbPolicyCommand } = await import(
        "./cli/admin/policy_create_dynamodb.ts"
      );
      await dynamodbPolicyCommand(flags);
    });

  const lambda = program.command("lambda").description(
    "Deploy the credential proxy Lambda",
  );
  withChangeFlags(withRoleFlags(
    lambda.command("deploy").description(
      "Create or update the proxy's IAM user, roles, runtime layer and " +
        "function, and let the Identity Pool role invoke it",
    ),
  ))
    .option(
      "--create-user",
      "create the IAM user (if missing) and its access key (if it has none)",
    )
    .option("--access-key-id <id>", "an existing IAM user's access key id")
    .option(
      "--secret-access-key <secret>",
      "its secret (prefer PROXY_USER_SECRET_ACCESS_KEY in the environment)",
    )
    .option(
      "--rotate-key",
      "with --create-user: make a new access key, then delete the one the " +
        "function used",
    )
    .option(
      "--user-name <name>",
      "IAM user for --create-user",
      userName,
      "cognito-proxy-user",
    )
    .option(
      "--long-lived-role-name <name>",
      "role the proxy assumes",
      "CognitoLongLivedRole",
    )
    .option(
      "--execution-role-name <name>",
      "the function's execution role",
      "CognitoCredentialProxyExecutionRole",
    )
    .option(
      "--zip <file>",
      "the zip to deploy, with an executable bootstrap at its root " +
        "(default dist/lambda.zip, from `deno task build:lambda`)",
    )
    .option("--zip-file <file>", "the older name of --zip")
    .option(
      "--layer-zip <file>",
      "a ready Deno runtime layer zip (bin/deno) instead of building one " +
        "from the npm package @deno/linux-x64-glibc",
    )
    .option(
      "--user-pool-id <id>",
      "User Pool whose ID tokens the proxy accepts",
    )
    .option("--client-id <id>", "app client id accepted as the token audience")
    .option("--lambda-function-name <name>", "the function's name")
    .action(async (flags) => {
      const { lambdaDeployCommand } = await import(
        "./cli/admin/lambda_deploy.ts"
      );
      await lambdaDeployCommand(flags);
    });

  withChangeFlags(
    program.command("setup-identity-pool").description(
      "Create (or adopt) an Identity Pool for the User Pool and client, with " +
        "its authenticated role, and save its id to the config file",
    ),
  )
    .option(
      "--identity-pool-name <name>",
      "name of the Identity Pool (asked on a terminal; default CognitoAuthoriser)",
      checked(
        isIdentityPoolName,
        "an Identity Pool name (letters, digits, spaces and +=,.@_-, at most 128)",
      ),
    )
    .option(
      "--role-name <name>",
      "name of its authenticated role (default Cognito_<pool name>_Auth_Role)",
      roleName,
    )
    .option("--user-pool-id <id>", "the User Pool")
    .option("--client-id <id>", "the app client")
    .option("--region <region>", "AWS region")
    .option(
      "--lambda-function-name <name>",
      "the credential proxy the role may invoke",
    )
    .action(async (flags) => {
      const { setupIdentityPoolCommand } = await import(
        "./cli/admin/setup_identity_pool.ts"
      );
      await setupIdentityPoolCommand(flags);
    });
  addCompletionsCommand(program);
  return program as unknown as Command;
}

if (import.meta.main) {
  await runCli(buildAdminProgram(), Deno.args);
}
