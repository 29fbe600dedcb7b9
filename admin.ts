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
  type CommandUnknownOpts,
  InvalidArgumentError,
  type OptionValues,
} from "@commander-js/extra-typings";
import denoJson from "./deno.json" with { type: "json" };
import { addCompletionsCommand } from "./cli/completions.ts";
import { runCli } from "./cli/run.ts";
import { ADMIN_NAMES, type AdminName } from "./lib/admin_config.ts";
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

/**
 * The flags left unset or at their default, filled from the admin config file
 * (`~/.cognito-admin-config.json`) where it names them. `names` maps each
 * flag's value (as commander names it) to the name in the file.
 */
async function withAdminNames<T extends object>(
  flags: T,
  command: CommandUnknownOpts,
  names: Partial<Record<keyof T & string, AdminName>>,
): Promise<T> {
  const pending = (Object.entries(names) as [string, AdminName][]).filter(
    ([attribute]) => {
      const source = command.getOptionValueSource(attribute);
      return source === undefined || source === "default";
    },
  );
  if (pending.length === 0) return flags;
  const { loadAdminConfig } = await import("./lib/admin_config.ts");
  const config = await loadAdminConfig(Deno.env.toObject());
  const filled = { ...flags } as Record<string, unknown>;
  for (const [attribute, name] of pending) {
    if (config.names[name] !== undefined) {
      filled[attribute] = config.names[name];
    }
  }
  return filled as T;
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
      ADMIN_NAMES.iamUserName.default,
    )
    .option(
      "--long-lived-role-name <name>",
      "role the proxy assumes",
      ADMIN_NAMES.longLivedRoleName.default,
    )
    .option(
      "--execution-role-name <name>",
      "the function's execution role",
      ADMIN_NAMES.executionRoleName.default,
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
    .action(async (flags, command) => {
      const { lambdaDeployCommand } = await import(
        "./cli/admin/lambda_deploy.ts"
      );
      await lambdaDeployCommand(
        await withAdminNames(flags, command, {
          userName: "iamUserName",
          longLivedRoleName: "longLivedRoleName",
          executionRoleName: "executionRoleName",
        }),
      );
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
    .action(async (flags, command) => {
      const { setupIdentityPoolCommand } = await import(
        "./cli/admin/setup_identity_pool.ts"
      );
      await setupIdentityPoolCommand(
        await withAdminNames(flags, command, {
          identityPoolName: "identityPoolName",
        }),
      );
    });

  program.command("configure")
    .description(
      "Save the names the admin commands give what they create to the admin " +
        "config file (~/.cognito-admin-config.json; asks on a terminal, or " +
        "takes them from flags)",
    )
    .option("--user-name <name>", ADMIN_NAMES.iamUserName.question, userName)
    .option(
      "--execution-role-name <name>",
      ADMIN_NAMES.executionRoleName.question,
      roleName,
    )
    .option(
      "--long-lived-role-name <name>",
      ADMIN_NAMES.longLivedRoleName.question,
      roleName,
    )
    .option(
      "--lambda-function-name <name>",
      ADMIN_NAMES.lambdaFunctionName.question,
    )
    .option(
      "--identity-pool-name <name>",
      ADMIN_NAMES.identityPoolName.question,
    )
    .action(async (flags) => {
      const { adminConfigureCommand } = await import(
        "./cli/admin/configure.ts"
      );
      await adminConfigureCommand({
        iamUserName: flags.userName,
        executionRoleName: flags.executionRoleName,
        longLivedRoleName: flags.longLivedRoleName,
        lambdaFunctionName: flags.lambdaFunctionName,
        identityPoolName: flags.identityPoolName,
      });
    });
  const managedLogin = program.command("managed-login").description(
    "Browser sign-in through the User Pool's Managed Login pages",
  );
  withChangeFlags(
    managedLogin.command("enable").description(
      "Let the app client sign in through the browser (code flow with PKCE " +
        "to http://localhost:<port>/callback), and give the pool a Managed " +
        "Login domain if it has none",
    ),
  )
    .option("--user-pool-id <id>", "the User Pool")
    .option("--client-id <id>", "the app client")
    .option("--region <region>", "AWS region")
    .option(
      "--callback-port <port>",
      "loopback port of the callback URL (default COGNITO_CALLBACK_PORT, " +
        "else 47291)",
    )
    .option(
      "--identity-provider <name>",
      "an identity provider the client may use (repeat; default COGNITO)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      "--scopes <scopes>",
      "OAuth scopes to allow (default: openid email profile " +
        "aws.cognito.signin.user.admin)",
    )
    .option(
      "--domain-prefix <prefix>",
      "prefix of the domain to create when the pool has none (default " +
        "login-<pool id>)",
    )
    .action(async (flags) => {
      const { managedLoginEnableCommand } = await import(
        "./cli/admin/managed_login.ts"
      );
      await managedLoginEnableCommand(flags);
    });
  addCompletionsCommand(program);
  return program as unknown as Command;
}

if (import.meta.main) {
  await runCli(buildAdminProgram(), Deno.args);
}
