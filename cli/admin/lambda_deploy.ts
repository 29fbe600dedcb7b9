/**
 * `aws-cognito-admin lambda deploy`: the credential proxy's IAM user, roles,
 * runtime layer and function, and the Identity Pool role's permission to
 * invoke it, as one plan (see `lib/admin/lambda_deploy.ts`).
 *
 * @module
 */
import { CliError, ExitCode } from "../../lib/errors.ts";
import { awsErrorCode } from "../../lib/admin/aws.ts";
import {
  fileLayer,
  npmDenoLayer,
  npmRegistry,
} from "../../lib/admin/deno_layer.ts";
import {
  checkBundle,
  type KeySource,
  planLambdaDeploy,
} from "../../lib/admin/lambda_deploy.ts";
import { isFunctionName } from "../../lib/admin/names.ts";
import { type Prompter, terminalPrompter } from "../terminal.ts";
import { out } from "../report.ts";
import {
  type ChangeFlags,
  PROXY_SETTINGS,
  type RoleFlags,
  roleSettings,
  showAndApply,
  sleep,
  withAdminContext,
} from "./_apply.ts";

/**
 * The options of `lambda deploy` (`--role-name`: the Identity Pool role that
 * may invoke the function).
 */
export interface LambdaDeployFlags extends ChangeFlags, RoleFlags {
  /** `--create-user`. */
  createUser?: boolean;
  /** `--access-key-id`. */
  accessKeyId?: string;
  /** `--secret-access-key` (else `PROXY_USER_SECRET_ACCESS_KEY`). */
  secretAccessKey?: string;
  /** `--rotate-key`. */
  rotateKey?: boolean;
  /** `--user-name`. */
  userName: string;
  /** `--long-lived-role-name`. */
  longLivedRoleName: string;
  /** `--execution-role-name`. */
  executionRoleName: string;
  /** `--zip`: the zip to deploy (default `dist/lambda.zip`). */
  zip?: string;
  /** `--zip-file`: the older name of `--zip`. */
  zipFile?: string;
  /** `--layer-zip`. */
  layerZip?: string;
  /** `--user-pool-id`. */
  userPoolId?: string;
  /** `--client-id`. */
  clientId?: string;
  /** `--lambda-function-name`. */
  lambdaFunctionName?: string;
}

function usage(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}

/** Works out where the proxy user's key comes from, from the flags. */
export function keySource(
  flags: LambdaDeployFlags,
  env: Record<string, string | undefined>,
): KeySource {
  if (flags.createUser && flags.accessKeyId) {
    throw usage(
      "Give either --create-user or --access-key-id with --secret-access-key, not both.",
    );
  }
  if (flags.rotateKey && !flags.createUser) {
    throw usage("--rotate-key goes with --create-user.");
  }
  if (flags.createUser) {
    return {
      mode: "create-user",
      userName: flags.userName,
      rotate: flags.rotateKey ?? false,
    };
  }
  const secret = flags.secretAccessKey ?? env.PROXY_USER_SECRET_ACCESS_KEY;
  if (flags.accessKeyId) {
    if (!secret) {
      throw usage(
        "--access-key-id needs its secret: --secret-access-key, or " +
          "PROXY_USER_SECRET_ACCESS_KEY in the environment.",
      );
    }
    return {
      mode: "given",
      accessKeyId: flags.accessKeyId,
      secretAccessKey: secret,
    };
  }
  if (flags.secretAccessKey) {
    throw usage("--secret-access-key needs --access-key-id.");
  }
  return { mode: "keep" };
}

/** The plain function name from a name, partial ARN or ARN. */
export function plainFunctionName(setting: string): string {
  const parts = setting.split(":");
  const at = parts.indexOf("function");
  const name = at >= 0 ? parts[at + 1] : parts[0];
  if (!isFunctionName(name)) {
    throw new CliError(
      `The Lambda function name ${
        JSON.stringify(setting)
      } does not hold a plain function name (letters, digits, - and _).`,
      ExitCode.config,
    );
  }
  return name;
}

/** The zip to deploy: `--zip`, its older name `--zip-file`, or the build's. */
export function zipPath(
  flags: Pick<LambdaDeployFlags, "zip" | "zipFile">,
): string {
  if (flags.zip && flags.zipFile && flags.zip !== flags.zipFile) {
    throw usage("Give the zip once: --zip (or its older name --zip-file).");
  }
  return flags.zip ?? flags.zipFile ?? DEFAULT_ZIP;
}

/** Where `deno task build:lambda` writes the proxy's zip. */
export const DEFAULT_ZIP = "dist/lambda.zip";

/** Plans and applies the deploy. */
export async function lambdaDeployCommand(
  flags: LambdaDeployFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  const keys = keySource(flags, env);
  const bundlePath = zipPath(flags);
  let bundle: Uint8Array;
  try {
    bundle = await Deno.readFile(bundlePath);
  } catch (error) {
    throw usage(
      `Cannot read the proxy bundle ${bundlePath}: ${
        error instanceof Deno.errors.NotFound
          ? "there is no such file"
          : (error as Error).message
      }. Build it with \`deno task build:lambda\`, or pass --zip.`,
    );
  }
  checkBundle(bundle, bundlePath);
  let layer;
  try {
    layer = flags.layerZip
      ? await fileLayer(flags.layerZip)
      : npmDenoLayer({ registry: npmRegistry(env) });
  } catch (error) {
    throw usage(
      `Cannot read the layer zip ${flags.layerZip}: ${
        (error as Error).message
      }.`,
    );
  }
  const settingFlags = {
    ...roleSettings(flags),
    userPoolId: flags.userPoolId,
    clientId: flags.clientId,
    lambdaFunctionName: flags.lambdaFunctionName,
  };
  await withAdminContext(settingFlags, env, PROXY_SETTINGS, async (context) => {
    const settings = context.values;
    const functionName = plainFunctionName(settings.lambdaFunctionName);
    const backoff = {
      sleep,
      onRetry: (_attempt: number, delayMs: number, error: unknown) =>
        out.info(
          `  AWS is not ready yet (${
            awsErrorCode(error) || "still updating"
          }); trying again in ${(delayMs / 1000).toFixed(1)} s`,
        ),
    };
    const plan = await planLambdaDeploy({
      region: settings.region,
      userPoolId: settings.userPoolId,
      clientIds: [settings.clientId],
      functionName,
      bundle,
      bundlePath,
      layer,
      layerName: `${functionName}-deno`,
      keys,
      longLivedRoleName: flags.longLivedRoleName,
      executionRoleName: flags.executionRoleName,
      authRole: context.role,
    }, {
      clients: context.clients,
      backoff,
      wait: {
        onPending: (name, status) =>
          out.info(
            `  Lambda is still getting function ${name} ready (${status}); ` +
              "waiting",
          ),
      },
    });
    await showAndApply(plan, flags, prompter);
  });
}
