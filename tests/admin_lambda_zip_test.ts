/**
 * `lambda deploy --zip PATH`: a zip built elsewhere, made here with the real
 * Info-ZIP `zip` as people make them, checked for an executable `bootstrap`
 * at its root before anything reaches AWS (moto). Also: our zip reader and
 * writer against the real `unzip`.
 */
import assert from "node:assert/strict";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { makeTempHome, runAdmin, type TempHome } from "./support/cli.ts";
import {
  COGNITO_TRUST,
  lambdaDeployArgs,
  startAdminMoto,
} from "./support/admin.ts";
import { ExitCode } from "../lib/errors.ts";
import { sha256Base64 } from "../lib/admin/deno_layer.ts";
import { createZip, listZip } from "../lambda/zip.ts";

const { moto, iam, lambda } = await startAdminMoto();

/** Runs a command in `cwd`; throws when it fails. */
async function run(cwd: string, command: string, ...args: string[]) {
  const out = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return text;
}

/**
 * Makes `<home>/<name>/` with a bootstrap of `mode` and a handler, and zips
 * it with the real `zip`: its contents (`inside`) or the folder itself.
 */
async function zipWithInfoZip(
  home: TempHome,
  name: string,
  mode: number,
  how: "contents" | "folder",
): Promise<string> {
  const dir = `${home.dir}/${name}`;
  await Deno.mkdir(dir);
  await Deno.writeTextFile(
    `${dir}/bootstrap`,
    `#!/bin/sh\nexec "$(dirname "$0")/handler.sh" # ${name}\n`,
  );
  await Deno.chmod(`${dir}/bootstrap`, mode);
  await Deno.writeTextFile(`${dir}/handler.sh`, "#!/bin/sh\necho hi\n");
  await Deno.chmod(`${dir}/handler.sh`, 0o755);
  const zip = `${home.dir}/${name}.zip`;
  if (how === "contents") await run(dir, "zip", "-q", "-r", zip, ".");
  else await run(home.dir, "zip", "-q", "-r", zip, name);
  return zip;
}

async function deployArgs(home: TempHome, zip: string, ...extra: string[]) {
  const tag = crypto.randomUUID().slice(0, 8);
  const auth = `auth-${tag}`;
  await iam.send(
    new CreateRoleCommand({
      RoleName: auth,
      AssumeRolePolicyDocument: JSON.stringify(COGNITO_TRUST),
    }),
  );
  const layer = `${home.dir}/layer-${tag}.zip`;
  await Deno.writeTextFile(layer, `PK fake layer ${tag}`);
  return {
    fn: `proxy-${tag}`,
    args: lambdaDeployArgs(
      { tag, fn: `proxy-${tag}`, auth, zip, layer },
      "--create-user",
      "--user-name",
      `user-${tag}`,
      ...extra,
    ),
  };
}

Deno.test("lambda deploy --zip deploys a zip made with the real zip tool (bootstrap 755 at its root), and a second run plans nothing", async () => {
  await using home = await makeTempHome();
  const zip = await zipWithInfoZip(home, "good", 0o755, "contents");
  const env = { ...home.env, ...moto.adminEnv };
  const { fn, args } = await deployArgs(home, zip, "--yes");
  const first = await runAdmin(args, env);
  assert.equal(first.code, 0, first.stderr);
  assert.ok(first.stdout.includes(`function ${fn} from ${zip}`), first.stdout);
  assert.match(first.stderr, /done +lambda:CreateFunction/);
  const deployed = await lambda.send(
    new GetFunctionCommand({ FunctionName: fn }),
  );
  assert.equal(
    deployed.Configuration?.CodeSha256,
    await sha256Base64(await Deno.readFile(zip)),
  );
  const second = await runAdmin(args, env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /No changes/);
});

Deno.test("lambda deploy --zip refuses with exit 40, before any AWS change, a zip whose bootstrap is in a folder, one whose bootstrap not all may execute, and a file that is not a zip", async () => {
  await using home = await makeTempHome();
  const env = { ...home.env, ...moto.adminEnv };
  const nested = await zipWithInfoZip(home, "build", 0o755, "folder");
  const private_ = await zipWithInfoZip(home, "private", 0o744, "contents");
  const text = `${home.dir}/not-a.zip`;
  await Deno.writeTextFile(text, "#!/bin/sh\necho this is no zip\n");
  const cases: [string, RegExp][] = [
    [
      nested,
      /has no bootstrap at its root.*It has build\/bootstrap: zip the contents of its folder/s,
    ],
    [
      private_,
      /holds bootstrap with mode 744: Lambda runs it as a user that does not own it.*chmod 755 bootstrap/s,
    ],
    [text, /is not a zip archive/],
  ];
  for (const [zip, message] of cases) {
    const { fn, args } = await deployArgs(home, zip, "--yes");
    const result = await runAdmin(args, env);
    assert.equal(result.code, ExitCode.invalidBundle, result.stderr);
    assert.match(result.stderr, message);
    assert.ok(result.stderr.includes(zip), result.stderr);
    assert.equal(result.stdout, "", "no plan is printed");
    await assert.rejects(
      lambda.send(new GetFunctionCommand({ FunctionName: fn })),
    );
  }
  const good = await zipWithInfoZip(home, "good", 0o755, "contents");
  const { args } = await deployArgs(home, good, "--zip-file", nested, "--yes");
  const both = await runAdmin(args, env);
  assert.equal(both.code, ExitCode.usage, both.stderr);
  assert.match(both.stderr, /Give the zip once/);
});

Deno.test("zip: listZip reads the names and modes the real zip tool writes, and unzip reads createZip's modes back", async () => {
  await using home = await makeTempHome();
  const zip = await zipWithInfoZip(home, "modes", 0o750, "folder");
  assert.deepEqual(
    listZip(await Deno.readFile(zip)).map((e) => [e.name, e.mode]).sort(),
    [
      ["modes/", 0o40755],
      ["modes/bootstrap", 0o100750],
      ["modes/handler.sh", 0o100755],
    ],
  );
  const ours = `${home.dir}/ours.zip`;
  await Deno.writeFile(
    ours,
    await createZip([
      {
        name: "bootstrap",
        data: new TextEncoder().encode("#!/bin/sh\n"),
        mode: 0o755,
      },
      { name: "lib/data.json", data: new TextEncoder().encode("{}") },
    ]),
  );
  const listing = await run(home.dir, "unzip", "-Z", ours);
  assert.match(listing, /^-rwxr-xr-x .* unx .* bootstrap$/m);
  assert.match(listing, /^-rw-r--r-- .* unx .* lib\/data\.json$/m);
  await run(home.dir, "unzip", "-q", "-d", `${home.dir}/out`, ours);
  assert.equal(
    (await Deno.stat(`${home.dir}/out/bootstrap`)).mode! & 0o777,
    0o755,
  );
});
