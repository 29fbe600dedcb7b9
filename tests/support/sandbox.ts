/**
 * Runs a command in its own Linux mount or network namespace (`unshare`), so
 * a test can give it a full disk (a 16 KB tmpfs), a read-only folder (a
 * read-only bind mount) or no network at all (so DNS fails at once, without
 * a packet leaving the machine), and nothing outside the command sees it.
 *
 * As root `unshare` works directly; otherwise it needs unprivileged user
 * namespaces (`unshare -r`, which some hosts forbid). {@linkcode unsharePrefix}
 * tells which works here; tests fall back to an equivalent fault where
 * neither does, and say which one they used.
 *
 * @module
 */
import { runCommand, type RunResult } from "./tools.ts";

let probed: Promise<string[] | undefined> | undefined;

/**
 * The `unshare` invocation that may create namespaces here (`["unshare"]` as
 * root, `["unshare", "-r"]` with user namespaces), or `undefined` when none
 * can.
 */
export function unsharePrefix(): Promise<string[] | undefined> {
  probed ??= (async () => {
    const candidates = Deno.uid() === 0
      ? [["unshare"], ["unshare", "-r"]]
      : [["unshare", "-r"]];
    for (const prefix of candidates) {
      try {
        const probe = await runCommand(prefix[0], [
          ...prefix.slice(1),
          "-m",
          "-n",
          "sh",
          "-c",
          'd=$(mktemp -d) && mount -t tmpfs -o size=16k tmpfs "$d" && umount "$d" && rmdir "$d"',
        ]);
        if (probe.code === 0) return prefix;
      } catch {
        // no unshare at all
      }
    }
    return undefined;
  })();
  return probed;
}

/**
 * Runs `cmd args` under `sh -c` in new namespaces (`-m` mount, `-n`
 * network), after `setup` (shell commands run inside first, e.g. mounts).
 * The environment is exactly `env` plus PATH.
 */
export async function runIsolated(
  namespaces: ("-m" | "-n")[],
  setup: string,
  cmd: string,
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<RunResult> {
  const prefix = await unsharePrefix();
  if (!prefix) throw new Error("no namespaces here: check unsharePrefix()");
  return runCommand(prefix[0], [
    ...prefix.slice(1),
    ...namespaces,
    "sh",
    "-c",
    `set -e\n${setup}\nexec "$@"`,
    "sh",
    cmd,
    ...args,
  ], { env, stdin });
}

/** Quotes a word for `sh`. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `cmd args` (environment `env`) while `folder` is read-only to it: a
 * read-only bind mount in a mount namespace of its own when `namespaces`,
 * else `chmod 0500` on the folder, undone after (which root would ignore,
 * so that fallback refuses to run as root).
 */
export async function runWithReadOnlyFolder(
  folder: string,
  namespaces: boolean,
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Promise<RunResult> {
  if (namespaces) {
    return await runIsolated(
      ["-m"],
      `mount --bind ${shellQuote(folder)} ${shellQuote(folder)}\n` +
        `mount -o remount,bind,ro ${shellQuote(folder)}`,
      cmd,
      args,
      env,
    );
  }
  if (Deno.uid() === 0) {
    throw new Error("root without namespaces: chmod cannot make it read-only");
  }
  await Deno.chmod(folder, 0o500);
  try {
    return await runCommand(cmd, args, { env });
  } finally {
    await Deno.chmod(folder, 0o700);
  }
}
