/**
 * Helpers shared by the reliability, hostile-input, secret-hygiene and login
 * tests: a hand-written credentials file to protect, snapshots of a folder tree
 * (bytes and modes) to prove "no change to any file", checks that output
 * holds no stack trace, and reads through the AWS SDK's own parser.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadSharedConfigFiles } from "@smithy/shared-ini-file-loader";
import type { TempHome } from "./cli.ts";
import { waitFor } from "./tools.ts";

/**
 * A credentials file as people keep it: comments of both kinds, blank lines,
 * odd spacing, an indented first key, and five profiles that are not ours.
 * It ends with a comment, so new profiles are appended after it and the
 * original bytes stay a prefix of the file.
 */
export const HAND_WRITTEN_CREDENTIALS = [
  "# Shared credentials, kept by hand. Do not reorder.",
  "; the second comment style",
  "[work]",
  "aws_access_key_id = AKIAWORK000000000001",
  "aws_secret_access_key = work-secret-00000000000000000000000000001",
  "# trailing comment of work",
  "",
  "[personal]",
  "aws_access_key_id=AKIAPERSONAL00000002",
  "aws_secret_access_key=personal-secret-0000000000000000000000002",
  "region = eu-west-1",
  "",
  "; a profile with a session token",
  "[ci]",
  "aws_access_key_id = ASIACI00000000000003",
  "aws_secret_access_key = ci-secret-0000000000000000000000000000003",
  "aws_session_token = ci-token-3",
  "[legacy]",
  "  aws_access_key_id = AKIALEGACY0000000004",
  "aws_secret_access_key   =   legacy-secret-00000000000000000000004",
  "[shared-team]",
  "aws_access_key_id = AKIATEAM000000000005",
  "aws_secret_access_key = team-secret-0000000000000000000000000005",
  "# end of the hand-written profiles",
  "",
].join("\n");

/**
 * Writes {@linkcode HAND_WRITTEN_CREDENTIALS} as the home's credentials file
 * (mode 0600, in a `.aws` folder of mode 0700) and returns the text.
 */
export async function writeHandWrittenCredentials(
  home: TempHome,
): Promise<string> {
  await Deno.mkdir(`${home.dir}/.aws`, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(home.credentialsFile, HAND_WRITTEN_CREDENTIALS, {
    mode: 0o600,
  });
  return HAND_WRITTEN_CREDENTIALS;
}

/** The five profiles of {@linkcode HAND_WRITTEN_CREDENTIALS}, as the SDK reads them. */
export const HAND_WRITTEN_PROFILES: Record<string, Record<string, string>> = {
  work: {
    aws_access_key_id: "AKIAWORK000000000001",
    aws_secret_access_key: "work-secret-00000000000000000000000000001",
  },
  personal: {
    aws_access_key_id: "AKIAPERSONAL00000002",
    aws_secret_access_key: "personal-secret-0000000000000000000000002",
    region: "eu-west-1",
  },
  ci: {
    aws_access_key_id: "ASIACI00000000000003",
    aws_secret_access_key: "ci-secret-0000000000000000000000000000003",
    aws_session_token: "ci-token-3",
  },
  legacy: {
    aws_access_key_id: "AKIALEGACY0000000004",
    aws_secret_access_key: "legacy-secret-00000000000000000000004",
  },
  "shared-team": {
    aws_access_key_id: "AKIATEAM000000000005",
    aws_secret_access_key: "team-secret-0000000000000000000000000005",
  },
};

/** A config file next to it, with a comment and one profile. */
export const HAND_WRITTEN_CONFIG =
  "# my config\n[default]\nregion = eu-central-1\noutput = json\n";

/** The four keys `login` writes into a profile of the credentials file. */
export const LOGIN_KEYS = [
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "x_security_token_expires",
];

/** One file or folder of a snapshot. */
export interface TreeEntry {
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  /**
   * "dir", "-> target" for a symlink, "special <inode>" for a FIFO or device,
   * or the file's size and the hex of its SHA-256.
   */
  content: string;
}

/** Every path under `root` (relative), with its mode and content digest. */
export async function snapshotTree(
  root: string,
): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  const walk = async (dir: string, prefix: string) => {
    let items: Deno.DirEntry[];
    try {
      items = await Array.fromAsync(Deno.readDir(dir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const item of items) {
      const path = `${dir}/${item.name}`;
      const name = prefix + item.name;
      const info = await Deno.lstat(path);
      const mode = (info.mode ?? 0) & 0o7777;
      if (info.isDirectory) {
        entries.set(name, { mode, content: "dir" });
        await walk(path, `${name}/`);
      } else if (info.isSymlink) {
        entries.set(name, { mode, content: `-> ${await Deno.readLink(path)}` });
      } else if (!info.isFile) {
        // A FIFO or device: never opened (a FIFO would wait for a writer).
        entries.set(name, { mode, content: `special ${info.ino}` });
      } else {
        const bytes = await Deno.readFile(path);
        const digest = new Uint8Array(
          await crypto.subtle.digest("SHA-256", bytes),
        );
        const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0"))
          .join("");
        entries.set(name, { mode, content: `${bytes.length}:${hex}` });
      }
    }
  };
  await walk(root, "");
  return entries;
}

/**
 * Lists what differs between two snapshots ("+ path" added, "- path"
 * removed, "~ path" changed), ignoring paths `ignore` accepts.
 */
export function treeChanges(
  before: Map<string, TreeEntry>,
  after: Map<string, TreeEntry>,
  ignore: (path: string) => boolean = () => false,
): string[] {
  const changes: string[] = [];
  for (const [path, entry] of after) {
    if (ignore(path)) continue;
    const old = before.get(path);
    if (!old) changes.push(`+ ${path}`);
    else if (old.mode !== entry.mode || old.content !== entry.content) {
      changes.push(`~ ${path}`);
    }
  }
  for (const path of before.keys()) {
    if (!after.has(path) && !ignore(path)) changes.push(`- ${path}`);
  }
  return changes.sort();
}

/** Asserts that a run printed no JavaScript stack trace. */
export function assertNoStackTrace(
  run: { stdout: string; stderr: string },
  what = "output",
): void {
  for (const text of [run.stdout, run.stderr]) {
    assert.doesNotMatch(text, /^\s+at .+/m, `a stack trace in the ${what}`);
    assert.doesNotMatch(text, /Unexpected error/, `an unexpected error`);
  }
}

/**
 * Reads every profile of a credentials file with the AWS SDK's own parser
 * (`loadSharedConfigFiles`, cache off). A file that cannot be read or parsed
 * reads as `{}`, as the SDK treats it.
 */
export async function sdkCredentialsProfiles(
  path: string,
): Promise<Record<string, Record<string, string | undefined>>> {
  const files = await loadSharedConfigFiles({
    filepath: path,
    configFilepath: `${path}.no-config`,
    ignoreCache: true,
  });
  return files.credentialsFile;
}

/** Like {@linkcode sdkCredentialsProfiles} for the profiles of a config file. */
export async function sdkConfigProfiles(
  path: string,
): Promise<Record<string, Record<string, string | undefined>>> {
  const files = await loadSharedConfigFiles({
    filepath: `${path}.no-credentials`,
    configFilepath: path,
    ignoreCache: true,
  });
  return files.configFile;
}

/** A TCP port on 127.0.0.1 that refuses connections (nothing listens). */
export function deadEndpoint(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `http://127.0.0.1:${port}`;
}

/**
 * Whether some process holds the kernel lock of `lockPath` (as
 * `lib/file_lock.ts` takes it): tries to take it without waiting, and lets
 * go at once if that worked. A missing lock file is not held.
 */
export async function lockIsHeld(lockPath: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(lockPath, { read: true, write: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  try {
    return !await file.tryLock(true);
  } finally {
    file.close();
  }
}

/**
 * Runs `script` with `deno eval`, its one argument `path`, and resolves once
 * it holds the lock of `path` ({@linkcode lockIsHeld} of `<path>.lock`); if
 * it does not within 20 s, kills it and throws `the <who> never took the
 * lock`.
 */
export async function spawnLockHolder(
  script: string,
  path: string,
  who: string,
  env?: Record<string, string>,
): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script, path],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  if (!await waitFor(() => lockIsHeld(`${path}.lock`), 20_000, 20)) {
    child.kill("SIGKILL");
    await child.status;
    throw new Error(`the ${who} never took the lock`);
  }
  return child;
}
