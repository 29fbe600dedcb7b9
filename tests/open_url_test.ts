/**
 * `lib/open_url.ts`: `$BROWSER` first, else the platform's opener. The
 * openers here are small scripts on a temporary PATH that record their
 * arguments (stand-ins for xdg-open, open and rundll32, which would open a
 * real browser); the platform is injected.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import { BrowserOpenError, openerCommands, openUrl } from "../lib/open_url.ts";

const URL_WITH_AMPERSANDS =
  "https://x.auth.us-east-1.amazoncognito.com/oauth2/authorize?a=1&b=2&state=s";

/** A folder of recording scripts, named as the openers. */
async function openerFolder(): Promise<
  { dir: string; calls(name: string): Promise<string[]> } & AsyncDisposable
> {
  const dir = await Deno.makeTempDir({ prefix: "openers-" });
  const script = (name: string, code = 0) =>
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${dir}/${name}.args"\nexit ${code}\n`;
  for (const name of ["xdg-open", "open", "rundll32", "my-browser"]) {
    await Deno.writeTextFile(`${dir}/${name}`, script(name), { mode: 0o755 });
  }
  await Deno.writeTextFile(`${dir}/broken-browser`, script("broken", 3), {
    mode: 0o755,
  });
  return {
    dir,
    calls: async (name) =>
      (await Deno.readTextFile(`${dir}/${name}.args`).catch(() => ""))
        .split("\n").filter(Boolean),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("openUrl: $BROWSER is run with the address as its one argument, whatever the platform", async () => {
  await using openers = await openerFolder();
  const env = { PATH: `${openers.dir}:/usr/bin:/bin`, BROWSER: "my-browser" };
  for (const os of ["linux", "darwin", "windows"] as const) {
    await openUrl(URL_WITH_AMPERSANDS, { env, os });
    assert.deepEqual(await openers.calls("my-browser"), [URL_WITH_AMPERSANDS]);
    await Deno.remove(`${openers.dir}/my-browser.args`);
  }
  assert.deepEqual(await openers.calls("xdg-open"), []);
});

Deno.test("openUrl: $BROWSER lists commands like PATH; the first that exists is used", async () => {
  await using openers = await openerFolder();
  await openUrl(URL_WITH_AMPERSANDS, {
    env: {
      PATH: `${openers.dir}:/usr/bin:/bin`,
      BROWSER: "no-such-browser-here:my-browser",
    },
    os: "linux",
  });
  assert.deepEqual(await openers.calls("my-browser"), [URL_WITH_AMPERSANDS]);
});

Deno.test("openUrl: without $BROWSER, the platform opener: xdg-open (Linux), open (macOS), rundll32 url.dll,FileProtocolHandler (Windows)", async () => {
  await using openers = await openerFolder();
  const env = { PATH: `${openers.dir}:/usr/bin:/bin`, BROWSER: "" };
  await openUrl(URL_WITH_AMPERSANDS, { env, os: "linux" });
  assert.deepEqual(await openers.calls("xdg-open"), [URL_WITH_AMPERSANDS]);
  await openUrl(URL_WITH_AMPERSANDS, { env, os: "darwin" });
  assert.deepEqual(await openers.calls("open"), [URL_WITH_AMPERSANDS]);
  await openUrl(URL_WITH_AMPERSANDS, { env, os: "windows" });
  assert.deepEqual(await openers.calls("rundll32"), [
    "url.dll,FileProtocolHandler",
    URL_WITH_AMPERSANDS,
  ]);
  assert.deepEqual(openerCommands("u", { env: {}, os: "freebsd" }), [[
    "xdg-open",
    "u",
  ]]);
});

Deno.test("openUrl: nothing to run, or an opener that fails at once, is a clear BrowserOpenError (exit 66) that does not quote the address", async () => {
  await using openers = await openerFolder();
  const missing = await openUrl(URL_WITH_AMPERSANDS, {
    env: { PATH: "/nonexistent", BROWSER: "" },
    os: "linux",
  }).then(() => undefined, (e) => e);
  assert.ok(missing instanceof BrowserOpenError);
  assert.equal(missing.exitCode, ExitCode.browserOpenFailed);
  assert.match(missing.message, /tried xdg-open/);
  assert.ok(!missing.message.includes(URL_WITH_AMPERSANDS));

  const failed = await openUrl(URL_WITH_AMPERSANDS, {
    env: { PATH: `${openers.dir}:/usr/bin:/bin`, BROWSER: "broken-browser" },
    os: "linux",
  }).then(() => undefined, (e) => e);
  assert.ok(failed instanceof BrowserOpenError);
  assert.match(failed.message, /broken-browser ended with exit code 3/);
  assert.ok(!failed.message.includes(URL_WITH_AMPERSANDS));
});

Deno.test("openUrl: the browser (a stand-in script that records its environment) does not inherit this tool's password or client secret, given or inherited", async () => {
  await using openers = await openerFolder();
  const recorder = `${openers.dir}/env-browser`;
  await Deno.writeTextFile(
    recorder,
    `#!/bin/sh\nenv > "${openers.dir}/env-browser.env"\n`,
    { mode: 0o755 },
  );
  const secrets = {
    COGNITO_PASSWORD: "pw-Zq7-given",
    COGNITO_NEW_PASSWORD: "newpw-Zq7-given",
    COGNITO_CLIENT_SECRET: "cs-Zq7-given",
  };
  const seen = () => Deno.readTextFile(`${openers.dir}/env-browser.env`);

  await openUrl(URL_WITH_AMPERSANDS, {
    env: { PATH: "/usr/bin:/bin", BROWSER: recorder, ...secrets },
    os: "linux",
  });
  const given = await seen();
  assert.match(given, /^PATH=\/usr\/bin:\/bin$/m);
  assert.ok(!given.includes("Zq7"), given);

  // No env given: this process's own environment, without the secrets.
  const saved = Object.fromEntries(
    ["BROWSER", ...Object.keys(secrets)].map((n) => [n, Deno.env.get(n)]),
  );
  try {
    Deno.env.set("BROWSER", recorder);
    for (const [name, value] of Object.entries(secrets)) {
      Deno.env.set(name, value.replace("given", "inherited"));
    }
    await openUrl(URL_WITH_AMPERSANDS, { os: "linux" });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
  const inherited = await seen();
  assert.match(inherited, /^BROWSER=/m);
  assert.ok(!inherited.includes("Zq7"), inherited);
});
