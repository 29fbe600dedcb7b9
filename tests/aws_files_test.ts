import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  configFilePath,
  credentialsFilePath,
  editIniText,
  readAwsFile,
  readProfile,
  removeIniSection,
  sectionName,
  updateProfileFile,
} from "../lib/aws_files.ts";
import { CredentialsFileError } from "../lib/errors.ts";
import { lockIsHeld, spawnLockHolder } from "./support/reliability.ts";
import { withTempDir } from "./support/tools.ts";

const LIB_URL = new URL("../lib/aws_files.ts", import.meta.url).href;
const FILE_LOCK_URL = new URL("../lib/file_lock.ts", import.meta.url).href;
const DENO_JSON = fileURLToPath(new URL("../deno.json", import.meta.url));
const AWS_CLI = fileURLToPath(
  new URL("../.cache/venv/bin/aws", import.meta.url),
);

/** The `[work]` section of {@linkcode HAND_WRITTEN}, without its comments. */
const WORK_SECTION = [
  "[work]",
  "region = eu-west-1",
  "aws_access_key_id   =   AKIAWORK",
  "s3 =",
  "    addressing_style = path",
];

/** A file a person has edited by hand: comments, odd spacing, blank lines. */
const HAND_WRITTEN = [
  "# My AWS credentials -- do not share",
  "",
  "[default]",
  "aws_access_key_id = AKIADEFAULT",
  "aws_secret_access_key=secretdefault",
  "",
  "; the work account",
  ...WORK_SECTION,
  "  # trailing comment inside work",
  "",
  "# about personal",
  "[personal]",
  "aws_access_key_id = AKIAPERSONAL",
  "",
].join("\n");

function mode(info: Deno.FileInfo): number {
  return (info.mode ?? 0) & 0o777;
}

Deno.test("editIniText keeps other profiles, comments, blank lines and key order byte-for-byte", () => {
  const after = editIniText(HAND_WRITTEN, "work", {
    aws_access_key_id: "AKIANEW",
    aws_session_token: "token",
  });
  const before = HAND_WRITTEN;
  // Everything up to the edited key and everything after the inserted line is
  // identical.
  const head = before.slice(0, before.indexOf("aws_access_key_id   ="));
  assert.equal(after.slice(0, head.length), head);
  const tail = before.slice(before.indexOf("  # trailing comment inside work"));
  assert.ok(after.endsWith(tail));
  assert.equal(
    after,
    before
      .replace(
        "aws_access_key_id   =   AKIAWORK",
        "aws_access_key_id   =   AKIANEW",
      )
      .replace(
        "    addressing_style = path\n",
        "    addressing_style = path\naws_session_token = token\n",
      ),
  );
});

Deno.test("editIniText appends a missing section at the end after one blank line", () => {
  assert.equal(
    editIniText(HAND_WRITTEN, "new", { a: "1", b: "2" }),
    HAND_WRITTEN + "\n[new]\na = 1\nb = 2\n",
  );
  assert.equal(
    editIniText("[x]\nk = v\n\n", "new", { a: "1" }),
    "[x]\nk = v\n\n[new]\na = 1\n",
  );
  assert.equal(editIniText("", "new", { a: "1" }), "[new]\na = 1\n");
});

Deno.test("editIniText replaces an existing key's value in place keeping its spacing", () => {
  const text = "[p]\n  k1 = old\nk2=old\nk3\t= old ; note\nk4 = keep\n";
  assert.equal(
    editIniText(text, "p", { k1: "new1", k2: "new2", k3: "new3" }),
    "[p]\n  k1 = new1\nk2=new2\nk3\t= new3\nk4 = keep\n",
  );
  // Matched like the AWS CLI (case-insensitively), written in the spelling
  // asked for, since the SDK is case-sensitive.
  assert.equal(
    editIniText("[p]\nAWS_Access_Key_ID = old\n", "p", {
      aws_access_key_id: "new",
    }),
    "[p]\naws_access_key_id = new\n",
  );
});

Deno.test("editIniText inserts a new key after the section's last key, before comments and blanks that precede the next section", () => {
  const text = "[a]\nx = 1\n# between\ny = 2\n\n# about b\n[b]\nz = 3\n";
  assert.equal(
    editIniText(text, "a", { new_key: "v" }),
    "[a]\nx = 1\n# between\ny = 2\nnew_key = v\n\n# about b\n[b]\nz = 3\n",
  );
  // A section with no keys yet gets the key right after its header.
  assert.equal(
    editIniText("[a]\n\n[b]\nz = 3\n", "a", { k: "v" }),
    "[a]\nk = v\n\n[b]\nz = 3\n",
  );
});

Deno.test("editIniText keeps CRLF line ends and a UTF-8 BOM", () => {
  const text = "\uFEFF[a]\r\nx = 1\r\n\r\n[b]\r\ny = 2\r\n";
  assert.equal(
    editIniText(text, "a", { x: "9", n: "new" }),
    "\uFEFF[a]\r\nx = 9\r\nn = new\r\n\r\n[b]\r\ny = 2\r\n",
  );
  assert.equal(
    editIniText(text, "c", { k: "v" }),
    text + "\r\n[c]\r\nk = v\r\n",
  );
});

Deno.test("editIniText keeps a missing final newline missing", () => {
  assert.equal(
    editIniText("[a]\nx = 1", "a", { y: "2" }),
    "[a]\nx = 1\ny = 2",
  );
  assert.equal(
    editIniText("[a]\nx = 1", "b", { y: "2" }),
    "[a]\nx = 1\n\n[b]\ny = 2",
  );
  assert.equal(editIniText("[a]\nx = 1\ny = 2", "a", {}, ["y"]), "[a]\nx = 1");
});

Deno.test("editIniText removes listed keys with their nested lines and returns unchanged text when nothing changes", () => {
  assert.equal(
    editIniText(HAND_WRITTEN, "work", {}, ["s3", "region"]),
    HAND_WRITTEN.replace("region = eu-west-1\n", "").replace(
      "s3 =\n    addressing_style = path\n",
      "",
    ),
  );
  assert.equal(
    editIniText(HAND_WRITTEN, "work", {}, ["missing"]),
    HAND_WRITTEN,
  );
  assert.equal(
    editIniText(HAND_WRITTEN, "default", { aws_access_key_id: "AKIADEFAULT" }),
    HAND_WRITTEN,
  );
  assert.equal(editIniText(HAND_WRITTEN, "nope", {}, ["x"]), HAND_WRITTEN);
});

Deno.test("sectionName uses [name] in the credentials file and [default] or [profile name] in the config file", () => {
  assert.equal(sectionName("credentials", "default"), "default");
  assert.equal(sectionName("credentials", "dev"), "dev");
  assert.equal(sectionName("config", "default"), "default");
  assert.equal(sectionName("config", "dev"), "profile dev");
  const config = editIniText(
    editIniText("", sectionName("config", "default"), { region: "us-east-1" }),
    sectionName("config", "dev"),
    { region: "eu-west-1" },
  );
  assert.equal(
    config,
    "[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n",
  );
});

Deno.test("sectionName and editIniText reject profile names that cannot be written safely", () => {
  for (const bad of ["", " p", "p ", "a]b", "a[b", "a\nb", "my profile"]) {
    assert.throws(() => sectionName("credentials", bad), CredentialsFileError);
  }
  for (const bad of ["", " p", "p ", "a]b", "a[b", "a\n[b]", "__proto__"]) {
    assert.throws(
      () => editIniText("[a]\nk = v\n", bad, { k: "v" }),
      CredentialsFileError,
    );
  }
});

Deno.test("editIniText refuses keys and values that would not read back the same, without echoing the value", () => {
  const secret = "s3cr3t";
  for (
    const value of [`${secret}\n[evil]`, ` ${secret}`, `${secret} #x`, ""]
  ) {
    assert.throws(
      () => editIniText("", "p", { aws_secret_access_key: value }),
      (error: unknown) =>
        error instanceof CredentialsFileError &&
        error.message.includes("aws_secret_access_key") &&
        !error.message.includes(secret),
    );
  }
  for (const key of ["", "a b", "a=b", "[x]", "#k"]) {
    assert.throws(
      () => editIniText("", "p", { [key]: "v" }),
      CredentialsFileError,
    );
  }
});

Deno.test("editIniText on unparseable text throws CredentialsFileError naming the line", () => {
  const cases: [string, number][] = [
    ["[a]\nx = 1\ngarbage line\n", 3],
    ["# c\nkey = before any section\n[a]\n", 2],
    ["  indented = before section\n", 1],
    ["[a]\n[broken\n", 2],
  ];
  for (const [text, line] of cases) {
    assert.throws(
      () => editIniText(text, "a", { k: "v" }),
      (error: unknown) =>
        error instanceof CredentialsFileError &&
        error.message.includes(`Line ${line} `) &&
        /fix/i.test(error.message),
    );
  }
});

Deno.test("removeIniSection removes only that section and keeps other bytes", () => {
  // The comments around the section stay: only its own lines go.
  assert.equal(
    removeIniSection(HAND_WRITTEN, "work"),
    HAND_WRITTEN.replace(`${WORK_SECTION.join("\n")}\n`, ""),
  );
  assert.equal(
    removeIniSection("[a]\nx=1\n\n[b]\ny=2\n\n[c]\nz=3\n", "b"),
    "[a]\nx=1\n\n[c]\nz=3\n",
  );
  assert.equal(
    removeIniSection("[a]\r\nx=1\r\n\r\n[b]\r\ny=2\r\n", "b"),
    "[a]\r\nx=1\r\n",
  );
  assert.equal(removeIniSection(HAND_WRITTEN, "missing"), HAND_WRITTEN);
});

Deno.test("credentialsFilePath and configFilePath honour AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, HOME and USERPROFILE", () => {
  assert.equal(credentialsFilePath({ HOME: "/h" }), "/h/.aws/credentials");
  assert.equal(configFilePath({ HOME: "/h" }), "/h/.aws/config");
  assert.equal(
    credentialsFilePath({ USERPROFILE: "/u" }),
    "/u/.aws/credentials",
  );
  assert.equal(
    credentialsFilePath({ HOME: "/h", AWS_SHARED_CREDENTIALS_FILE: "/x/c" }),
    "/x/c",
  );
  assert.equal(
    configFilePath({ HOME: "/h", AWS_CONFIG_FILE: "~/cfg" }),
    "/h/cfg",
  );
  assert.throws(() => credentialsFilePath({}), CredentialsFileError);
});

Deno.test("updateProfileFile on an unparseable file throws CredentialsFileError naming the line and leaves the bytes unchanged", async () => {
  await withTempDir("aws_files_test_", async (dir) => {
    const path = `${dir}/credentials`;
    const bytes = new TextEncoder().encode(
      "[a]\naws_access_key_id = AKIA\naws_secret_access_key SECRETVALUE\n",
    );
    await Deno.writeFile(path, bytes, { mode: 0o600 });
    await assert.rejects(
      updateProfileFile(path, "b", { k: "v" }),
      (error: unknown) =>
        error instanceof CredentialsFileError &&
        error.message.includes(path) &&
        error.message.includes("Line 3 ") &&
        !error.message.includes("SECRETVALUE"),
    );
    assert.deepEqual(await Deno.readFile(path), bytes);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["credentials"],
    );
  });
});

Deno.test("updateProfileFile creates the folder with mode 0700 and the file with mode 0600", async () => {
  await withTempDir("aws_files_test_", async (dir) => {
    const path = `${dir}/home/.aws/credentials`;
    await updateProfileFile(path, "p", { aws_access_key_id: "AKIA" });
    assert.equal(mode(await Deno.stat(`${dir}/home/.aws`)), 0o700);
    assert.equal(mode(await Deno.stat(path)), 0o600);
    assert.equal(
      await Deno.readTextFile(path),
      "[p]\naws_access_key_id = AKIA\n",
    );
    // Neither the lock nor a temporary file is left behind.
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/home/.aws`)].map((e) => e.name),
      ["credentials"],
    );
  });
});

Deno.test("updateProfileFile keeps mode 0600 after an update and never widens an existing mode", async () => {
  await withTempDir("aws_files_test_", async (dir) => {
    const path = `${dir}/credentials`;
    await Deno.writeTextFile(path, "[a]\nk = 1\n");
    await Deno.chmod(path, 0o600);
    await updateProfileFile(path, "a", { k: "2" });
    assert.equal(mode(await Deno.stat(path)), 0o600);
    await updateProfileFile(path, "b", { k: "3" });
    assert.equal(mode(await Deno.stat(path)), 0o600);
    assert.equal(await Deno.readTextFile(path), "[a]\nk = 2\n\n[b]\nk = 3\n");

    await Deno.chmod(path, 0o644); // too open for secrets: narrowed
    await updateProfileFile(path, "b", { k: "4" });
    assert.equal(mode(await Deno.stat(path)), 0o600);

    await Deno.chmod(path, 0o400); // narrower than 0600: kept
    await updateProfileFile(path, "b", { k: "5" });
    assert.equal(mode(await Deno.stat(path)), 0o400);
  });
});

Deno.test("updateProfileFile through a symlink keeps the link and updates its target", async () => {
  await withTempDir("aws_files_test_", async (dir) => {
    await Deno.mkdir(`${dir}/real`);
    await Deno.mkdir(`${dir}/.aws`);
    const target = `${dir}/real/credentials`;
    const link = `${dir}/.aws/credentials`;
    await Deno.writeTextFile(target, "[a]\nk = 1\n", { mode: 0o600 });
    await Deno.symlink("../real/credentials", link);
    await updateProfileFile(link, "a", { k: "2" });
    assert.ok((await Deno.lstat(link)).isSymlink);
    assert.equal(await Deno.readLink(link), "../real/credentials");
    assert.equal(await Deno.readTextFile(target), "[a]\nk = 2\n");
    assert.equal(mode(await Deno.stat(target)), 0o600);
    // A dangling link gets its target created.
    const dangling = `${dir}/.aws/config`;
    await Deno.symlink(`${dir}/real/config`, dangling);
    await updateProfileFile(dangling, "default", { region: "eu-west-1" });
    assert.ok((await Deno.lstat(dangling)).isSymlink);
    assert.equal(
      await Deno.readTextFile(`${dir}/real/config`),
      "[default]\nregion = eu-west-1\n",
    );
  });
});

Deno.test("readProfile returns what the SDK parser reads after an edit", async () => {
  await withTempDir("aws_files_test_", async (dir) => {
    const env = {
      HOME: dir,
      AWS_SHARED_CREDENTIALS_FILE: `${dir}/credentials`,
      AWS_CONFIG_FILE: `${dir}/config`,
    };
    assert.equal(await readProfile("credentials", "work", env), undefined);
    await Deno.writeTextFile(env.AWS_SHARED_CREDENTIALS_FILE, HAND_WRITTEN);
    await updateProfileFile(env.AWS_SHARED_CREDENTIALS_FILE, "work", {
      aws_access_key_id: "AKIANEW",
      aws_secret_access_key: "abc/DEF+ghi=",
      aws_session_token: "IQoJb3JpZ2luX2VjE///+token==",
    });
    assert.deepEqual(await readProfile("credentials", "work", env), {
      region: "eu-west-1",
      aws_access_key_id: "AKIANEW",
      "s3.addressing_style": "path",
      aws_secret_access_key: "abc/DEF+ghi=",
      aws_session_token: "IQoJb3JpZ2luX2VjE///+token==",
    });
    assert.deepEqual(await readProfile("credentials", "personal", env), {
      aws_access_key_id: "AKIAPERSONAL",
    });
    assert.equal(await readProfile("credentials", "nobody", env), undefined);
    assert.equal(await readProfile("credentials", "__proto__", env), undefined);

    for (const profile of ["default", "dev"]) {
      await updateProfileFile(
        env.AWS_CONFIG_FILE,
        sectionName("config", profile),
        { region: `${profile}-region`, output: "json" },
      );
      assert.deepEqual(await readProfile("config", profile, env), {
        region: `${profile}-region`,
        output: "json",
      });
    }
  });
});

Deno.test("updateProfileFile from 8 concurrent processes keeps every profile and the existing bytes", async () => {
  await withTempDir("aws_files_test_", async (dir) => {
    const path = `${dir}/credentials`;
    await Deno.writeTextFile(path, HAND_WRITTEN, { mode: 0o600 });
    const script = `${dir}/writer.ts`;
    await Deno.writeTextFile(
      script,
      `import { updateProfileFile } from ${JSON.stringify(LIB_URL)};
const [path, profile, go] = Deno.args;
while (true) {
  try { await Deno.stat(go); break; } catch { await new Promise((r) => setTimeout(r, 2)); }
}
for (let round = 0; round < 5; round++) {
  await updateProfileFile(path, profile, {
    aws_access_key_id: "AKIA" + profile.toUpperCase(),
    ["round_" + round]: String(round),
  });
}
`,
    );
    const go = `${dir}/go`;
    const children = Array.from(
      { length: 8 },
      (_, i) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--config", DENO_JSON, script, path, `p${i}`, go],
          stdout: "piped",
          stderr: "piped",
        }).spawn(),
    );
    // Let them all start and wait for the signal, then release them at once.
    await new Promise((r) => setTimeout(r, 1500));
    await Deno.writeTextFile(go, "");
    const results = await Promise.all(children.map((c) => c.output()));
    for (const result of results) {
      assert.equal(
        result.code,
        0,
        new TextDecoder().decode(result.stderr),
      );
    }
    const after = await Deno.readTextFile(path);
    assert.ok(after.startsWith(HAND_WRITTEN), "existing content changed");
    const env = { HOME: dir, AWS_SHARED_CREDENTIALS_FILE: path };
    for (let i = 0; i < 8; i++) {
      assert.deepEqual(await readProfile("credentials", `p${i}`, env), {
        aws_access_key_id: `AKIAP${i}`,
        round_0: "0",
        round_1: "1",
        round_2: "2",
        round_3: "3",
        round_4: "4",
      });
    }
    assert.equal(mode(await Deno.stat(path)), 0o600);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["credentials", "go", "writer.ts"]);
  });
});

Deno.test("updateProfileFile goes on at once past lock files left behind, whatever they hold (round 1's stuck case: a live pid and a time in the future), and removes them", async () => {
  await withTempDir("aws_files_test_", async (dir) => {
    const path = `${dir}/credentials`;
    const leftovers = [
      "",
      JSON.stringify({
        pid: Deno.pid,
        host: Deno.hostname(),
        time: Date.now() + 365 * 86_400_000,
        nonce: "x",
      }),
    ];
    for (const [i, content] of leftovers.entries()) {
      await Deno.writeTextFile(`${path}.lock`, content);
      const started = Date.now();
      await updateProfileFile(path, "p", { k: `v${i}` });
      assert.ok(Date.now() - started < 2_000);
      assert.equal(await Deno.readTextFile(path), `[p]\nk = v${i}\n`);
      await assert.rejects(Deno.stat(`${path}.lock`), Deno.errors.NotFound);
    }
  });
});

Deno.test("updateProfileFile gives up with CredentialsFileError after about 10 s while another process holds the lock, leaving the file and the lock file unchanged", async () => {
  await withTempDir("aws_files_test_", async (dir) => {
    const path = `${dir}/credentials`;
    await Deno.writeTextFile(path, "[p]\nk = v\n");
    const holder = await spawnLockHolder(
      `import { withFileLock } from ${JSON.stringify(FILE_LOCK_URL)};
await withFileLock(Deno.args[0], () => new Promise((r) => setTimeout(r, 60_000)));
`,
      path,
      "holder",
    );
    try {
      const started = Date.now();
      await assert.rejects(
        updateProfileFile(path, "p", { k: "new" }),
        (error: unknown) =>
          error instanceof CredentialsFileError &&
          error.message.includes(
            `Timed out after 10 s waiting for ${path}.lock`,
          ),
      );
      const waited = Date.now() - started;
      assert.ok(waited >= 9_000 && waited < 15_000, `waited ${waited} ms`);
      assert.equal(await Deno.readTextFile(path), "[p]\nk = v\n");
      // Someone else's lock is not removed.
      assert.ok(await lockIsHeld(`${path}.lock`));
    } finally {
      holder.kill("SIGKILL");
      await holder.status;
    }
  });
});

Deno.test("a FIFO, a folder or a device in place of the credentials or config file: updateProfileFile and readProfile refuse it at once with CredentialsFileError, never open it, and leave it as it was", async () => {
  await withTempDir("aws_files_test_", async (dir) => {
    const fifo = `${dir}/fifo`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(made.success, "mkfifo");
    await Deno.mkdir(`${dir}/folder`);
    const regular = `${dir}/regular`;
    await Deno.writeTextFile(regular, "[p]\nk = v\n");
    const cases: [string, string, RegExp][] = [
      [fifo, "fifo", /it is a named pipe \(FIFO\), not a regular file/],
      [`${dir}/folder`, "folder", /it is a folder, not a regular file/],
      ["/dev/zero", "device", /it is a device, not a regular file/],
    ];
    for (const [path, name, problem] of cases) {
      const refused = (error: unknown) =>
        error instanceof CredentialsFileError && problem.test(error.message) &&
        error.message.includes(path);
      await assert.rejects(updateProfileFile(path, "p", { k: "v" }), refused);
      await assert.rejects(readAwsFile(path), refused, name);
      // As either file: the SDK reads both, and would wait on a FIFO.
      for (
        const env of [
          { AWS_SHARED_CREDENTIALS_FILE: path, AWS_CONFIG_FILE: regular },
          { AWS_SHARED_CREDENTIALS_FILE: regular, AWS_CONFIG_FILE: path },
        ]
      ) {
        for (const kind of ["credentials", "config"] as const) {
          await assert.rejects(readProfile(kind, "p", env), refused, name);
        }
      }
    }
    const info = await Deno.lstat(fifo);
    assert.ok(info.isFifo, "the FIFO is still a FIFO");
    await assert.rejects(Deno.stat(`${fifo}.lock`), Deno.errors.NotFound);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["fifo", "folder", "regular"]);
  });
});

Deno.test("the AWS CLI reads the credentials file updateProfileFile wrote", async () => {
  try {
    await Deno.stat(AWS_CLI);
  } catch {
    assert.fail(
      `${AWS_CLI} is missing: create the venv first ` +
        "(deno run -A tests/support/setup.ts).",
    );
  }
  await withTempDir("aws_files_test_", async (dir) => {
    const path = `${dir}/credentials`;
    await Deno.writeTextFile(path, HAND_WRITTEN, { mode: 0o600 });
    const values = {
      aws_access_key_id: "ASIAEXAMPLE123",
      aws_secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      aws_session_token: "IQoJb3JpZ2luX2VjE///token+with/slashes==",
    };
    await updateProfileFile(path, "p", values);
    await updateProfileFile(path, "work", { aws_access_key_id: "AKIAWORK2" });
    const env = {
      HOME: dir,
      AWS_SHARED_CREDENTIALS_FILE: path,
      AWS_CONFIG_FILE: `${dir}/config`,
    };
    const get = async (key: string, profile: string) => {
      const out = await new Deno.Command(AWS_CLI, {
        args: ["configure", "get", key, "--profile", profile],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `aws configure get ${key} failed: ${stderr}`);
      return new TextDecoder().decode(out.stdout).trim();
    };
    for (const [key, value] of Object.entries(values)) {
      assert.equal(await get(key, "p"), value);
    }
    assert.equal(await get("aws_access_key_id", "work"), "AKIAWORK2");
    assert.equal(await get("aws_access_key_id", "personal"), "AKIAPERSONAL");
  });
});
