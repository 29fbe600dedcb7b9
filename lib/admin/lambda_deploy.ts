/**
 * `lambda deploy`: everything the credential proxy needs, as one plan.
 *
 * Read first (nothing changes): the caller, the function, the IAM user and
 * its keys, the long-lived role, the execution role, the runtime layer, the
 * Identity Pool role. Then, only where AWS differs from what is wanted:
 *
 * 1. `iam:CreateUser` and `iam:PutUserPolicy` (sts:AssumeRole and
 *    sts:TagSession on the long-lived role, nothing else);
 * 2. `iam:CreateRole` / `iam:UpdateAssumeRolePolicy` / `iam:UpdateRole` for
 *    the long-lived role (MaxSessionDuration 43200, trusting exactly that
 *    user, with sts:TagSession);
 * 3. `iam:CreateRole` / `iam:UpdateAssumeRolePolicy` and `iam:PutRolePolicy`
 *    (its own log group only) for the execution role;
 * 4. `iam:CreateAccessKey` when the user has no key the function holds
 *    (never silently: an existing key is reused, or the command stops);
 * 5. `lambda:PublishLayerVersion` for the Deno runtime layer;
 * 6. `lambda:CreateFunction`, or `lambda:UpdateFunctionCode` and
 *    `lambda:UpdateFunctionConfiguration`, each waiting until the function
 *    is ready;
 * 7. `iam:PutRolePolicy` on the Identity Pool's authenticated role so it may
 *    invoke the function;
 * 8. a check that the user's key can assume the long-lived role with session
 *    tags (retried while IAM propagates), and with `--rotate-key`
 *    `iam:DeleteAccessKey` of the key the function used before.
 *
 * @module
 */
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutUserPolicyCommand,
  type Role,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  type FunctionConfiguration,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
} from "@aws-sdk/client-sts";
import {
  AwsRefusedError,
  CliError,
  ExitCode,
  ResourceNotFoundError,
} from "../errors.ts";
import { newPlan, type Plan } from "../plan.ts";
import {
  decodePolicyDocument,
  type PolicyDocument,
  renderPolicy,
  samePolicy,
} from "../policies.ts";
import {
  awsCall,
  type AwsClients,
  awsErrorCode,
  awsFind,
  type Backoff,
  type Caller,
  describeAwsError,
  getCaller,
  isRoleNotYetAssumable,
  maskKeyId,
  retryWhilePending,
} from "./aws.ts";
import { type LayerSource, sha256Base64 } from "./deno_layer.ts";
import {
  chooseAuthRole,
  getExistingRole,
  getRolePolicy,
  planInlineRolePolicy,
  type RoleChoice,
} from "./roles.ts";

/** The longest session the long-lived role allows: 12 hours. */
export const LONG_LIVED_MAX_SESSION = 43200;
/** Inline policy of the proxy's IAM user. */
export const USER_POLICY_NAME = "CognitoProxyAssumeLongLivedRole";
/** Inline policy of the execution role. */
export const LOGS_POLICY_NAME = "CognitoProxyLogs";
/**
 * Inline policy of the Identity Pool's authenticated role (the seed's
 * minimum policy; `setup-identity-pool` writes the same one).
 */
export const AUTH_ROLE_POLICY_NAME = "CognitoAuthoriserMinimum";
/** The function's runtime settings. */
export const FUNCTION_SETTINGS = {
  Runtime: "provided.al2023",
  Handler: "bootstrap",
  Architecture: "x86_64",
  Timeout: 30,
  MemorySize: 512,
  Description: "Cognito credential proxy (deployed by aws-cognito-admin)",
} as const;

/** Where the proxy user's access key comes from. */
export type KeySource =
  | {
    /** Create the user if missing and a key if it has none. */
    mode: "create-user";
    /** The IAM user's name. */
    userName: string;
    /** Make a new key, and delete the one the function used. */
    rotate: boolean;
  }
  | {
    /** Use the key given; its user is found from the key. */
    mode: "given";
    /** Access key id. */
    accessKeyId: string;
    /** Its secret. Never printed. */
    secretAccessKey: string;
  }
  | {
    /** Keep the key the function already has. */
    mode: "keep";
  };

/** What to deploy. */
export interface LambdaDeployRequest {
  /** Region of the function and layer. */
  region: string;
  /** The User Pool whose ID tokens the proxy accepts. */
  userPoolId: string;
  /** App client ids accepted as audience. */
  clientIds: string[];
  /** The function's name. */
  functionName: string;
  /** The proxy bundle (`dist/lambda.zip`). */
  bundle: Uint8Array;
  /** Where the bundle came from, for the plan. */
  bundlePath: string;
  /** The Deno runtime layer. */
  layer: LayerSource;
  /** The layer's name. */
  layerName: string;
  /** Where the user's key comes from. */
  keys: KeySource;
  /** The role the proxy assumes. */
  longLivedRoleName: string;
  /** The function's execution role. */
  executionRoleName: string;
  /** The Identity Pool role that may invoke the function. */
  authRole: RoleChoice;
}

/** What {@linkcode planLambdaDeploy} needs besides the request. */
export interface DeployDeps {
  /** SDK clients. */
  clients: AwsClients;
  /** Waiting between retries (IAM propagation, function updates). */
  backoff: Backoff;
}

/** The proxy user's access key, once known. */
interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The state the steps share while they run. */
interface DeployState {
  key?: Key;
  layerArn?: string;
}

/**
 * Reads AWS and returns the plan. Throws before any change when the request
 * cannot be carried out (keys that do not work, a user whose key cannot be
 * read back, no role to grant invoke to).
 */
export async function planLambdaDeploy(
  request: LambdaDeployRequest,
  deps: DeployDeps,
): Promise<Plan> {
  const { clients } = deps;
  const caller = await getCaller(clients);
  const arn = (service: string, resource: string, regional = false) =>
    `arn:${caller.partition}:${service}:${
      regional ? request.region : ""
    }:${caller.account}:${resource}`;
  const state: DeployState = {};
  const fn = await getFunction(clients, request.functionName);
  const fnEnv = fn?.Environment?.Variables ?? {};

  // --- whose key ---------------------------------------------------------
  const userName = await proxyUserName(clients, request.keys, fnEnv);
  const user = await awsFind(
    `reading IAM user ${userName}`,
    "iam:GetUser",
    () => clients.iam.send(new GetUserCommand({ UserName: userName })),
  );
  if (!user?.User && request.keys.mode !== "create-user") {
    throw new ResourceNotFoundError(
      `The IAM user ${userName} of the access key does not exist.`,
    );
  }
  const userArn = user?.User?.Arn ?? arn("iam", `user/${userName}`);

  const longLived = await findRole(clients, request.longLivedRoleName);
  const longLivedArn = longLived?.Arn ??
    arn("iam", `role/${request.longLivedRoleName}`);
  const execution = await findRole(clients, request.executionRoleName);
  const executionArn = execution?.Arn ??
    arn("iam", `role/${request.executionRoleName}`);
  const functionArn = fn?.FunctionArn ??
    arn("lambda", `function:${request.functionName}`, true);

  const plan = newPlan("Plan: deploy the credential proxy", [
    `account ${caller.account}, region ${request.region}, as ${caller.arn}`,
    `function ${request.functionName} from ${request.bundlePath}`,
    `IAM user ${userName}, long-lived role ${request.longLivedRoleName}, ` +
    `execution role ${request.executionRoleName}`,
  ]);

  // --- 1. the IAM user and its policy -------------------------------------
  if (!user?.User) {
    plan.steps.push({
      call: "iam:CreateUser",
      target: `user ${userName}`,
      run: () =>
        awsCall(
          `creating IAM user ${userName}`,
          "iam:CreateUser",
          () => clients.iam.send(new CreateUserCommand({ UserName: userName })),
        ).then(
          () => {},
        ),
    });
  } else plan.unchanged.push(`IAM user ${userName} exists`);

  const userPolicy = renderPolicy("proxyUser", {
    longLivedRoleArn: longLivedArn,
  });
  const currentUserPolicy = user?.User
    ? await awsFind(
      `reading inline policy ${USER_POLICY_NAME} of user ${userName}`,
      "iam:GetUserPolicy",
      () =>
        clients.iam.send(
          new GetUserPolicyCommand({
            UserName: userName,
            PolicyName: USER_POLICY_NAME,
          }),
        ),
    )
    : undefined;
  if (
    currentUserPolicy &&
    samePolicy(
      decodePolicyDocument(currentUserPolicy.PolicyDocument),
      userPolicy,
    )
  ) {
    plan.unchanged.push(`user ${userName}, inline policy ${USER_POLICY_NAME}`);
  } else {
    plan.steps.push({
      call: "iam:PutUserPolicy",
      target: `user ${userName}, inline policy ${USER_POLICY_NAME}`,
      documents: [{ label: "policy", json: userPolicy }],
      run: () =>
        awsCall(
          `putting policy ${USER_POLICY_NAME} on user ${userName}`,
          "iam:PutUserPolicy",
          () =>
            clients.iam.send(
              new PutUserPolicyCommand({
                UserName: userName,
                PolicyName: USER_POLICY_NAME,
                PolicyDocument: JSON.stringify(userPolicy),
              }),
            ),
        ).then(() => {}),
    });
  }

  // --- 2. the long-lived role ---------------------------------------------
  const longTrust = renderPolicy("longLivedTrust", { proxyUserArn: userArn });
  planRole(plan, deps, {
    roleName: request.longLivedRoleName,
    existing: longLived,
    trust: longTrust,
    maxSessionDuration: LONG_LIVED_MAX_SESSION,
    description:
      "Assumed by the Cognito credential proxy for sessions of up to 12 hours",
  });
  if (!longLived || !(await roleHasPolicies(clients, longLived))) {
    plan.warnings.push(
      `The long-lived role ${request.longLivedRoleName} has no permissions ` +
        "policies, so the 12-hour credentials can do nothing yet. Give it " +
        "some with `aws-cognito-admin role apply-policy --role-name " +
        `${request.longLivedRoleName} --policy-file ... --policy-name ...\`.`,
    );
  }

  // --- 3. the execution role ----------------------------------------------
  planRole(plan, deps, {
    roleName: request.executionRoleName,
    existing: execution,
    trust: renderPolicy("lambdaTrust", {}),
    description: "Execution role of the Cognito credential proxy function",
  });
  planInlineRolePolicy(
    plan,
    clients,
    request.executionRoleName,
    LOGS_POLICY_NAME,
    renderPolicy("lambdaLogs", {
      partition: caller.partition,
      region: request.region,
      account: caller.account,
      functionName: request.functionName,
    }),
    execution
      ? await getRolePolicy(
        clients,
        request.executionRoleName,
        LOGS_POLICY_NAME,
      )
      : undefined,
  );

  // --- 4. the access key --------------------------------------------------
  const oldKeyId = await planAccessKey(plan, deps, state, {
    keys: request.keys,
    userName,
    userExists: Boolean(user?.User),
    fnEnv,
  });

  // --- 5. the runtime layer -----------------------------------------------
  const layerArn = await findLayerVersion(
    clients,
    request.layerName,
    request.layer.description,
  );
  if (layerArn) {
    state.layerArn = layerArn;
    plan.unchanged.push(`layer ${layerArn} (${request.layer.description})`);
  } else {
    plan.steps.push({
      call: "lambda:PublishLayerVersion",
      target: `layer ${request.layerName}`,
      details: [
        `content: ${request.layer.origin}`,
        `description: ${request.layer.description}`,
      ],
      run: async () => {
        const zip = await request.layer.zip();
        const out = await awsCall(
          `publishing layer ${request.layerName}`,
          "lambda:PublishLayerVersion",
          () =>
            clients.lambda.send(
              new PublishLayerVersionCommand({
                LayerName: request.layerName,
                Description: request.layer.description,
                Content: { ZipFile: zip },
                CompatibleRuntimes: [FUNCTION_SETTINGS.Runtime],
                CompatibleArchitectures: [FUNCTION_SETTINGS.Architecture],
              }),
            ),
        );
        state.layerArn = out.LayerVersionArn;
      },
    });
  }

  // --- 6. the function ----------------------------------------------------
  const wantedEnv = (key: Key | undefined): Record<string, string> => ({
    ...fnEnv,
    COGNITO_USER_POOL_ID: request.userPoolId,
    COGNITO_CLIENT_IDS: request.clientIds.join(","),
    DEFAULT_ROLE_ARN: longLivedArn,
    IAM_USER_ACCESS_KEY_ID: key?.accessKeyId ?? "(new access key)",
    IAM_USER_SECRET_ACCESS_KEY: key?.secretAccessKey ?? "(new secret)",
    ROLE_MAX_SESSION_DURATION: String(LONG_LIVED_MAX_SESSION),
  });
  const shownEnv = (key: Key | undefined) => {
    const env = wantedEnv(key);
    return {
      ...env,
      IAM_USER_ACCESS_KEY_ID: key ? maskKeyId(key.accessKeyId) : "(new key)",
      IAM_USER_SECRET_ACCESS_KEY: "(secret, not shown)",
    };
  };
  const configuration = () => ({
    FunctionName: request.functionName,
    Role: executionArn,
    Runtime: FUNCTION_SETTINGS.Runtime,
    Handler: FUNCTION_SETTINGS.Handler,
    Timeout: FUNCTION_SETTINGS.Timeout,
    MemorySize: FUNCTION_SETTINGS.MemorySize,
    Description: FUNCTION_SETTINGS.Description,
    Layers: [state.layerArn!],
    Environment: { Variables: wantedEnv(state.key) },
  });
  const shownConfiguration = {
    role: executionArn,
    runtime: FUNCTION_SETTINGS.Runtime,
    handler: FUNCTION_SETTINGS.Handler,
    architecture: FUNCTION_SETTINGS.Architecture,
    timeout: FUNCTION_SETTINGS.Timeout,
    memorySize: FUNCTION_SETTINGS.MemorySize,
    layers: [state.layerArn ?? `(new version of ${request.layerName})`],
    environment: shownEnv(state.key),
  };
  /** Retries while Lambda cannot assume a role IAM has not propagated. */
  const retryRole = <T>(
    doing: string,
    permission: string,
    call: () => Promise<T>,
  ) =>
    retryWhilePending(call, isRoleNotYetAssumable, deps.backoff).catch(
      (error) => {
        // These calls carry the secret key in the function's environment.
        throw describeAwsError(error, doing, permission, [
          state.key?.secretAccessKey,
        ]);
      },
    );
  const codeSha = await sha256Base64(request.bundle);
  if (!fn) {
    plan.steps.push({
      call: "lambda:CreateFunction",
      target: `function ${request.functionName}`,
      details: ["(waits until the function is Active)"],
      documents: [{ label: "configuration", json: shownConfiguration }],
      run: async () => {
        await retryRole(
          `creating function ${request.functionName}`,
          "lambda:CreateFunction",
          () =>
            clients.lambda.send(
              new CreateFunctionCommand({
                ...configuration(),
                Code: { ZipFile: request.bundle },
                Architectures: [FUNCTION_SETTINGS.Architecture],
                PackageType: "Zip",
              }),
            ),
        );
        await waitUntilReady(deps, request.functionName);
      },
    });
  } else {
    const sameCode = fn.CodeSha256 === codeSha &&
      (fn.Architectures ?? ["x86_64"]).join() ===
        FUNCTION_SETTINGS.Architecture;
    if (sameCode) {
      plan.unchanged.push(
        `function ${request.functionName} code (sha256 ${codeSha})`,
      );
    } else {
      plan.steps.push({
        call: "lambda:UpdateFunctionCode",
        target: `function ${request.functionName}`,
        details: [
          `new code sha256 ${codeSha} (was ${fn.CodeSha256})`,
          "(waits until the update is done)",
        ],
        run: async () => {
          await waitUntilReady(deps, request.functionName);
          await awsCall(
            `updating the code of function ${request.functionName}`,
            "lambda:UpdateFunctionCode",
            () =>
              clients.lambda.send(
                new UpdateFunctionCodeCommand({
                  FunctionName: request.functionName,
                  ZipFile: request.bundle,
                  Architectures: [FUNCTION_SETTINGS.Architecture],
                }),
              ),
          );
          await waitUntilReady(deps, request.functionName);
        },
      });
    }
    const current = {
      role: fn.Role,
      runtime: fn.Runtime,
      handler: fn.Handler,
      timeout: fn.Timeout,
      memorySize: fn.MemorySize,
      layers: (fn.Layers ?? []).map((l) => l.Arn),
      environment: fnEnv,
      description: fn.Description,
    };
    const keyKnown = state.key !== undefined;
    const wanted = {
      role: executionArn,
      runtime: FUNCTION_SETTINGS.Runtime,
      handler: FUNCTION_SETTINGS.Handler,
      timeout: FUNCTION_SETTINGS.Timeout,
      memorySize: FUNCTION_SETTINGS.MemorySize,
      layers: [state.layerArn],
      environment: wantedEnv(state.key),
      description: FUNCTION_SETTINGS.Description,
    };
    if (
      keyKnown && state.layerArn &&
      JSON.stringify(sorted(current)) === JSON.stringify(sorted(wanted))
    ) {
      plan.unchanged.push(`function ${request.functionName} configuration`);
    } else {
      plan.steps.push({
        call: "lambda:UpdateFunctionConfiguration",
        target: `function ${request.functionName}`,
        details: ["(waits until the update is done)"],
        documents: [{ label: "configuration", json: shownConfiguration }],
        run: async () => {
          await waitUntilReady(deps, request.functionName);
          await retryRole(
            `updating the configuration of function ${request.functionName}`,
            "lambda:UpdateFunctionConfiguration",
            () =>
              clients.lambda.send(
                new UpdateFunctionConfigurationCommand(configuration()),
              ),
          );
          await waitUntilReady(deps, request.functionName);
        },
      });
    }
  }

  // --- 7. the Identity Pool role may invoke it ----------------------------
  const authRole = await chooseAuthRole(clients, request.authRole);
  await getExistingRole(
    clients,
    authRole.roleName,
    "Run `aws-cognito-admin setup-identity-pool`, or pass --role-name.",
  );
  planInlineRolePolicy(
    plan,
    clients,
    authRole.roleName,
    AUTH_ROLE_POLICY_NAME,
    renderPolicy("identityPoolRole", { functionArn }),
    await getRolePolicy(clients, authRole.roleName, AUTH_ROLE_POLICY_NAME),
  );
  plan.context.push(
    `Identity Pool role ${authRole.roleName} (${authRole.how})`,
  );

  // --- 8. check, and retire the old key -----------------------------------
  if (plan.steps.length > 0) {
    plan.steps.push({
      call: "sts:AssumeRole",
      target:
        `role ${request.longLivedRoleName} as user ${userName} (check only)`,
      details: [
        "with session tags, as the proxy does; retried while IAM propagates",
      ],
      run: () => checkAssumeRole(deps, state, longLivedArn, caller),
    });
  }
  if (oldKeyId) {
    plan.steps.push({
      call: "iam:DeleteAccessKey",
      target: `user ${userName}, key ${
        maskKeyId(oldKeyId)
      } (the function's old key)`,
      run: () =>
        awsCall(
          `deleting the old access key of user ${userName}`,
          "iam:DeleteAccessKey",
          () =>
            clients.iam.send(
              new DeleteAccessKeyCommand({
                UserName: userName,
                AccessKeyId: oldKeyId,
              }),
            ),
        ).then(() => {}),
    });
  }
  return plan;
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((k) => [
        k,
        sorted((value as Record<string, unknown>)[k]),
      ]),
    );
  }
  return value;
}

async function getFunction(
  clients: AwsClients,
  name: string,
): Promise<FunctionConfiguration | undefined> {
  const out = await awsFind(
    `reading function ${name}`,
    "lambda:GetFunction",
    () => clients.lambda.send(new GetFunctionCommand({ FunctionName: name })),
  );
  return out?.Configuration;
}

function findRole(
  clients: AwsClients,
  roleName: string,
): Promise<Role | undefined> {
  return awsFind(
    `reading role ${roleName}`,
    "iam:GetRole",
    () => clients.iam.send(new GetRoleCommand({ RoleName: roleName })),
  ).then((out) => out?.Role);
}

async function roleHasPolicies(
  clients: AwsClients,
  role: Role,
): Promise<boolean> {
  const inline = await awsCall(
    `listing the inline policies of role ${role.RoleName}`,
    "iam:ListRolePolicies",
    () =>
      clients.iam.send(
        new ListRolePoliciesCommand({ RoleName: role.RoleName }),
      ),
  );
  if ((inline.PolicyNames ?? []).length > 0) return true;
  const attached = await awsCall(
    `listing the managed policies of role ${role.RoleName}`,
    "iam:ListAttachedRolePolicies",
    () =>
      clients.iam.send(
        new ListAttachedRolePoliciesCommand({ RoleName: role.RoleName }),
      ),
  );
  return (attached.AttachedPolicies ?? []).length > 0;
}

/** Finds the user whose key the proxy will use. */
async function proxyUserName(
  clients: AwsClients,
  keys: KeySource,
  fnEnv: Record<string, string>,
): Promise<string> {
  if (keys.mode === "create-user") return keys.userName;
  if (keys.mode === "given") {
    const who = await awsCall(
      `checking the access key ${maskKeyId(keys.accessKeyId)} you gave`,
      "sts:GetCallerIdentity",
      () =>
        clients.stsWith({
          accessKeyId: keys.accessKeyId,
          secretAccessKey: keys.secretAccessKey,
        }).send(new GetCallerIdentityCommand({})),
    );
    const match = /:user\/(?:.*\/)?([^/]+)$/.exec(who.Arn ?? "");
    if (!match) {
      throw new CliError(
        `The access key ${
          maskKeyId(keys.accessKeyId)
        } belongs to ${who.Arn}, ` +
          "which is not an IAM user. The proxy needs an IAM user's key: pass " +
          "one, or use --create-user.",
        ExitCode.usage,
      );
    }
    return match[1];
  }
  const keyId = fnEnv.IAM_USER_ACCESS_KEY_ID;
  if (!keyId || !fnEnv.IAM_USER_SECRET_ACCESS_KEY) {
    throw new CliError(
      "lambda deploy needs the IAM user whose key the proxy uses: pass " +
        "--create-user to create one (or adopt an existing one), or " +
        "--access-key-id with --secret-access-key. (A later deploy of the " +
        "same function can omit both: it keeps the key the function has.)",
      ExitCode.usage,
    );
  }
  const used = await awsCall(
    `finding the user of the function's access key ${maskKeyId(keyId)}`,
    "iam:GetAccessKeyLastUsed",
    () =>
      clients.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId })),
  );
  if (!used.UserName) {
    throw new ResourceNotFoundError(
      `The function's access key ${maskKeyId(keyId)} belongs to no IAM user ` +
        "any more. Pass --create-user or --access-key-id/--secret-access-key.",
    );
  }
  return used.UserName;
}

/** Plans the key; returns the id of a key to delete at the end, if any. */
async function planAccessKey(
  plan: Plan,
  deps: DeployDeps,
  state: DeployState,
  input: {
    keys: KeySource;
    userName: string;
    userExists: boolean;
    fnEnv: Record<string, string>;
  },
): Promise<string | undefined> {
  const { keys, userName, fnEnv } = input;
  const fnKey = fnEnv.IAM_USER_ACCESS_KEY_ID && fnEnv.IAM_USER_SECRET_ACCESS_KEY
    ? {
      accessKeyId: fnEnv.IAM_USER_ACCESS_KEY_ID,
      secretAccessKey: fnEnv.IAM_USER_SECRET_ACCESS_KEY,
    }
    : undefined;
  if (keys.mode === "given") {
    state.key = {
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
    };
    plan.unchanged.push(
      `access key ${maskKeyId(keys.accessKeyId)} of ${userName} (given)`,
    );
    return undefined;
  }
  if (keys.mode === "keep") {
    state.key = fnKey;
    plan.unchanged.push(
      `access key ${
        maskKeyId(fnKey!.accessKeyId)
      } of ${userName} (the function's)`,
    );
    return undefined;
  }
  const existing = input.userExists
    ? (await awsCall(
      `listing the access keys of user ${userName}`,
      "iam:ListAccessKeys",
      () =>
        deps.clients.iam.send(
          new ListAccessKeysCommand({ UserName: userName }),
        ),
    )).AccessKeyMetadata ?? []
    : [];
  const ids = existing.map((k) => k.AccessKeyId ?? "");
  const fnHolds = fnKey !== undefined && ids.includes(fnKey.accessKeyId);
  if (fnHolds && !keys.rotate) {
    state.key = fnKey;
    plan.unchanged.push(
      `access key ${maskKeyId(fnKey!.accessKeyId)} of ${userName}: the ` +
        "function already uses it (no new key; --rotate-key makes one)",
    );
    return undefined;
  }
  if (!keys.rotate && existing.length > 0) {
    throw new AwsRefusedError(
      `IAM user ${userName} already has access key${
        ids.length > 1 ? "s" : ""
      } ${ids.map(maskKeyId).join(" and ")}, and the function does not hold ` +
        "it. A secret cannot be read back from IAM, so this command will not " +
        "guess: pass --access-key-id and --secret-access-key if you have the " +
        "secret, or --rotate-key to create a new key for the function (keys " +
        "the function does not use are left alone).",
    );
  }
  const others = ids.filter((id) => id !== fnKey?.accessKeyId);
  if (existing.length >= 2) {
    throw new AwsRefusedError(
      `IAM user ${userName} already has 2 access keys (${
        ids.map(maskKeyId).join(", ")
      }), the most IAM allows, so a new one cannot be made. Delete one the ` +
        `function does not use (${others.map(maskKeyId).join(", ")}) with ` +
        "`aws iam delete-access-key`, then run this again.",
    );
  }
  plan.steps.push({
    call: "iam:CreateAccessKey",
    target: `user ${userName}`,
    details: [
      "the secret goes only into the function's environment; it is not printed",
    ],
    run: async () => {
      const out = await awsCall(
        `creating an access key for user ${userName}`,
        "iam:CreateAccessKey",
        () =>
          deps.clients.iam.send(
            new CreateAccessKeyCommand({ UserName: userName }),
          ),
      );
      state.key = {
        accessKeyId: out.AccessKey!.AccessKeyId!,
        secretAccessKey: out.AccessKey!.SecretAccessKey!,
      };
    },
  });
  return fnHolds ? fnKey!.accessKeyId : undefined;
}

/** Adds the steps that make a role exist with this trust and duration. */
function planRole(
  plan: Plan,
  deps: DeployDeps,
  wanted: {
    roleName: string;
    existing: Role | undefined;
    trust: PolicyDocument;
    maxSessionDuration?: number;
    description: string;
  },
): void {
  const { clients } = deps;
  const { roleName, existing, trust } = wanted;
  if (!existing) {
    plan.steps.push({
      call: "iam:CreateRole",
      target: `role ${roleName}` +
        (wanted.maxSessionDuration
          ? ` (MaxSessionDuration ${wanted.maxSessionDuration})`
          : ""),
      documents: [{ label: "trust policy", json: trust }],
      run: () =>
        retryWhilePending(
          () =>
            clients.iam.send(
              new CreateRoleCommand({
                RoleName: roleName,
                AssumeRolePolicyDocument: JSON.stringify(trust),
                MaxSessionDuration: wanted.maxSessionDuration,
                Description: wanted.description,
              }),
            ),
          isPrincipalNotYetKnown,
          deps.backoff,
        ).then(() => {}, (error) => {
          throw describeAwsError(
            error,
            `creating role ${roleName}`,
            "iam:CreateRole",
          );
        }),
    });
    return;
  }
  if (
    samePolicy(decodePolicyDocument(existing.AssumeRolePolicyDocument), trust)
  ) {
    plan.unchanged.push(`role ${roleName} trust policy`);
  } else {
    plan.steps.push({
      call: "iam:UpdateAssumeRolePolicy",
      target: `role ${roleName}`,
      documents: [{ label: "trust policy", json: trust }],
      run: () =>
        retryWhilePending(
          () =>
            clients.iam.send(
              new UpdateAssumeRolePolicyCommand({
                RoleName: roleName,
                PolicyDocument: JSON.stringify(trust),
              }),
            ),
          isPrincipalNotYetKnown,
          deps.backoff,
        ).then(() => {}, (error) => {
          throw describeAwsError(
            error,
            `updating the trust policy of role ${roleName}`,
            "iam:UpdateAssumeRolePolicy",
          );
        }),
    });
  }
  if (
    wanted.maxSessionDuration !== undefined &&
    existing.MaxSessionDuration !== wanted.maxSessionDuration
  ) {
    plan.steps.push({
      call: "iam:UpdateRole",
      target: `role ${roleName} (MaxSessionDuration ${
        existing.MaxSessionDuration ?? 3600
      } -> ${wanted.maxSessionDuration})`,
      run: () =>
        awsCall(
          `updating role ${roleName}`,
          "iam:UpdateRole",
          () =>
            clients.iam.send(
              new UpdateRoleCommand({
                RoleName: roleName,
                MaxSessionDuration: wanted.maxSessionDuration,
              }),
            ),
        ).then(() => {}),
    });
  } else if (wanted.maxSessionDuration !== undefined) {
    plan.unchanged.push(
      `role ${roleName} MaxSessionDuration ${wanted.maxSessionDuration}`,
    );
  }
}

/** IAM has not yet seen a principal created a moment ago. */
function isPrincipalNotYetKnown(error: unknown): boolean {
  return awsErrorCode(error) === "MalformedPolicyDocument" &&
    /invalid principal/i.test((error as Error)?.message ?? "");
}

/** The ARN of the layer version with this description, if any. */
async function findLayerVersion(
  clients: AwsClients,
  layerName: string,
  description: string,
): Promise<string | undefined> {
  let marker: string | undefined;
  do {
    const page = await awsCall(
      `listing the versions of layer ${layerName}`,
      "lambda:ListLayerVersions",
      () =>
        clients.lambda.send(
          new ListLayerVersionsCommand({
            LayerName: layerName,
            Marker: marker,
          }),
        ),
    );
    const found = (page.LayerVersions ?? [])
      .filter((v) => v.Description === description)
      .sort((a, b) => (b.Version ?? 0) - (a.Version ?? 0))[0];
    if (found?.LayerVersionArn) return found.LayerVersionArn;
    marker = page.NextMarker;
  } while (marker);
  return undefined;
}

/** Waits (with backoff) until the function is Active and not updating. */
async function waitUntilReady(deps: DeployDeps, name: string): Promise<void> {
  const pending = new Error("function not ready");
  await retryWhilePending(
    async () => {
      const fn = await awsCall(
        `reading the state of function ${name}`,
        "lambda:GetFunctionConfiguration",
        () =>
          deps.clients.lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: name }),
          ),
      );
      if (fn.State === "Failed" || fn.LastUpdateStatus === "Failed") {
        throw new AwsRefusedError(
          `Lambda could not get function ${name} ready: ${
            fn.StateReason ?? fn.LastUpdateStatusReason ?? "no reason given"
          }.`,
        );
      }
      if (fn.State === "Pending" || fn.LastUpdateStatus === "InProgress") {
        throw pending;
      }
    },
    (error) => error === pending,
    { ...deps.backoff, attempts: 15 },
  );
}

/**
 * Assumes the long-lived role with the proxy's key and a session tag, as the
 * proxy will, retrying while IAM propagates the new user, key or trust.
 */
async function checkAssumeRole(
  deps: DeployDeps,
  state: DeployState,
  roleArn: string,
  caller: Caller,
): Promise<void> {
  const key = state.key;
  if (!key) return;
  const sts = deps.clients.stsWith(key);
  const pending = (error: unknown) =>
    ["AccessDenied", "InvalidClientTokenId"].includes(awsErrorCode(error));
  try {
    await retryWhilePending(
      () =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: "aws-cognito-admin-check",
            DurationSeconds: 900,
            Tags: [{ Key: "Source", Value: "aws-cognito-admin" }],
          }),
        ),
      pending,
      deps.backoff,
    );
  } catch (error) {
    throw describeAwsError(
      error,
      `checking that the proxy's key can assume ${roleArn} with session ` +
        `tags in account ${caller.account}`,
      "sts:AssumeRole",
    );
  }
}
