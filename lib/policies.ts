/**
 * The IAM policy templates of `policies/` (imported as JSON modules, so a
 * compiled binary carries them), the one function that renders them, and the
 * checks a policy document must pass before it is sent to IAM.
 *
 * Template placeholders are written `{{name}}`; IAM's own policy variables
 * (`${cognito-identity.amazonaws.com:sub}`, `${aws:PrincipalTag/...}`) are
 * left alone.
 *
 * @module
 */
import identityPoolRole from "../policies/identity_pool_role.json" with {
  type: "json",
};
import identityPoolTrust from "../policies/identity_pool_trust.json" with {
  type: "json",
};
import s3Bucket from "../policies/s3_bucket.json" with { type: "json" };
import s3UserSpecific from "../policies/s3_user_specific.json" with {
  type: "json",
};
import dynamodbUserSpecific from "../policies/dynamodb_user_specific.json" with {
  type: "json",
};
import proxyUser from "../policies/proxy_user.json" with { type: "json" };
import longLivedTrust from "../policies/long_lived_trust.json" with {
  type: "json",
};
import lambdaTrust from "../policies/lambda_trust.json" with { type: "json" };
import lambdaLogs from "../policies/lambda_logs.json" with { type: "json" };
import { findJsonSyntaxError } from "./json_error.ts";
import { PolicyFileError } from "./errors.ts";

/** An IAM policy document (identity-based or trust policy). */
export type PolicyDocument = Record<string, unknown>;

/** Every template, by name, as its JSON file holds it. */
export const TEMPLATES = {
  /** Minimum policy of the Identity Pool's authenticated role. */
  identityPoolRole,
  /** Trust policy of the authenticated role: this Identity Pool only. */
  identityPoolTrust,
  /** Read, write and list a whole S3 bucket. */
  s3Bucket,
  /** Each Cognito identity reads and writes under its own S3 prefix. */
  s3UserSpecific,
  /** Each Cognito identity reaches only its own DynamoDB items. */
  dynamodbUserSpecific,
  /** The proxy's IAM user may assume the long-lived role with tags. */
  proxyUser,
  /** The long-lived role trusts exactly the proxy's IAM user. */
  longLivedTrust,
  /** Lambda may assume the function's execution role. */
  lambdaTrust,
  /** The function may write its own CloudWatch logs. */
  lambdaLogs,
} as const satisfies Record<string, PolicyDocument>;

/** The name of one template. */
export type TemplateName = keyof typeof TEMPLATES;

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * Fills the `{{name}}` placeholders of a template and returns a new document.
 * Throws if the template has a placeholder that `values` does not fill, or
 * if a value is empty, so no document ever reaches IAM half-rendered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderPolicy } from "./policies.ts";
 *
 * const policy = renderPolicy("proxyUser", {
 *   longLivedRoleArn: "arn:aws:iam::123456789012:role/CognitoLongLivedRole",
 * });
 * assert.equal(
 *   JSON.stringify(policy).includes("{{"),
 *   false,
 * );
 * assert.throws(() => renderPolicy("proxyUser", {}), /longLivedRoleArn/);
 * ```
 */
export function renderPolicy(
  template: TemplateName,
  values: Record<string, string>,
): PolicyDocument {
  const unfilled = new Set<string>();
  const fill = (text: string): string =>
    text.replace(PLACEHOLDER, (whole, name: string) => {
      const value = Object.hasOwn(values, name) ? values[name] : undefined;
      if (value === undefined || value === "") {
        unfilled.add(name);
        return whole;
      }
      return value;
    });
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return fill(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [fill(k), walk(v)]),
      );
    }
    return value;
  };
  const rendered = walk(TEMPLATES[template]) as PolicyDocument;
  if (unfilled.size > 0) {
    throw new Error(
      `The policy template ${template} has placeholders with no value: ${
        [...unfilled].map((n) => `{{${n}}}`).join(", ")
      }. This is a bug in aws-cognito-admin.`,
    );
  }
  return rendered;
}

const VERSIONS = new Set(["2012-10-17", "2008-10-17"]);
const STATEMENT_KEYS = new Set([
  "Sid",
  "Effect",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
  "Principal",
  "NotPrincipal",
]);

/** Which kind of policy a document must be. */
export type PolicyKind = "identity" | "trust";

/**
 * Checks that a parsed value is shaped like an IAM policy document and
 * returns the problem in words, or `undefined` when it is fine. An
 * identity-based policy (`kind` "identity") needs Action and Resource in each
 * statement and must not name a Principal; a trust policy needs a Principal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyProblem } from "./policies.ts";
 *
 * assert.equal(
 *   policyProblem({
 *     Version: "2012-10-17",
 *     Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
 *   }),
 *   undefined,
 * );
 * assert.match(
 *   policyProblem({ Version: "2012-10-17", Statement: [{ Effect: "allow" }] })!,
 *   /Effect/,
 * );
 * ```
 */
export function policyProblem(
  value: unknown,
  kind: PolicyKind = "identity",
): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `it must hold a JSON object (an IAM policy document), but it holds ${
      kindOf(value)
    }`;
  }
  const doc = value as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!["Version", "Id", "Statement"].includes(key)) {
      return `it has the key "${key}"; a policy document has only "Version", "Id" and "Statement"`;
    }
  }
  if (!("Version" in doc)) {
    return 'it has no "Version"; add "Version": "2012-10-17"';
  }
  if (typeof doc.Version !== "string" || !VERSIONS.has(doc.Version)) {
    return `its "Version" is ${
      JSON.stringify(doc.Version)
    }; it must be "2012-10-17"`;
  }
  if (!("Statement" in doc)) {
    return 'it has no "Statement"; add a list of statements';
  }
  const statements = Array.isArray(doc.Statement)
    ? doc.Statement
    : [doc.Statement];
  if (statements.length === 0) return 'its "Statement" list is empty';
  for (const [index, statement] of statements.entries()) {
    const where = Array.isArray(doc.Statement)
      ? `Statement[${index}]`
      : "Statement";
    const problem = statementProblem(statement, kind);
    if (problem) return `${where} ${problem}`;
  }
  return undefined;
}

function statementProblem(
  statement: unknown,
  kind: PolicyKind,
): string | undefined {
  if (
    typeof statement !== "object" || statement === null ||
    Array.isArray(statement)
  ) {
    return `must be an object, but it is ${kindOf(statement)}`;
  }
  const s = statement as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!STATEMENT_KEYS.has(key)) return `has the unknown key "${key}"`;
  }
  if (!("Effect" in s)) return 'has no "Effect"; give "Allow" or "Deny"';
  if (s.Effect !== "Allow" && s.Effect !== "Deny") {
    return `has "Effect": ${
      JSON.stringify(s.Effect)
    }; it must be "Allow" or "Deny" (with that capitalisation)`;
  }
  const one = (a: string, b: string): string | undefined => {
    if (a in s && b in s) return `has both "${a}" and "${b}"; keep one`;
    if (!(a in s) && !(b in s)) return `has neither "${a}" nor "${b}"`;
    const list = s[a in s ? a : b];
    const items = Array.isArray(list) ? list : [list];
    if (
      items.length === 0 ||
      items.some((item) => typeof item !== "string" || item === "")
    ) {
      return `has a "${
        a in s ? a : b
      }" that is not a non-empty string or list of strings`;
    }
    return undefined;
  };
  const action = one("Action", "NotAction");
  if (action) return action;
  if (kind === "identity") {
    const resource = one("Resource", "NotResource");
    if (resource) return resource;
    if ("Principal" in s || "NotPrincipal" in s) {
      return 'names a "Principal", which only trust and resource policies have';
    }
  } else if (!("Principal" in s) && !("NotPrincipal" in s)) {
    return 'has no "Principal"; a trust policy names who may assume the role';
  }
  if (
    "Condition" in s &&
    (typeof s.Condition !== "object" || s.Condition === null ||
      Array.isArray(s.Condition))
  ) {
    return 'has a "Condition" that is not an object';
  }
  return undefined;
}

/**
 * Parses a policy file's text. Throws {@linkcode PolicyFileError} naming the
 * file and what is wrong: not JSON (with line and column), not an object, no
 * Version or Statement, a bad Effect, and so on.
 */
export function parsePolicyFile(
  text: string,
  path: string,
  kind: PolicyKind = "identity",
): PolicyDocument {
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const where = findJsonSyntaxError(text);
    throw new PolicyFileError(
      where
        ? `The policy file ${path} is not valid JSON: ${where.reason} at line ${where.line}, column ${where.column}. Fix the file and run the command again.`
        : `The policy file ${path} is not valid JSON. Fix the file and run the command again.`,
    );
  }
  const problem = policyProblem(parsed, kind);
  if (problem) {
    throw new PolicyFileError(
      `The policy file ${path} is not an IAM policy document: ${problem}. Fix the file and run the command again.`,
    );
  }
  return parsed as PolicyDocument;
}

/** Reads and checks a policy file (see {@linkcode parsePolicyFile}). */
export async function readPolicyFile(path: string): Promise<PolicyDocument> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "there is no such file"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new PolicyFileError(
      `Cannot read the policy file ${path}: ${why}.`,
      { cause: error },
    );
  }
  return parsePolicyFile(text, path);
}

/**
 * Decodes a policy document as IAM returns it: URL-encoded JSON in
 * `GetRole`, `GetRolePolicy` and `GetUserPolicy` (some stand-ins send plain
 * JSON; both are accepted).
 */
export function decodePolicyDocument(raw: string | undefined): unknown {
  if (raw === undefined || raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return JSON.parse(decodeURIComponent(raw.replace(/\+/g, "%20")));
  }
}

/**
 * Whether two policy documents say the same thing: equal after a single
 * string and a one-item list are treated alike and lists of strings are
 * compared as sets (IAM may answer in either form).
 */
export function samePolicy(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalise);
    if (items.length === 1) return items[0];
    if (items.every((item) => typeof item === "string")) {
      return [...new Set(items as string[])].sort();
    }
    return items;
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((
        key,
      ) => [key, normalise((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The IAM policy variable of a Cognito identity's id. */
export const IDENTITY_SUB_VARIABLE = "${cognito-identity.amazonaws.com:sub}";

/** Whether a policy document uses `${cognito-identity.amazonaws.com:sub}`. */
export function usesIdentitySub(document: unknown): boolean {
  return JSON.stringify(document).includes(IDENTITY_SUB_VARIABLE);
}

/**
 * Whether a trust policy lets Cognito Identity hand out the role
 * (`Principal.Federated` = `cognito-identity.amazonaws.com` with
 * `sts:AssumeRoleWithWebIdentity`): only then do its sessions carry
 * `${cognito-identity.amazonaws.com:sub}`.
 */
export function trustsCognitoIdentity(trust: unknown): boolean {
  const doc = trust as { Statement?: unknown } | undefined;
  const statements = Array.isArray(doc?.Statement)
    ? doc.Statement
    : doc?.Statement
    ? [doc.Statement]
    : [];
  return statements.some((statement) => {
    const s = statement as Record<string, unknown>;
    if (s.Effect !== "Allow") return false;
    const federated = (s.Principal as { Federated?: unknown } | undefined)
      ?.Federated;
    const principals = Array.isArray(federated) ? federated : [federated];
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    return principals.includes("cognito-identity.amazonaws.com") &&
      actions.some((a) =>
        a === "sts:AssumeRoleWithWebIdentity" || a === "sts:*" || a === "*"
      );
  });
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
