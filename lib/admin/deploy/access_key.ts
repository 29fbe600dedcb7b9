/**
 * The proxy user's access key: whose key it is, whether a new one is made,
 * the check that it can assume the long-lived role, and the retirement of
 * the key the function used before (`--rotate-key`).
 *
 * @module
 */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  paginateListAccessKeys,
} from "@aws-sdk/client-iam";
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
} from "@aws-sdk/client-sts";
import {
  AwsRefusedError,
  CliError,
  ExitCode,
  ResourceNotFoundError,
} from "../../errors.ts";
import type { Plan } from "../../plan.ts";
import {
  awsCall,
  type AwsClients,
  awsErrorCode,
  awsListAll,
  type Backoff,
  type Caller,
  describeAwsError,
  maskKeyId,
  retryWhilePending,
} from "../aws.ts";
import type { Key } from "./environment.ts";
import { Later } from "./later.ts";

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

/**
 * Finds the user whose key the proxy will use: the one named, the owner of
 * the key given, or the owner of the key the function holds (`fnKey`).
 */
export async function proxyUserName(
  clients: AwsClients,
  keys: KeySource,
  fnKey: Key | undefined,
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
  if (!fnKey) {
    throw new CliError(
      "lambda deploy needs the IAM user whose key the proxy uses: pass " +
        "--create-user to create one (or adopt an existing one), or " +
        "--access-key-id with --secret-access-key. (A later deploy of the " +
        "same function can omit both: it keeps the key the function has.)",
      ExitCode.usage,
    );
  }
  const keyId = fnKey.accessKeyId;
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

/** What {@linkcode planAccessKey} decided. */
export interface PlannedKey {
  /** The key the function will hold (made by a step when it is new). */
  key: Later<Key>;
  /** A key to delete once the function holds the new one. */
  retire?: string;
}

/**
 * Plans the key: the one given, the one the function holds, or a new one
 * (`iam:CreateAccessKey`). Throws rather than guess when the user has keys
 * the function does not hold, or already has the two IAM allows.
 */
export async function planAccessKey(
  plan: Plan,
  clients: AwsClients,
  input: {
    keys: KeySource;
    userName: string;
    userExists: boolean;
    fnKey: Key | undefined;
  },
): Promise<PlannedKey> {
  const { keys, userName, fnKey } = input;
  if (keys.mode === "given") {
    plan.unchanged.push(
      `access key ${maskKeyId(keys.accessKeyId)} of ${userName} (given)`,
    );
    return {
      key: Later.of("the access key", {
        accessKeyId: keys.accessKeyId,
        secretAccessKey: keys.secretAccessKey,
      }),
    };
  }
  if (keys.mode === "keep") {
    // proxyUserName has made sure the function holds a key.
    const held = fnKey!;
    plan.unchanged.push(
      `access key ${
        maskKeyId(held.accessKeyId)
      } of ${userName} (the function's)`,
    );
    return { key: Later.of("the access key", held) };
  }
  const ids = input.userExists
    ? await awsListAll(
      `listing the access keys of user ${userName}`,
      "iam:ListAccessKeys",
      paginateListAccessKeys({ client: clients.iam }, { UserName: userName }),
      (page) => page.AccessKeyMetadata?.map((k) => k.AccessKeyId!),
    )
    : [];
  const fnHolds = fnKey !== undefined && ids.includes(fnKey.accessKeyId);
  if (fnHolds && !keys.rotate) {
    plan.unchanged.push(
      `access key ${maskKeyId(fnKey.accessKeyId)} of ${userName}: the ` +
        "function already uses it (no new key; --rotate-key makes one)",
    );
    return { key: Later.of("the access key", fnKey) };
  }
  if (!keys.rotate && ids.length > 0) {
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
  if (ids.length >= 2) {
    const others = ids.filter((id) => id !== fnKey?.accessKeyId);
    throw new AwsRefusedError(
      `IAM user ${userName} already has 2 access keys (${
        ids.map(maskKeyId).join(", ")
      }), the most IAM allows, so a new one cannot be made. Delete one the ` +
        `function does not use (${others.map(maskKeyId).join(", ")}) with ` +
        "`aws iam delete-access-key`, then run this again.",
    );
  }
  const key = Later.pending<Key>("the new access key");
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
          clients.iam.send(new CreateAccessKeyCommand({ UserName: userName })),
      );
      key.set({
        accessKeyId: out.AccessKey!.AccessKeyId!,
        secretAccessKey: out.AccessKey!.SecretAccessKey!,
      });
    },
  });
  return { key, retire: fnHolds ? fnKey.accessKeyId : undefined };
}

/**
 * Adds the check that the key can assume the long-lived role with a session
 * tag, as the proxy will (`sts:AssumeRole`, retried while IAM propagates the
 * new user, key or trust).
 */
export function planAssumeRoleCheck(
  plan: Plan,
  input: {
    clients: AwsClients;
    backoff: Backoff;
    key: Later<Key>;
    roleName: string;
    roleArn: string;
    userName: string;
    caller: Caller;
  },
): void {
  const { roleArn } = input;
  plan.steps.push({
    call: "sts:AssumeRole",
    target: `role ${input.roleName} as user ${input.userName} (check only)`,
    details: [
      "with session tags, as the proxy does; retried while IAM propagates",
    ],
    run: async () => {
      const sts = input.clients.stsWith(input.key.get());
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
          input.backoff,
        );
      } catch (error) {
        throw describeAwsError(
          error,
          `checking that the proxy's key can assume ${roleArn} with session ` +
            `tags in account ${input.caller.account}`,
          "sts:AssumeRole",
        );
      }
    },
  });
}

/** Adds the deletion of the key the function used before a rotation. */
export function planRetireKey(
  plan: Plan,
  clients: AwsClients,
  userName: string,
  keyId: string,
): void {
  plan.steps.push({
    call: "iam:DeleteAccessKey",
    target: `user ${userName}, key ${
      maskKeyId(keyId)
    } (the function's old key)`,
    run: () =>
      awsCall(
        `deleting the old access key of user ${userName}`,
        "iam:DeleteAccessKey",
        () =>
          clients.iam.send(
            new DeleteAccessKeyCommand({
              UserName: userName,
              AccessKeyId: keyId,
            }),
          ),
      ).then(() => {}),
  });
}
