import assert from "node:assert/strict";
import { join } from "node:path";
import {
  configFilePath,
  describeSource,
  loadConfigFile,
  loadSettings,
  maskId,
  type ResolvedSettings,
  resolveSettings,
  saveConfigFile,
  type SettingName,
  type Settings,
  type SettingSource,
  type SharedFlagName,
  sourceOf,
  validateSettings,
} from "../lib/config.ts";
import { ConfigError, ExitCode } from "../lib/errors.ts";
import { withTempDir } from "./support/tools.ts";

const isWindows = Deno.build.os === "windows";

const META = {
  configPath: "/home/me/.cognito-cli-config.json",
  configFileFound: true,
};

/** Resolved settings built from one source, for validation tests. */
function resolvedFrom(
  values: Settings,
  source: SettingSource,
  configPath = META.configPath,
): ResolvedSettings {
  const sources: Partial<Record<SettingName, SettingSource>> = {};
  for (const name of Object.keys(values) as SettingName[]) {
    sources[name] = source;
  }
  return {
    values,
    sources,
    configPath,
    configFileFound: true,
    unknownFileKeys: [],
  };
}

function configErrorFrom(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(
      error instanceof ConfigError,
      `expected ConfigError, got ${error}`,
    );
    assert.equal(error.exitCode, ExitCode.config);
    return error;
  }
  assert.fail("expected a ConfigError");
}

async function configErrorFromAsync(
  fn: () => Promise<unknown>,
): Promise<ConfigError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(
      error instanceof ConfigError,
      `expected ConfigError, got ${error}`,
    );
    return error;
  }
  assert.fail("expected a ConfigError");
}

// --- resolveSettings -------------------------------------------------------

Deno.test("resolveSettings takes flags over env over file and records each source", () => {
  const resolved = resolveSettings(
    { userPoolId: "us-east-1_FromFlag1" },
    {
      COGNITO_USER_POOL_ID: "us-east-1_FromEnv1",
      COGNITO_CLIENT_ID: "envclient123",
    },
    {
      userPoolId: "us-east-1_FromFile1",
      clientId: "fileclient123",
      identityPoolId: "us-east-1:a988108b-e448-4596-8be6-059e064351f5",
      region: "eu-west-2",
      lambdaFunctionName: "my-proxy",
    },
    META,
  );
  assert.deepEqual(resolved.values, {
    userPoolId: "us-east-1_FromFlag1",
    clientId: "envclient123",
    identityPoolId: "us-east-1:a988108b-e448-4596-8be6-059e064351f5",
    region: "eu-west-2",
    lambdaFunctionName: "my-proxy",
    callbackPort: "47291",
  });
  assert.deepEqual(resolved.sources, {
    userPoolId: "flag",
    clientId: "env",
    identityPoolId: "file",
    region: "file",
    lambdaFunctionName: "file",
    callbackPort: "default",
  });
  assert.equal(resolved.configPath, META.configPath);
  assert.equal(resolved.configFileFound, true);
});

Deno.test("resolveSettings ignores empty and blank values and trims the rest", () => {
  const resolved = resolveSettings(
    { clientId: "", region: "   " },
    {
      COGNITO_CLIENT_ID: "",
      COGNITO_IDENTITY_POOL_ID: "  us-east-1:abc-123 \n",
      AWS_REGION: "",
    },
    { clientId: "fileclient123", region: " ap-southeast-1 " },
    META,
  );
  assert.equal(resolved.values.clientId, "fileclient123");
  assert.equal(resolved.sources.clientId, "file");
  assert.equal(resolved.values.identityPoolId, "us-east-1:abc-123");
  assert.equal(resolved.sources.identityPoolId, "env");
  assert.equal(resolved.values.region, "ap-southeast-1");
  assert.equal(resolved.sources.region, "file");
});

Deno.test("resolveSettings derives the region from the user pool id when none is set", () => {
  const resolved = resolveSettings(
    {},
    { COGNITO_USER_POOL_ID: "eu-central-1_AbC123xyz" },
    undefined,
    { configPath: META.configPath, configFileFound: false },
  );
  assert.equal(resolved.values.region, "eu-central-1");
  assert.equal(resolved.sources.region, "derived");
  assert.equal(resolved.configFileFound, false);
});

Deno.test("resolveSettings prefers an explicit region over the user pool id's prefix", () => {
  const resolved = resolveSettings(
    { userPoolId: "eu-central-1_AbC123xyz" },
    { AWS_REGION: "us-west-2" },
    undefined,
    META,
  );
  assert.equal(resolved.values.region, "us-west-2");
  assert.equal(resolved.sources.region, "env");
});

Deno.test("resolveSettings does not derive a region from a pool id without a region prefix", () => {
  const resolved = resolveSettings(
    { userPoolId: "local_AbC123" },
    {},
    undefined,
    META,
  );
  assert.equal(resolved.values.region, undefined);
  assert.equal(resolved.sources.region, undefined);
});

Deno.test("resolveSettings ignores AWS_DEFAULT_REGION: the region comes from --region, AWS_REGION, the file, then the pool id", () => {
  const pool = { COGNITO_USER_POOL_ID: "us-east-1_AbC123xyz" };
  const fileWins = resolveSettings(
    {},
    { AWS_DEFAULT_REGION: "eu-west-1", ...pool },
    { region: "us-east-1" },
    META,
  );
  assert.equal(fileWins.values.region, "us-east-1");
  assert.equal(fileWins.sources.region, "file");
  assert.deepEqual(fileWins.warnings, []);

  const derived = resolveSettings(
    {},
    { AWS_DEFAULT_REGION: "eu-west-1", ...pool },
    undefined,
    META,
  );
  assert.equal(derived.values.region, "us-east-1");
  assert.equal(derived.sources.region, "derived");

  const envWins = resolveSettings(
    {},
    { AWS_REGION: "us-east-2", AWS_DEFAULT_REGION: "us-gov-west-1", ...pool },
    { region: "us-east-1" },
    META,
  );
  assert.equal(envWins.values.region, "us-east-2");
  assert.equal(envWins.envNames?.region, "AWS_REGION");

  const flagWins = resolveSettings(
    { region: "us-east-1" },
    { AWS_REGION: "us-east-2", ...pool },
    undefined,
    META,
  );
  assert.equal(flagWins.values.region, "us-east-1");
  assert.equal(flagWins.sources.region, "flag");
});

Deno.test("resolveSettings warns, naming where it came from, when a given region differs from the user pool id's", () => {
  const resolved = resolveSettings(
    {},
    { AWS_REGION: "eu-west-1", COGNITO_USER_POOL_ID: "us-east-1_AbC123xyz" },
    undefined,
    META,
  );
  assert.equal(resolved.values.region, "eu-west-1");
  assert.equal(resolved.warnings?.length, 1);
  assert.match(
    resolved.warnings![0],
    /region eu-west-1 \(from env AWS_REGION\) differs from the user pool id's region us-east-1/,
  );
  const fromFile = resolveSettings(
    {},
    {},
    { region: "eu-west-2", userPoolId: "us-east-1_AbC123xyz" },
    META,
  );
  assert.match(
    fromFile.warnings![0],
    /\(from file \/home\/me\/.cognito-cli-config.json\)/,
  );
});

Deno.test("resolveSettings defaults the Lambda function name and reads COGNITO_LAMBDA_FUNCTION_NAME", () => {
  const byDefault = resolveSettings({}, {}, undefined, META);
  assert.equal(byDefault.values.lambdaFunctionName, "cognito-credential-proxy");
  assert.equal(byDefault.sources.lambdaFunctionName, "default");

  const fromEnv = resolveSettings(
    {},
    { COGNITO_LAMBDA_FUNCTION_NAME: "other-proxy" },
    { lambdaFunctionName: "file-proxy" },
    META,
  );
  assert.equal(fromEnv.values.lambdaFunctionName, "other-proxy");
  assert.equal(fromEnv.sources.lambdaFunctionName, "env");
});

// --- configFilePath / loadSettings -----------------------------------------

Deno.test("configFilePath uses ~/.cognito-cli-config.json under HOME, else USERPROFILE", () => {
  assert.equal(
    configFilePath({ HOME: "/home/me" }),
    join("/home/me", ".cognito-cli-config.json"),
  );
  assert.equal(
    configFilePath({ USERPROFILE: "/users/me" }),
    join("/users/me", ".cognito-cli-config.json"),
  );
});

Deno.test("configFilePath lets COGNITO_CLI_CONFIG override the path", () => {
  assert.equal(
    configFilePath({
      HOME: "/home/me",
      COGNITO_CLI_CONFIG: "/etc/cognito.json",
    }),
    "/etc/cognito.json",
  );
  assert.equal(
    configFilePath({
      HOME: "/home/me",
      COGNITO_CLI_CONFIG: "~/cfg/cognito.json",
    }),
    join("/home/me", "cfg/cognito.json"),
  );
  assert.equal(
    configFilePath({ HOME: "/home/me", COGNITO_CLI_CONFIG: "" }),
    join("/home/me", ".cognito-cli-config.json"),
  );
  assert.equal(
    configFilePath({ COGNITO_CLI_CONFIG: "/etc/cognito.json" }),
    "/etc/cognito.json",
  );
});

Deno.test("configFilePath throws ConfigError when there is no home and no override", () => {
  const error = configErrorFrom(() => configFilePath({}));
  assert.match(error.message, /HOME/);
  assert.match(error.message, /COGNITO_CLI_CONFIG/);
});

Deno.test("loadSettings reads the file named by COGNITO_CLI_CONFIG and reports unknown keys", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "elsewhere.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        user_pool_id: "ap-south-1_Xyz789",
        client_id: "fileclient",
        auth_role_name: "Cognito_Pool_Auth_Role",
        theme: "dark",
      }),
    );
    // A file in HOME that must not be read.
    await Deno.writeTextFile(
      join(dir, ".cognito-cli-config.json"),
      JSON.stringify({ client_id: "homeclient" }),
    );
    const resolved = await loadSettings(
      { identityPoolId: "ap-south-1:a988108b-e448" },
      { HOME: dir, COGNITO_CLI_CONFIG: path },
    );
    assert.equal(resolved.configPath, path);
    assert.equal(resolved.configFileFound, true);
    assert.deepEqual(resolved.unknownFileKeys, ["theme"]);
    assert.equal(resolved.values.clientId, "fileclient");
    assert.equal(resolved.values.authRoleName, "Cognito_Pool_Auth_Role");
    assert.equal(resolved.values.region, "ap-south-1");
    assert.equal(resolved.sources.identityPoolId, "flag");
  });
});

Deno.test("loadSettings works without a config file", async () => {
  await withTempDir("config_test_", async (dir) => {
    const resolved = await loadSettings({}, {
      HOME: dir,
      COGNITO_CLIENT_ID: "abc123",
    });
    assert.equal(resolved.configPath, join(dir, ".cognito-cli-config.json"));
    assert.equal(resolved.configFileFound, false);
    assert.deepEqual(resolved.unknownFileKeys, []);
    assert.equal(resolved.values.clientId, "abc123");
  });
});

// --- loadConfigFile --------------------------------------------------------

Deno.test("loadConfigFile returns undefined for a missing file", async () => {
  await withTempDir("config_test_", async (dir) => {
    assert.equal(await loadConfigFile(join(dir, "nope.json")), undefined);
  });
});

Deno.test("loadConfigFile maps snake_case keys and keeps the raw object", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "c.json");
    const raw = {
      user_pool_id: "us-east-1_AbC123xyz",
      client_id: "abc",
      identity_pool_id: "us-east-1:a988108b-e448-4596-8be6-059e064351f5",
      region: "us-east-1",
      lambda_function_name: "proxy",
      extra: { nested: [1, 2] },
    };
    // Windows editors may add a byte order mark.
    await Deno.writeTextFile(path, "\uFEFF" + JSON.stringify(raw, null, 4));
    const loaded = await loadConfigFile(path);
    assert.deepEqual(loaded?.settings, {
      userPoolId: "us-east-1_AbC123xyz",
      clientId: "abc",
      identityPoolId: "us-east-1:a988108b-e448-4596-8be6-059e064351f5",
      region: "us-east-1",
      lambdaFunctionName: "proxy",
    });
    assert.deepEqual(loaded?.raw, raw);
  });
});

Deno.test("loadConfigFile rejects invalid JSON naming the file, line and column", async () => {
  const cases: {
    text: string;
    line: number;
    column: number;
    reason: RegExp;
  }[] = [
    {
      text:
        '{\n  "user_pool_id": "us-east-1_AbC123xyz"\n  "client_id": "abc"\n}\n',
      line: 3,
      column: 3,
      reason: /expected ',' or '}'/,
    },
    {
      text: '{\n  "region": "us-east-1",\n}\n',
      line: 2,
      column: 24,
      reason: /comma/,
    },
    {
      text: '{"region": us-east-1}',
      line: 1,
      column: 12,
      reason: /double quotes/,
    },
    {
      text: "{'region': 'us-east-1'}",
      line: 1,
      column: 2,
      reason: /double quotes/,
    },
    {
      text: '{\r\n"region": "us-east-1\r\n}',
      line: 2,
      column: 21,
      reason: /U\+000D/,
    },
    {
      text: '{"region": "us-east-1"',
      line: 1,
      column: 23,
      reason: /file ends/,
    },
    { text: '{"a": 1} {"b": 2}', line: 1, column: 10, reason: /after the end/ },
    { text: '{"a": [1, 2,]}', line: 1, column: 12, reason: /comma/ },
    { text: '{"a": 01}', line: 1, column: 7, reason: /invalid number/ },
    { text: '{"a": "\\x"}', line: 1, column: 8, reason: /escape/ },
    { text: "", line: 1, column: 1, reason: /empty/ },
    {
      text: '{"region": "é", "x": tru}',
      line: 1,
      column: 22,
      reason: /unexpected 't'/,
    },
  ];
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "broken.json");
    for (const { text, line, column, reason } of cases) {
      await Deno.writeTextFile(path, text);
      const error = await configErrorFromAsync(() => loadConfigFile(path));
      const where = `${JSON.stringify(text)} -> ${error.message}`;
      assert.ok(error.message.includes(path), where);
      assert.ok(
        error.message.includes(`line ${line}, column ${column}`),
        where,
      );
      assert.ok(error.message.includes(`${path}:${line}:${column}`), where);
      assert.match(error.message, reason, where);
      assert.match(error.message, /not valid JSON/, where);
      assert.match(error.message, /configure/, where);
    }
  });
});

Deno.test("loadConfigFile does not quote the file's text in a JSON error", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "c.json");
    await Deno.writeTextFile(path, '{"note": "do-not-echo-me", "x": nope}');
    const error = await configErrorFromAsync(() => loadConfigFile(path));
    assert.ok(!error.message.includes("do-not-echo-me"), error.message);
  });
});

Deno.test("loadConfigFile's JSON error keeps no cause that quotes the file's text (--debug prints causes)", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "c.json");
    // An unquoted value: V8's own message would quote the start of it.
    await Deno.writeTextFile(path, '{"client_secret": Zq7secretvalue9}');
    const error = await configErrorFromAsync(() => loadConfigFile(path));
    const said: string[] = [];
    for (let e: unknown = error; e; e = (e as Error).cause) {
      said.push(String((e as Error).message ?? e));
    }
    assert.ok(!said.join("\n").includes("Zq7"), said.join("\n"));
  });
});

Deno.test("loadConfigFile rejects a top level that is not an object", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "c.json");
    for (
      const [text, kind] of [["[]", "an array"], ['"us-east-1"', "a string"], [
        "null",
        "null",
      ]]
    ) {
      await Deno.writeTextFile(path, text);
      const error = await configErrorFromAsync(() => loadConfigFile(path));
      assert.ok(error.message.includes(path), error.message);
      assert.match(error.message, /JSON object/);
      assert.ok(error.message.includes(kind), error.message);
    }
  });
});

Deno.test("loadConfigFile rejects known keys whose value is not a string, naming each key", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "c.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        user_pool_id: "us-east-1_AbC",
        region: 1,
        client_id: null,
        auth_role_name: ["Role"],
        other: 5,
      }),
    );
    const error = await configErrorFromAsync(() => loadConfigFile(path));
    assert.ok(error.message.includes(path), error.message);
    assert.match(error.message, /"region" \(a number\)/);
    assert.match(error.message, /"client_id" \(null\)/);
    assert.match(error.message, /"auth_role_name" \(an array\)/);
    assert.doesNotMatch(error.message, /user_pool_id|other/);
  });
});

Deno.test("loadConfigFile turns an unreadable path into a ConfigError", async () => {
  await withTempDir("config_test_", async (dir) => {
    const error = await configErrorFromAsync(() => loadConfigFile(dir));
    assert.ok(error.message.includes(dir), error.message);
    assert.match(error.message, /Could not read/);
  });
});

// --- validateSettings ------------------------------------------------------

const VALID: { name: SettingName; value: string }[] = [
  { name: "userPoolId", value: "us-east-1_AbC123xyz" }, // real AWS
  { name: "userPoolId", value: "us-east-1_7d3223d999794a30a2bb7df81c784ba4" }, // moto
  { name: "userPoolId", value: "us-gov-west-1_a1" },
  { name: "clientId", value: "1h57kf5cpq17m0eml12EXAMPLE" }, // real AWS
  { name: "clientId", value: "872c64b892314b438325a66aca" }, // moto
  { name: "clientId", value: "a+b_c" },
  { name: "authRoleName", value: "Cognito_MyPool_Auth_Role" },
  { name: "authRoleName", value: "a+=,.@_-".repeat(8) },
  { name: "clientId", value: "x".repeat(128) },
  {
    name: "identityPoolId",
    value: "us-east-1:a988108b-e448-4596-8be6-059e064351f5",
  },
  { name: "identityPoolId", value: "eu-west-2:0123abcd" },
  { name: "region", value: "us-east-1" },
  { name: "region", value: "eu-west-2" },
  { name: "region", value: "us-gov-west-1" },
  { name: "region", value: "cn-north-1" },
  { name: "region", value: "ap-southeast-1" },
  { name: "region", value: "us-isob-east-1" },
  { name: "lambdaFunctionName", value: "cognito-credential-proxy" },
  { name: "lambdaFunctionName", value: "my_func.v2:prod" },
  { name: "lambdaFunctionName", value: "123456789012:function:my-function" },
  {
    name: "lambdaFunctionName",
    value: "arn:aws:lambda:us-west-2:123456789012:function:my-function:$LATEST",
  },
];

Deno.test("validateSettings accepts real-AWS-shaped and moto-shaped values", () => {
  for (const { name, value } of VALID) {
    const settings = validateSettings(resolvedFrom({ [name]: value }, "file"), [
      name,
    ]);
    assert.equal(settings[name], value);
  }
});

const MALFORMED: {
  name: SettingName;
  value: string;
  env: string;
  flag: string;
}[] = [
  {
    name: "userPoolId",
    value: "us-east-1AbC123xyz",
    env: "COGNITO_USER_POOL_ID",
    flag: "--user-pool-id",
  },
  {
    name: "userPoolId",
    value: "us-east-1_AbC-123",
    env: "COGNITO_USER_POOL_ID",
    flag: "--user-pool-id",
  },
  {
    name: "userPoolId",
    value: `us-east-1_${"a".repeat(46)}`,
    env: "COGNITO_USER_POOL_ID",
    flag: "--user-pool-id",
  },
  {
    name: "clientId",
    value: "client id",
    env: "COGNITO_CLIENT_ID",
    flag: "--client-id",
  },
  {
    name: "clientId",
    value: "abc-def",
    env: "COGNITO_CLIENT_ID",
    flag: "--client-id",
  },
  {
    name: "clientId",
    value: "x".repeat(129),
    env: "COGNITO_CLIENT_ID",
    flag: "--client-id",
  },
  {
    name: "identityPoolId",
    value: "us-east-1_a988108b",
    env: "COGNITO_IDENTITY_POOL_ID",
    flag: "--identity-pool-id",
  },
  {
    name: "identityPoolId",
    value: "us-east-1:A988108B-E448",
    env: "COGNITO_IDENTITY_POOL_ID",
    flag: "--identity-pool-id",
  },
  { name: "region", value: "US-EAST-1", env: "AWS_REGION", flag: "--region" },
  { name: "region", value: "useast1", env: "AWS_REGION", flag: "--region" },
  { name: "region", value: "us-east", env: "AWS_REGION", flag: "--region" },
  {
    name: "lambdaFunctionName",
    value: "my function",
    env: "COGNITO_LAMBDA_FUNCTION_NAME",
    flag: "--lambda-function-name",
  },
  {
    name: "lambdaFunctionName",
    value: "f".repeat(141),
    env: "COGNITO_LAMBDA_FUNCTION_NAME",
    flag: "--lambda-function-name",
  },
];

const LABELS: Partial<Record<SettingName, string>> = {
  userPoolId: "user pool id",
  clientId: "client id",
  identityPoolId: "identity pool id",
  region: "region",
  lambdaFunctionName: "Lambda function name",
  clientSecret: "client secret",
  classicRoleArn: "classic flow role ARN",
  authRoleName: "authenticated role name",
};

Deno.test("validateSettings rejects malformed values naming the setting, its source, the value and the fix", () => {
  for (const { name, value, env, flag } of MALFORMED) {
    const fromFile = configErrorFrom(() =>
      validateSettings(
        resolvedFrom({ [name]: value }, "file", "/cfg/c.json"),
        [],
      )
    );
    const where = fromFile.message;
    assert.ok(where.includes(LABELS[name]!), where);
    assert.ok(where.includes(JSON.stringify(value).slice(0, 40)), where);
    assert.ok(where.includes("(from file /cfg/c.json)"), where);
    assert.match(where, /expected /);
    assert.match(where, /aws-cognito-auth configure/);

    const fromEnv = configErrorFrom(() =>
      validateSettings(
        resolveSettings({}, { [env]: value }, undefined, META),
        [],
      )
    );
    assert.ok(fromEnv.message.includes(`(from env ${env})`), fromEnv.message);
    assert.ok(fromEnv.message.includes(`Set ${env}`), fromEnv.message);

    const fromFlag = configErrorFrom(() =>
      validateSettings(
        resolveSettings({ [name]: value }, {}, undefined, META),
        [],
      )
    );
    assert.ok(
      fromFlag.message.includes(`(from flag ${flag})`),
      fromFlag.message,
    );
  }
});

Deno.test("validateSettings names the variable a bad region came from", () => {
  const error = configErrorFrom(() =>
    validateSettings(
      resolveSettings({}, { AWS_REGION: "nowhere" }, undefined, META),
      [],
    )
  );
  assert.match(error.message, /region "nowhere" \(from env AWS_REGION\)/);
  assert.match(error.message, /Set AWS_REGION/);
});

Deno.test("validateSettings lists every missing and malformed setting in one error", () => {
  const resolved = resolveSettings(
    {},
    { COGNITO_CLIENT_ID: "bad client" },
    undefined,
    {
      configPath: META.configPath,
      configFileFound: false,
    },
  );
  const error = configErrorFrom(() =>
    validateSettings(resolved, [
      "userPoolId",
      "clientId",
      "identityPoolId",
      "region",
    ])
  );
  const lines = error.message.split("\n");
  assert.match(lines[0], /^4 settings are missing or malformed/);
  assert.equal(lines.length, 5, error.message);
  assert.match(
    error.message,
    /user pool id is not set\. Run `aws-cognito-auth configure` or set COGNITO_USER_POOL_ID/,
  );
  assert.match(
    error.message,
    /client id "bad client" \(from env COGNITO_CLIENT_ID\) is malformed/,
  );
  assert.match(
    error.message,
    /identity pool id is not set.*COGNITO_IDENTITY_POOL_ID/,
  );
  assert.match(
    error.message,
    /region is not set and cannot be derived.*AWS_REGION/,
  );
});

Deno.test("validateSettings only requires the names asked for", () => {
  const resolved = resolveSettings(
    {},
    { COGNITO_CLIENT_ID: "abc123" },
    undefined,
    META,
  );
  const settings = validateSettings(resolved, ["clientId"]);
  const clientId: string = settings.clientId; // typed as present
  assert.equal(clientId, "abc123");
  assert.equal(settings.lambdaFunctionName, "cognito-credential-proxy");
});

Deno.test("validateSettings allows a user pool and an identity pool in different regions", () => {
  const resolved = resolveSettings(
    {
      userPoolId: "us-east-1_AbC123xyz",
      identityPoolId: "eu-west-1:a988108b-e448-4596-8be6-059e064351f5",
    },
    {},
    undefined,
    META,
  );
  const settings = validateSettings(resolved, [
    "userPoolId",
    "identityPoolId",
    "region",
  ]);
  assert.equal(settings.region, "us-east-1");
});

// --- saveConfigFile --------------------------------------------------------

Deno.test("saveConfigFile writes mode 0600 snake_case JSON that loadConfigFile reads back", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "nested", "deeper", "c.json");
    const settings: Settings = {
      userPoolId: "us-east-1_7d3223d999794a30a2bb7df81c784ba4",
      clientId: "872c64b892314b438325a66aca",
      identityPoolId: "us-east-1:a988108b-e448-4596-8be6-059e064351f5",
      region: "us-east-1",
      lambdaFunctionName: undefined,
    };
    await saveConfigFile(path, settings);

    const text = await Deno.readTextFile(path);
    assert.equal(
      text,
      '{\n  "user_pool_id": "us-east-1_7d3223d999794a30a2bb7df81c784ba4",\n' +
        '  "client_id": "872c64b892314b438325a66aca",\n' +
        '  "identity_pool_id": "us-east-1:a988108b-e448-4596-8be6-059e064351f5",\n' +
        '  "region": "us-east-1"\n}\n',
    );
    if (!isWindows) assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);

    const loaded = await loadConfigFile(path);
    assert.deepEqual(loaded?.settings, {
      userPoolId: settings.userPoolId,
      clientId: settings.clientId,
      identityPoolId: settings.identityPoolId,
      region: settings.region,
    });
  });
});

Deno.test("saveConfigFile replaces the file atomically and leaves no temp file behind", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "c.json");
    await Deno.writeTextFile(path, '{"region": "eu-west-1"}', { mode: 0o644 });
    if (!isWindows) await Deno.chmod(path, 0o644);
    const before = await Deno.stat(path);

    await saveConfigFile(path, { region: "us-east-1" });

    const entries = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry.name);
    assert.deepEqual(entries, ["c.json"]);
    if (!isWindows) {
      const after = await Deno.stat(path);
      assert.notEqual(after.ino, before.ino, "the file was replaced by rename");
      assert.equal(after.mode! & 0o777, 0o600);
    }
    assert.deepEqual((await loadConfigFile(path))?.settings, {
      region: "us-east-1",
    });
  });
});

Deno.test("saveConfigFile removes its temp file when the write fails", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "c.json");
    await Deno.mkdir(path); // rename over a folder fails
    const error = await configErrorFromAsync(() =>
      saveConfigFile(path, { region: "us-east-1" })
    );
    assert.ok(error.message.includes(path), error.message);
    const entries = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry.name);
    assert.deepEqual(entries, ["c.json"]);
  });
});

Deno.test("saveConfigFile keeps unknown keys and their order, and drops unset known keys", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "c.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        theme: "dark",
        region: "eu-west-1",
        client_id: "oldclient",
        nested: { a: [1, null, true] },
      }),
    );
    const previous = await loadConfigFile(path);
    await saveConfigFile(path, {
      region: "us-east-1",
      userPoolId: "us-east-1_New1",
    }, previous?.raw);

    const after = await loadConfigFile(path);
    assert.deepEqual(Object.keys(after!.raw), [
      "theme",
      "region",
      "nested",
      "user_pool_id",
    ]);
    assert.deepEqual(after!.raw, {
      theme: "dark",
      region: "us-east-1",
      nested: { a: [1, null, true] },
      user_pool_id: "us-east-1_New1",
    });
  });
});

Deno.test("saveConfigFile keeps a __proto__ key from the old file as plain data", async () => {
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "c.json");
    const raw = JSON.parse(
      '{"__proto__": {"polluted": true}, "region": "us-east-1"}',
    );
    await saveConfigFile(path, { region: "us-east-1" }, raw);
    const text = await Deno.readTextFile(path);
    assert.match(text, /"__proto__": \{\n {4}"polluted": true/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

Deno.test({
  name:
    "saveConfigFile writes through a symlinked config file and keeps the link",
  ignore: isWindows,
  fn: async () => {
    await withTempDir("config_test_", async (dir) => {
      const target = join(dir, "dotfiles", "cognito.json");
      await Deno.mkdir(join(dir, "dotfiles"));
      await Deno.writeTextFile(target, "{}");
      const link = join(dir, ".cognito-cli-config.json");
      await Deno.symlink(target, link);

      await saveConfigFile(link, { clientId: "abc123" });

      assert.ok((await Deno.lstat(link)).isSymlink);
      assert.deepEqual((await loadConfigFile(target))?.settings, {
        clientId: "abc123",
      });
    });
  },
});

// --- maskId / describeSource ----------------------------------------------

Deno.test("maskId never shows the whole id", () => {
  const ids = [
    "us-east-1_AbC123xyz",
    "us-east-1_7d3223d999794a30a2bb7df81c784ba4",
    "us-east-1:a988108b-e448-4596-8be6-059e064351f5",
    "872c64b892314b438325a66aca",
    "1h57kf5cpq17m0eml12EXAMPLE",
    "abcdefgh",
    "abc",
    "a",
    "",
    "us-east-1_",
    "us-east-1_a",
  ];
  for (const id of ids) {
    const masked = maskId(id);
    assert.notEqual(masked, id);
    if (id.length > 0) assert.ok(!masked.includes(id), `${id} -> ${masked}`);
  }
});

Deno.test("maskId keeps a recognisable prefix and the last 4 characters", () => {
  assert.equal(
    maskId("us-east-1_7d3223d999794a30a2bb7df81c784ba4"),
    "us-east-1_7d3…4ba4",
  );
  assert.equal(
    maskId("us-east-1:a988108b-e448-4596-8be6-059e064351f5"),
    "us-east-1:a98…51f5",
  );
  assert.equal(maskId("us-east-1_AbC123xyz"), "us-east-1_…3xyz");
  assert.equal(maskId("872c64b892314b438325a66aca"), "872…6aca");
  assert.equal(maskId("abc123"), "****");
});

Deno.test("describeSource labels each source", () => {
  const path = "/home/me/.cognito-cli-config.json";
  assert.equal(
    describeSource("userPoolId", "flag", path),
    "flag --user-pool-id",
  );
  assert.equal(
    describeSource("clientId", "env", path),
    "env COGNITO_CLIENT_ID",
  );
  assert.equal(describeSource("region", "env", path), "env AWS_REGION");
  assert.equal(
    describeSource("region", "env", path, "AWS_DEFAULT_REGION"),
    "env AWS_DEFAULT_REGION",
  );
  assert.equal(describeSource("clientId", "file", path), `file ${path}`);
  assert.equal(
    describeSource("region", "derived", path),
    "derived from user pool id",
  );
  assert.equal(
    describeSource("lambdaFunctionName", "default", path),
    "default",
  );
});

Deno.test("the client secret and classic role ARN come from the environment or the file, and a malformed secret is reported without its value", () => {
  const fromFile = resolveSettings(
    {},
    {},
    {
      clientSecret: "s3cr3t",
      classicRoleArn: "arn:aws:iam::123456789012:role/Classic",
    },
    META,
  );
  assert.equal(fromFile.values.clientSecret, "s3cr3t");
  assert.equal(fromFile.sources.clientSecret, "file");
  assert.equal(
    resolveSettings({}, { COGNITO_CLIENT_SECRET: "fromenv" }, {
      clientSecret: "s3cr3t",
    }, META).values.clientSecret,
    "fromenv",
  );
  const error = configErrorFrom(() =>
    validateSettings(
      resolveSettings(
        {},
        { COGNITO_CLIENT_SECRET: "has a space", COGNITO_CLASSIC_ROLE_ARN: "x" },
        undefined,
        META,
      ),
      [],
    )
  );
  assert.match(error.message, /client secret \(hidden\)/);
  assert.ok(!error.message.includes("has a space"));
  assert.match(error.message, /classic flow role ARN "x"/);
});

Deno.test("the admin's authenticated role name resolves like every setting, and its hints name setup-identity-pool", () => {
  const fromFile = resolveSettings({}, {}, {
    authRoleName: "Cognito_Pool_Auth_Role",
  }, META);
  assert.equal(fromFile.values.authRoleName, "Cognito_Pool_Auth_Role");
  assert.equal(fromFile.sources.authRoleName, "file");
  const fromEnv = resolveSettings(
    {},
    { COGNITO_AUTH_ROLE_NAME: "EnvRole" },
    { authRoleName: "Cognito_Pool_Auth_Role" },
    META,
  );
  assert.equal(fromEnv.values.authRoleName, "EnvRole");
  assert.equal(
    describeSource("authRoleName", "flag", META.configPath),
    "flag --role-name",
  );
  assert.equal(
    describeSource("authRoleName", "env", META.configPath),
    "env COGNITO_AUTH_ROLE_NAME",
  );

  for (const value of ["not a role", "r".repeat(65)]) {
    const fromFlag = configErrorFrom(() =>
      validateSettings(
        resolveSettings({ authRoleName: value }, {}, undefined, META),
        [],
      )
    );
    assert.match(
      fromFlag.message,
      /authenticated role name ".*" \(from flag --role-name\) (is malformed|is too long).*: expected an IAM role name/,
    );
    assert.match(fromFlag.message, /Pass the right value with --role-name\./);
  }
  const env = configErrorFrom(() =>
    validateSettings(
      resolveSettings(
        {},
        { COGNITO_AUTH_ROLE_NAME: "not a role" },
        undefined,
        META,
      ),
      [],
    )
  );
  assert.match(
    env.message,
    /"not a role" \(from env COGNITO_AUTH_ROLE_NAME\) is malformed/,
  );
  assert.match(
    env.message,
    /Set COGNITO_AUTH_ROLE_NAME to the right value, or unset it and run `aws-cognito-admin setup-identity-pool`\./,
  );
  const file = configErrorFrom(() =>
    validateSettings(
      resolvedFrom({ authRoleName: "a/b" }, "file", "/cfg/c.json"),
      [],
    )
  );
  assert.match(
    file.message,
    /\(from file \/cfg\/c\.json\) is malformed.*Run `aws-cognito-admin setup-identity-pool` to correct it, or edit \/cfg\/c\.json\./,
  );
  assert.doesNotMatch(file.message, /aws-cognito-auth configure/);
});

// --- the settings table -----------------------------------------------------

Deno.test("the parser declares every flag of the settings table; a shared flag gives its value under the setting's own name, and the shared flags are the SharedFlagName ones", async () => {
  const { buildAuthProgram } = await import("../cli/auth_program.ts");
  const { SETTING_ROWS } = await import("../lib/config.ts");
  const program = buildAuthProgram();
  const status = program.commands.find((c) => c.name() === "status")!;
  const login = program.commands.find((c) => c.name() === "login")!;
  const shared: SharedFlagName[] = [
    "userPoolId",
    "clientId",
    "identityPoolId",
    "region",
    "lambdaFunctionName",
    "managedLoginDomain",
    "callbackPort",
  ];
  assert.deepEqual(
    SETTING_ROWS.filter(([, row]) => row.option?.shared).map(([name]) => name),
    shared,
  );
  for (const [name, row] of SETTING_ROWS) {
    if (row.option === undefined) continue;
    const command = row.option.shared ? status : login;
    const option = command.options.find((o) => o.long === row.flag);
    assert.ok(option, `${row.flag} is missing`);
    // Shared flags go to loadSettings as they are; others are mapped by
    // their command (login's --role-arn is classicRoleArn).
    if (row.option.shared) assert.equal(option.attributeName(), name);
  }
});

Deno.test("managed_login_domain takes an https origin, http only for loopback hosts, and the original's managed_login_url as its origin", async () => {
  const ok = [
    "https://example.auth.us-east-1.amazoncognito.com",
    "https://login.example.com/",
    "https://login.example.com:8443",
    "http://127.0.0.1:9000",
    "http://localhost:9000",
    "http://[::1]:9000",
  ];
  for (const value of ok) {
    const settings = validateSettings(
      resolvedFrom({ managedLoginDomain: value }, "flag"),
      [],
    );
    assert.equal(settings.managedLoginDomain, new URL(value).origin);
  }
  const bad: [string, RegExp][] = [
    ["http://login.example.com", /not loopback/],
    ["https://login.example.com/oauth2/authorize", /not an origin/],
    ["https://login.example.com/?x=1", /not an origin/],
    ["https://user@login.example.com", /not an origin/],
    ["ftp://login.example.com", /is malformed/],
    ["login.example.com", /is malformed/],
  ];
  for (const [value, fault] of bad) {
    const error = configErrorFrom(() =>
      validateSettings(
        resolveSettings(
          {},
          { COGNITO_MANAGED_LOGIN_DOMAIN: value },
          undefined,
          META,
        ),
        [],
      )
    );
    assert.match(error.message, fault, value);
    assert.match(error.message, /from env COGNITO_MANAGED_LOGIN_DOMAIN/);
    assert.match(error.message, /expected an https origin/);
  }

  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "cfg.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        user_pool_id: "us-east-1_AbC123xyz",
        managed_login_url:
          "https://pool.auth.us-east-1.amazoncognito.com/login?client_id=x",
      }),
    );
    const resolved = await loadSettings({}, { COGNITO_CLI_CONFIG: path });
    assert.equal(
      resolved.values.managedLoginDomain,
      "https://pool.auth.us-east-1.amazoncognito.com",
    );
    assert.equal(resolved.sources.managedLoginDomain, "file");
    assert.deepEqual(resolved.unknownFileKeys, []);
  });
});

Deno.test("callback_port defaults to 47291, takes 1 to 65535 from flag, env or file (a JSON number too)", async () => {
  const byDefault = resolveSettings({}, {}, undefined, META);
  assert.equal(byDefault.values.callbackPort, "47291");
  assert.equal(byDefault.sources.callbackPort, "default");
  assert.equal(
    resolveSettings({}, { COGNITO_CALLBACK_PORT: "8080" }, undefined, META)
      .values.callbackPort,
    "8080",
  );
  for (const value of ["1", "65535"]) {
    validateSettings(resolvedFrom({ callbackPort: value }, "flag"), []);
  }
  for (const value of ["0", "65536", "80a", "-1", "123456"]) {
    const error = configErrorFrom(() =>
      validateSettings(resolvedFrom({ callbackPort: value }, "flag"), [])
    );
    assert.match(error.message, /callback port .*from flag --callback-port/);
    assert.match(error.message, /expected a port number from 1 to 65535/);
  }
  await withTempDir("config_test_", async (dir) => {
    const path = join(dir, "cfg.json");
    await Deno.writeTextFile(path, JSON.stringify({ callback_port: 9001 }));
    assert.equal((await loadConfigFile(path))?.settings.callbackPort, "9001");
    await Deno.writeTextFile(path, JSON.stringify({ callback_port: 1.5 }));
    await assert.rejects(loadConfigFile(path), /"callback_port" \(a number\)/);
  });
});

Deno.test("the admin config file names the proxy function when nothing closer does, and the source names that file", async () => {
  await withTempDir("config_test_", async (dir) => {
    const admin = join(dir, ".cognito-admin-config.json");
    await Deno.writeTextFile(
      admin,
      JSON.stringify({
        aws_service_names: { lambda_function_name: "team-proxy" },
        aws_configuration: { default_region: "ap-southeast-1" },
      }),
    );
    const fromAdmin = await loadSettings({}, { HOME: dir });
    assert.equal(fromAdmin.values.lambdaFunctionName, "team-proxy");
    assert.equal(fromAdmin.sources.lambdaFunctionName, "admin-file");
    assert.equal(fromAdmin.adminConfigFound, true);
    assert.equal(
      sourceOf(fromAdmin, "lambdaFunctionName", "admin-file"),
      `file ${admin}`,
    );
    // The original's default_region is not ours: the region stays unset.
    assert.equal(fromAdmin.values.region, undefined);

    await Deno.writeTextFile(
      join(dir, ".cognito-cli-config.json"),
      JSON.stringify({ lambda_function_name: "cli-proxy" }),
    );
    const fromCli = await loadSettings({}, { HOME: dir });
    assert.equal(fromCli.values.lambdaFunctionName, "cli-proxy");
    assert.equal(fromCli.sources.lambdaFunctionName, "file");

    await Deno.writeTextFile(
      admin,
      JSON.stringify({ aws_service_names: { lambda_function_name: 7 } }),
    );
    await assert.rejects(
      loadSettings({}, { HOME: dir }),
      /admin config file .* "aws_service_names\.lambda_function_name" \(a number\)/,
    );
  });
});
