/**
 * The original tool's last version named its commands `cogauth` and
 * `cogadmin`. Ours installs under those names as well (`deno install -g -n
 * cogauth ...`, or a symlink to a binary, as the README says), and works the
 * same under them.
 *
 * The program name in `--help`, messages and completion scripts does not
 * follow the invoked name, by decision: a `deno install` shim runs
 * `deno run ... auth.ts`, so neither `Deno.mainModule` (auth.ts) nor
 * `Deno.execPath()` (deno) carries the name it was called by, and Deno has
 * no argv0; only a compiled binary copied under another name could tell.
 * One name everywhere keeps the messages, the README and the completions
 * in step; `cogauth` is an alias of `aws-cognito-auth`.
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { ExitCode } from "../lib/errors.ts";
import { makeTempHome } from "./support/cli.ts";
import { installEntryPoints, runInstalled } from "./support/deno_downloads.ts";
import { tempDir } from "./support/tools.ts";

Deno.test("deno install -g -n cogauth / -n cogadmin from a clone: cogauth --version, cogadmin --help and cogauth status work, and the help keeps the program's own name", async () => {
  await using root = await tempDir("deno-install-names-");
  await using home = await makeTempHome();
  const installed = await installEntryPoints(root.path, {
    "aws-cognito-auth": "cogauth",
    "aws-cognito-admin": "cogadmin",
  });
  assert.deepEqual(Object.keys(installed).sort(), ["cogadmin", "cogauth"]);
  assert.equal(installed.cogauth, `${root.path}/bin/cogauth`);
  const inHome = (command: string, args: string[]) =>
    runInstalled(command, args, home.env, home.dir);

  const version = await inHome(installed.cogauth, ["--version"]);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), denoJson.version);

  const help = await inHome(installed.cogadmin, ["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: aws-cognito-admin /m);
  assert.match(help.stdout, /lambda/);
  assert.doesNotMatch(help.stdout, /cogadmin/);

  // The original's config file, as a cogauth user has it.
  await Deno.writeTextFile(
    `${home.dir}/.cognito-cli-config.json`,
    JSON.stringify({
      user_pool_id: "us-east-1_AbC123xyz",
      client_id: "4tq3example0client0id0abcde",
      identity_pool_id: "us-east-1:0a1b2c3d-1111-2222-3333-444455556666",
      region: "us-east-1",
    }),
  );
  const status = await inHome(installed.cogauth, ["status"]);
  assert.equal(status.code, ExitCode.ok, status.stderr);
  assert.match(status.stdout, /user_pool_id\s+us-east-1_/);
  assert.match(status.stdout, /\.cognito-cli-config\.json/);

  // A symlink under the old name (what the README says for a binary) runs
  // the same command.
  await Deno.symlink(installed.cogauth, `${root.path}/bin/cogauth-link`);
  const linked = await inHome(`${root.path}/bin/cogauth-link`, ["--help"]);
  assert.equal(linked.code, 0, linked.stderr);
  assert.match(linked.stdout, /^Usage: aws-cognito-auth /m);
});
