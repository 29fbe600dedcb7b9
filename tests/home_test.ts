/**
 * The one home-folder rule (lib/home.ts), per operating system, and that the
 * config file, the AWS files and the cache all find the same home.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { credentialsFilePath } from "../lib/aws_files.ts";
import { cacheDir } from "../lib/cache.ts";
import { configFilePath } from "../lib/config.ts";
import { homeDir, homeVariable } from "../lib/home.ts";

Deno.test("homeDir elsewhere than Windows: HOME, then USERPROFILE; blank counts as unset", () => {
  for (const os of ["linux", "darwin"] as const) {
    assert.equal(homeDir({ HOME: "/h", USERPROFILE: "/u" }, os), "/h");
    assert.equal(homeDir({ HOME: "  ", USERPROFILE: "/u" }, os), "/u");
    assert.equal(homeDir({ HOMEDRIVE: "C:", HOMEPATH: "\\x" }, os), undefined);
    assert.equal(homeDir({}, os), undefined);
    assert.equal(homeVariable(os), "HOME");
  }
});

Deno.test("homeDir on Windows: USERPROFILE, then HOMEDRIVE+HOMEPATH, then HOME", () => {
  const os = "windows";
  assert.equal(
    homeDir({ HOME: "/c/msys/home", USERPROFILE: "C:\\Users\\ana" }, os),
    "C:\\Users\\ana",
  );
  assert.equal(
    homeDir({ HOME: "/c/h", HOMEDRIVE: "D:", HOMEPATH: "\\Users\\ana" }, os),
    "D:\\Users\\ana",
  );
  assert.equal(homeDir({ HOMEPATH: "\\Users\\ana" }, os), "C:\\Users\\ana");
  assert.equal(homeDir({ HOME: "C:\\h" }, os), "C:\\h");
  assert.equal(homeVariable(os), "USERPROFILE");
});

Deno.test("the config file, the AWS files and the cache find the same home", () => {
  for (
    const env of [{ HOME: "/h" }, { USERPROFILE: "/u" }, {
      HOME: " ",
      USERPROFILE: "/u",
    }]
  ) {
    const home = homeDir(env)!;
    assert.equal(configFilePath(env), join(home, ".cognito-cli-config.json"));
    assert.equal(credentialsFilePath(env), join(home, ".aws", "credentials"));
    assert.equal(cacheDir(env), `${home}/.cache/cognito-authoriser`);
  }
});
