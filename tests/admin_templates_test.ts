/**
 * The pieces under the admin commands, in process and without AWS: policy
 * templates and their checks, the error sentences, retries with backoff
 * (with a fake sleep), plans, and the Deno layer built from an npm tarball.
 */
import assert from "node:assert/strict";
import {
  parsePolicyFile,
  policyProblem,
  renderPolicy,
  samePolicy,
  type TemplateName,
  TEMPLATES,
  trustsCognitoIdentity,
} from "../lib/policies.ts";
import {
  describeAwsError,
  isRoleNotYetAssumable,
  retryWhilePending,
} from "../lib/admin/aws.ts";
import { identitySubWarning } from "../lib/admin/roles.ts";
import {
  checkIntegrity,
  DENO_PACKAGE,
  denoLayerZip,
  extractFromTar,
  gunzip,
  npmDenoLayer,
} from "../lib/admin/deno_layer.ts";
import { formatPlan, newPlan, runPlan, type StepReport } from "../lib/plan.ts";
import { ExitCode, PolicyFileError } from "../lib/errors.ts";
import { tempDir } from "./support/tools.ts";

const VALUES: Record<string, string> = {
  partition: "aws",
  region: "eu-west-2",
  account: "123456789012",
  bucket: "b",
  table: "t",
  functionName: "f",
  functionArn: "arn:aws:lambda:eu-west-2:123456789012:function:f",
  identityPoolId: "eu-west-2:0000",
  longLivedRoleArn: "arn:aws:iam::123456789012:role/L",
  proxyUserArn: "arn:aws:iam::123456789012:user/u",
};
const TRUST: TemplateName[] = [
  "identityPoolTrust",
  "longLivedTrust",
  "lambdaTrust",
];

Deno.test("every template renders with no placeholder left and is a valid policy of its kind", () => {
  for (const name of Object.keys(TEMPLATES) as TemplateName[]) {
    const doc = renderPolicy(name, VALUES);
    assert.ok(!JSON.stringify(doc).includes("{{"), name);
    assert.equal(
      policyProblem(doc, TRUST.includes(name) ? "trust" : "identity"),
      undefined,
      name,
    );
  }
});

Deno.test("renderPolicy fails loudly, naming each placeholder without a value", () => {
  assert.throws(
    () =>
      renderPolicy("dynamodbUserSpecific", { partition: "aws", table: "t" }),
    /\{\{region\}\}, \{\{account\}\}/,
  );
  assert.throws(
    () => renderPolicy("proxyUser", { longLivedRoleArn: "" }),
    /longLivedRoleArn/,
  );
});

Deno.test("no template hard-codes a region, an account or the aws partition", () => {
  const text = JSON.stringify(TEMPLATES);
  assert.doesNotMatch(text, /\d{12}/);
  assert.doesNotMatch(text, /[a-z]{2}-[a-z]+-\d/);
  assert.doesNotMatch(text, /arn:aws:/);
});

Deno.test("the proxy's user policy and the long-lived trust both carry sts:TagSession, and the trust names only the user", () => {
  const user = renderPolicy("proxyUser", VALUES) as {
    Statement: { Action: string[] }[];
  };
  assert.deepEqual(user.Statement[0].Action, [
    "sts:AssumeRole",
    "sts:TagSession",
  ]);
  const trust = renderPolicy("longLivedTrust", VALUES) as {
    Statement: { Principal: unknown; Action: string[] }[];
  };
  assert.equal(trust.Statement.length, 1);
  assert.deepEqual(trust.Statement[0].Principal, { AWS: VALUES.proxyUserArn });
  assert.ok(trust.Statement[0].Action.includes("sts:TagSession"));
});

Deno.test("parsePolicyFile names the file and the fault for each kind of bad document", () => {
  const cases: [string, RegExp][] = [
    ["", /not valid JSON: the file is empty/],
    ["{'a': 1}", /property names must use double quotes/],
    ['"text"', /holds a string/],
    ["{}", /no "Version"/],
    ['{"Version": "2020-01-01", "Statement": []}', /"Version" is "2020-01-01"/],
    ['{"Version": "2012-10-17", "Statement": []}', /"Statement" list is empty/],
    [
      '{"Version": "2012-10-17", "Statement": [1]}',
      /Statement\[0\] must be an object/,
    ],
    [
      '{"Version": "2012-10-17", "Statement": {"Effect": "Permit", "Action": "a:b", "Resource": "*"}}',
      /Statement has "Effect": "Permit"/,
    ],
    [
      '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}',
      /neither "Action" nor "NotAction"/,
    ],
    [
      '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Principal": "*"}]}',
      /names a "Principal"/,
    ],
    [
      '{"Version": "2012-10-17", "Statement": [], "Extra": 1}',
      /the key "Extra"/,
    ],
  ];
  for (const [text, expected] of cases) {
    const error = assert.throws(
      () => parsePolicyFile(text, "/tmp/p.json"),
      (e: unknown) => {
        assert.ok(e instanceof PolicyFileError);
        assert.equal(e.exitCode, ExitCode.policyFile);
        assert.match(e.message, /\/tmp\/p\.json/);
        assert.match(e.message, expected, text);
        return true;
      },
    );
    void error;
  }
});

Deno.test("samePolicy ignores key order, one-item lists and action order", () => {
  assert.ok(samePolicy(
    {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["b", "a"], Resource: "*" }],
    },
    {
      Statement: { Resource: ["*"], Action: ["a", "b"], Effect: "Allow" },
      Version: "2012-10-17",
    },
  ));
  assert.ok(!samePolicy({ Action: "a" }, { Action: "b" }));
});

Deno.test("the sub-isolation warning fires for roles not trusted by Cognito Identity only", () => {
  const doc = renderPolicy("s3UserSpecific", VALUES);
  const cognito = renderPolicy("identityPoolTrust", VALUES);
  const user = renderPolicy("longLivedTrust", VALUES);
  assert.ok(trustsCognitoIdentity(cognito));
  assert.ok(!trustsCognitoIdentity(user));
  assert.equal(identitySubWarning("R", cognito, doc), undefined);
  assert.match(identitySubWarning("L", user, doc)!, /long-lived role/);
  assert.equal(
    identitySubWarning("L", user, renderPolicy("s3Bucket", VALUES)),
    undefined,
  );
});

function sdkError(name: string, message: string, status = 400) {
  return Object.assign(new Error(message), {
    name,
    $metadata: { httpStatusCode: status },
  });
}

Deno.test("describeAwsError turns AccessDenied, NoSuchEntity, LimitExceeded and EntityAlreadyExists into sentences with exit codes", () => {
  const denied = describeAwsError(
    sdkError(
      "AccessDenied",
      "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/X because no identity-based policy allows the iam:CreateRole action",
      403,
    ),
    "creating role X",
    "iam:CreateRole",
  );
  assert.equal(denied.exitCode, ExitCode.awsPermission);
  assert.match(
    denied.message,
    /^AWS denied creating role X: arn:aws:iam::123456789012:user\/bob lacks the permission iam:CreateRole on arn:aws:iam::123456789012:role\/X\./,
  );
  // Without the action in AWS's message, the call's own permission is named.
  const bare = describeAwsError(
    sdkError("AccessDeniedException", "Access denied", 403),
    "publishing layer L",
    "lambda:PublishLayerVersion",
  );
  assert.match(bare.message, /lacks the permission lambda:PublishLayerVersion/);

  const missing = describeAwsError(
    sdkError(
      "NoSuchEntityException",
      "The role with name X cannot be found.",
      404,
    ),
    "reading role X",
    "iam:GetRole",
  );
  assert.equal(missing.exitCode, ExitCode.resourceNotFound);
  assert.match(
    missing.message,
    /while reading role X \(NoSuchEntity\): The role with name X cannot be found\./,
  );

  const limit = describeAwsError(
    sdkError(
      "LimitExceededException",
      "Cannot exceed quota for AccessKeysPerUser: 2",
      409,
    ),
    "creating an access key for user u",
    "iam:CreateAccessKey",
  );
  assert.equal(limit.exitCode, ExitCode.awsRefused);
  assert.match(
    limit.message,
    /a limit was reached \(LimitExceeded\): Cannot exceed quota/,
  );

  const exists = describeAwsError(
    sdkError(
      "EntityAlreadyExistsException",
      "Role with name X already exists.",
      409,
    ),
    "creating role X",
    "iam:CreateRole",
  );
  assert.equal(exists.exitCode, ExitCode.awsRefused);
  assert.match(
    exists.message,
    /already exists or is being changed \(EntityAlreadyExists\)/,
  );
  assert.match(exists.message, /run the command again/);

  const token = describeAwsError(
    sdkError(
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
      403,
    ),
    "finding out which AWS account your credentials belong to",
    "sts:GetCallerIdentity",
  );
  assert.equal(token.exitCode, ExitCode.awsPermission);
  assert.match(token.message, /did not accept your credentials/);

  const noCredentials = describeAwsError(
    Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    }),
    "reading role X",
    "iam:GetRole",
  );
  assert.equal(noCredentials.exitCode, ExitCode.config);
  assert.match(noCredentials.message, /aws configure/);
});

Deno.test("retryWhilePending backs off exponentially up to a cap, and gives up on other errors at once", async () => {
  const waits: number[] = [];
  const sleep = (ms: number) => {
    waits.push(ms);
    return Promise.resolve();
  };
  const notYet = sdkError(
    "InvalidParameterValueException",
    "The role defined for the function cannot be assumed by Lambda.",
  );
  assert.ok(isRoleNotYetAssumable(notYet));
  let calls = 0;
  const result = await retryWhilePending(
    () => ++calls < 6 ? Promise.reject(notYet) : Promise.resolve("created"),
    isRoleNotYetAssumable,
    { sleep, maxDelayMs: 4000 },
  );
  assert.equal(result, "created");
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 4000]);

  waits.length = 0;
  const other = sdkError("ValidationException", "bad");
  await assert.rejects(
    retryWhilePending(() => Promise.reject(other), isRoleNotYetAssumable, {
      sleep,
    }),
    (e) => e === other,
  );
  assert.deepEqual(waits, []);

  calls = 0;
  await assert.rejects(
    retryWhilePending(
      () => {
        calls++;
        return Promise.reject(notYet);
      },
      isRoleNotYetAssumable,
      { sleep, attempts: 3 },
    ),
    (e) => e === notYet,
  );
  assert.equal(calls, 3);
});

Deno.test("runPlan reports every step with its time, and stops at the first failure", async () => {
  const plan = newPlan("Plan: test");
  const ran: string[] = [];
  for (const name of ["a", "b", "c"]) {
    plan.steps.push({
      call: `x:${name}`,
      target: name,
      run: () => {
        ran.push(name);
        return name === "b"
          ? Promise.reject(new Error("boom"))
          : Promise.resolve();
      },
    });
  }
  let clock = 0;
  const reports: StepReport[] = [];
  await assert.rejects(
    runPlan(plan, (r) => reports.push(r), () => (clock += 250)),
    /boom/,
  );
  assert.deepEqual(ran, ["a", "b"]);
  assert.deepEqual(
    reports.map((r) => [r.index, r.total, r.ok, r.stepMs, r.totalMs]),
    [[1, 3, true, 250, 500], [2, 3, false, 250, 1000]],
  );
  assert.match(formatPlan(plan), /3 changes, in this order:\n {2}1\. x:a {2}a/);
});

async function tarGz(files: Record<string, string>): Promise<Uint8Array> {
  await using tmp = await tempDir("templates-test-");
  const dir = tmp.path;
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${name.split("/").slice(0, -1).join("/")}`, {
      recursive: true,
    });
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  const out = await new Deno.Command("tar", {
    args: ["-czf", "-", "-C", dir, ...Object.keys(files)],
    stdout: "piped",
  }).output();
  assert.ok(out.success);
  return out.stdout;
}

Deno.test("the Deno layer: package/deno is taken from an npm-style tarball into an executable bin/deno zip entry", async () => {
  const tgz = await tarGz({
    "package/package.json": "{}",
    "package/deno": "#!/bin/sh\necho fake deno\n",
  });
  const tar = await gunzip(tgz);
  const binary = extractFromTar(tar, "package/deno");
  assert.equal(new TextDecoder().decode(binary), "#!/bin/sh\necho fake deno\n");
  assert.equal(extractFromTar(tar, "package/none"), undefined);

  const zip = await denoLayerZip(binary!);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const central = zip.findIndex((_, i) =>
    view.getUint32(i, true) === 0x02014b50
  );
  assert.ok(central > 0);
  const mode = view.getUint32(central + 38, true) >>> 16;
  assert.equal(mode & 0o777, 0o755);
  assert.equal(
    new TextDecoder().decode(zip.subarray(central + 46, central + 54)),
    "bin/deno",
  );
});

Deno.test("the Deno layer refuses a downloaded tarball that does not match the pinned checksum", async () => {
  const tgz = await tarGz({ "package/deno": "not the real deno" });
  await assert.rejects(
    checkIntegrity(tgz, DENO_PACKAGE.integrity, "the tarball"),
    /does not match its pinned checksum/,
  );
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-512", tgz as Uint8Array<ArrayBuffer>),
  );
  await checkIntegrity(
    tgz,
    `sha512-${btoa(String.fromCharCode(...digest))}`,
    "the tarball",
  );

  const urls: string[] = [];
  const layer = npmDenoLayer({
    registry: "http://registry.invalid/",
    fetch: (input) => {
      urls.push(String(input));
      return Promise.resolve(new Response(tgz as Uint8Array<ArrayBuffer>));
    },
  });
  assert.match(
    layer.description,
    /Deno 2\.9\.6 .*@deno\/linux-x64-glibc@2\.9\.6/,
  );
  await assert.rejects(layer.zip(), /pinned checksum/);
  assert.deepEqual(urls, [
    "http://registry.invalid/@deno/linux-x64-glibc/-/linux-x64-glibc-2.9.6.tgz",
  ]);
});
