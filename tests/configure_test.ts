/**
 * Interactive `configure`, driven through its Prompter with scripted answers
 * (the questions and defaults a person on a terminal would see).
 */
import assert from "node:assert/strict";
import { configureCommand } from "../cli/configure.ts";
import type { Prompter } from "../cli/terminal.ts";
import { tempDir } from "./support/tools.ts";

function scripted(answers: string[]) {
  const asked: { message: string; defaultValue?: string }[] = [];
  const prompter: Prompter = {
    text(message, defaultValue) {
      asked.push({ message, defaultValue });
      // Like @inquirer's input: Enter on an empty line takes the default.
      const answer = answers.shift();
      return Promise.resolve(answer ? answer : defaultValue ?? "");
    },
    secret: () => Promise.reject(new Error("no secret is asked by configure")),
    confirm: () => Promise.resolve(true),
  };
  return { prompter, asked };
}

Deno.test("interactive configure shows current values as defaults, keeps settings and keys it does not ask about, and clears a setting answered with nothing", async () => {
  await using dir = await tempDir("configure_test_");
  const path = `${dir.path}/cfg.json`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      user_pool_id: "us-east-1_old123",
      client_id: "oldclient",
      region: "us-east-1",
      auth_role_name: "Cognito_Auth_Role",
      my_note: "kept",
    }),
  );
  const { prompter, asked } = scripted([
    "us-east-1_new456", // user pool id
    "", // client id: Enter keeps the default (the current value)
    "us-east-1:0a1b2c3d-0000-1111-2222-333344445555", // identity pool
    " ", // region: cleared (falls back to the pool id's prefix)
  ]);
  await configureCommand({}, { COGNITO_CLI_CONFIG: path }, prompter);
  assert.deepEqual(
    asked.slice(0, 4).map((q) => q.defaultValue),
    ["us-east-1_old123", "oldclient", undefined, "us-east-1"],
  );
  assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
    user_pool_id: "us-east-1_new456",
    client_id: "oldclient",
    auth_role_name: "Cognito_Auth_Role",
    my_note: "kept",
    identity_pool_id: "us-east-1:0a1b2c3d-0000-1111-2222-333344445555",
  });
});
