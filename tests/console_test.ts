/**
 * The rules of `lib/console.ts` (partitions, destinations, SessionDuration,
 * which credentials may sign in, the federation endpoint setting) and
 * `lib/open_url.ts`, without a server.
 */
import assert from "node:assert/strict";
import {
  checkConsoleCredentials,
  consoleDestination,
  ConsoleSignInError,
  federationEndpoint,
  parseSessionDuration,
  partitionOf,
} from "../lib/console.ts";
import { CliError, ConfigError, ExitCode } from "../lib/errors.ts";

Deno.test("each partition has its own federation endpoint and console host, chosen by the region", () => {
  assert.deepEqual(partitionOf("us-east-1"), {
    partition: "aws",
    federationEndpoint: "https://signin.aws.amazon.com/federation",
    consoleHost: "console.aws.amazon.com",
  });
  assert.deepEqual(partitionOf("ap-southeast-4"), partitionOf("us-east-1"));
  assert.deepEqual(partitionOf("us-gov-east-1"), {
    partition: "aws-us-gov",
    federationEndpoint: "https://signin.amazonaws-us-gov.com/federation",
    consoleHost: "console.amazonaws-us-gov.com",
  });
  assert.deepEqual(partitionOf("cn-northwest-1"), {
    partition: "aws-cn",
    federationEndpoint: "https://signin.amazonaws.cn/federation",
    consoleHost: "console.amazonaws.cn",
  });
  // An isolated partition's console is not known: the setting is needed.
  assert.throws(
    () => partitionOf("us-iso-east-1"),
    (e) =>
      e instanceof ConfigError && /COGNITO_FEDERATION_ENDPOINT/.test(e.message),
  );
  assert.throws(() => partitionOf("not a region"), ConfigError);
});

Deno.test("COGNITO_FEDERATION_ENDPOINT replaces the partition's endpoint: https, or http only on a loopback host, with no query", () => {
  assert.equal(
    federationEndpoint("us-gov-west-1", {}),
    "https://signin.amazonaws-us-gov.com/federation",
  );
  assert.equal(
    federationEndpoint("us-iso-east-1", {
      COGNITO_FEDERATION_ENDPOINT: "https://signin.example.internal/federation",
    }),
    "https://signin.example.internal/federation",
  );
  assert.equal(
    federationEndpoint("us-east-1", {
      COGNITO_FEDERATION_ENDPOINT: "http://127.0.0.1:8080/federation",
    }),
    "http://127.0.0.1:8080/federation",
  );
  for (
    const bad of [
      "http://signin.example.com/federation",
      "https://signin.aws.amazon.com/federation?Action=login",
      "https://user:pw@signin.aws.amazon.com/federation",
      "not a url",
    ]
  ) {
    assert.throws(
      () =>
        federationEndpoint("us-east-1", { COGNITO_FEDERATION_ENDPOINT: bad }),
      ConfigError,
      bad,
    );
  }
});

Deno.test("--destination: a service name is its home in the region, a URL must be https on the partition's console host", () => {
  assert.equal(
    consoleDestination(undefined, "eu-west-1"),
    "https://console.aws.amazon.com/console/home?region=eu-west-1",
  );
  assert.equal(
    consoleDestination("cloudwatch", "us-gov-west-1"),
    "https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1",
  );
  assert.equal(
    consoleDestination(
      "https://s3.console.aws.amazon.com/s3/buckets/b?region=us-east-1",
      "us-east-1",
    ),
    "https://s3.console.aws.amazon.com/s3/buckets/b?region=us-east-1",
  );
  for (
    const [bad, region] of [
      ["https://console.aws.amazon.com.evil.example/", "us-east-1"],
      ["https://console.aws.amazon.com/", "cn-north-1"],
      ["http://console.aws.amazon.com/s3", "us-east-1"],
      ["javascript:alert(1)", "us-east-1"],
      ["S3 buckets", "us-east-1"],
    ]
  ) {
    assert.throws(
      () => consoleDestination(bad, region),
      (e) => e instanceof CliError && e.exitCode === ExitCode.usage,
      bad,
    );
  }
});

Deno.test("--duration: hours 1 to 12 or a length from 15 minutes to 12 hours, as SessionDuration allows", () => {
  assert.equal(parseSessionDuration("1"), 3600);
  assert.equal(parseSessionDuration("12"), 43200);
  assert.equal(parseSessionDuration("15m"), 900);
  assert.equal(parseSessionDuration("12h"), 43200);
  assert.equal(parseSessionDuration("2h30m"), 9000);
  assert.equal(parseSessionDuration("900s"), 900);
  for (const bad of ["0", "13", "14m", "12h1s", "", "1.5", "-1", "h", "1d"]) {
    assert.throws(() => parseSessionDuration(bad), RangeError, bad);
  }
});

Deno.test("only temporary, unexpired credentials may sign in to the console", () => {
  const now = new Date("2030-01-01T00:00:00Z");
  const good = {
    accessKeyId: "ASIAEXAMPLE",
    secretAccessKey: "secret",
    sessionToken: "token",
    expiration: new Date("2030-01-01T01:00:00Z"),
  };
  checkConsoleCredentials(good, "dev", now);
  for (
    const bad of [
      { ...good, sessionToken: undefined },
      { ...good, accessKeyId: "AKIAEXAMPLE" },
      { ...good, expiration: new Date("2029-12-31T23:59:59Z") },
      { ...good, expiration: undefined },
    ]
  ) {
    assert.throws(
      () => checkConsoleCredentials(bad, "dev", now),
      (e) =>
        e instanceof ConsoleSignInError &&
        e.exitCode === ExitCode.consoleSignIn && !e.message.includes("secret"),
    );
  }
});
