/**
 * `deno task compile`: builds self-contained binaries of both entry points
 * for every release target into `dist/bin/`, named
 * `aws-cognito-auth-<target>` and `aws-cognito-admin-<target>` (`.exe` on
 * Windows). The release workflow runs it; it needs Deno's runtime download,
 * which these development machines cannot reach.
 *
 * `--print` lists the `deno compile` commands instead of running them.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The targets binaries are built for (`deno compile --target`). */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** The entry points, by the command name their binaries carry. */
export const ENTRY_POINTS = {
  "aws-cognito-auth": "auth.ts",
  "aws-cognito-admin": "admin.ts",
} as const;

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One `deno compile` run. */
export interface CompileJob {
  /** The binary's path, relative to the project root. */
  output: string;
  /** Arguments after `deno`. */
  args: string[];
}

/** The `deno compile` runs that build every binary. */
export function compileJobs(outDir = "dist/bin"): CompileJob[] {
  return TARGETS.flatMap((target) =>
    Object.entries(ENTRY_POINTS).map(([name, entry]) => {
      const exe = target.includes("windows") ? ".exe" : "";
      const output = `${outDir}/${name}-${target}${exe}`;
      return {
        output,
        args: [
          "compile",
          "--allow-all",
          "--frozen",
          "--target",
          target,
          "--output",
          output,
          entry,
        ],
      };
    })
  );
}

if (import.meta.main) {
  const jobs = compileJobs();
  if (Deno.args.includes("--print")) {
    for (const job of jobs) console.log(`deno ${job.args.join(" ")}`);
  } else {
    await Deno.mkdir(`${ROOT}dist/bin`, { recursive: true });
    for (const job of jobs) {
      console.error(`Compiling ${job.output} ...`);
      const { success, code } = await new Deno.Command(Deno.execPath(), {
        args: job.args,
        cwd: ROOT,
        stdout: "inherit",
        stderr: "inherit",
      }).output();
      if (!success) {
        console.error(`deno compile failed (exit ${code}) for ${job.output}`);
        Deno.exit(1);
      }
    }
  }
}
