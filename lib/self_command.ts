/**
 * "How to call us": the command line that runs this very tool again, for
 * the `credential_process` line `setup-profile` writes. It depends on how
 * the tool was started: from a local file (`deno run -A auth.ts`), from JSR
 * (`deno run -A jsr:@cognito-authoriser/cli`, which `deno install -g` also
 * does), or as a binary built with `deno compile`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { ConfigError } from "./errors.ts";
import {
  type Platform,
  quoteCommandLine,
  UnquotableWordError,
} from "./shell.ts";

/** How the running tool was started. */
export interface Invocation {
  /** `Deno.mainModule`. */
  mainModule: string;
  /** `Deno.execPath()`: the deno binary, or the compiled binary itself. */
  execPath: string;
  /** `Deno.build.standalone`: true in a binary built with `deno compile`. */
  standalone: boolean;
  /** The JSR package name, e.g. `@cognito-authoriser/cli`. */
  packageName: string;
  /** The package version, e.g. `0.1.0`. */
  version: string;
}

/** The invocation of the running process. */
export function currentInvocation(
  packageName: string,
  version: string,
): Invocation {
  return {
    mainModule: Deno.mainModule,
    execPath: Deno.execPath(),
    standalone: Boolean(
      (Deno.build as { standalone?: boolean }).standalone,
    ),
    packageName,
    version,
  };
}

/**
 * The words that start this tool again: `[<binary>]` when compiled;
 * `["deno", "run", "-A", "jsr:<package>@<version>"]` when started from JSR;
 * `[<deno>, "run", "-A", <path of the entry file>]` from a local file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selfCommand } from "./self_command.ts";
 * const base = { execPath: "/usr/bin/deno", standalone: false, packageName: "@cognito-authoriser/cli", version: "1.2.3" };
 * assert.deepEqual(
 *   selfCommand({ ...base, mainModule: "file:///opt/my%20tools/auth.ts" }),
 *   ["/usr/bin/deno", "run", "-A", "/opt/my tools/auth.ts"],
 * );
 * assert.deepEqual(
 *   selfCommand({ ...base, mainModule: "https://jsr.io/@cognito-authoriser/cli/1.2.3/auth.ts" }),
 *   ["deno", "run", "-A", "jsr:@cognito-authoriser/cli@1.2.3"],
 * );
 * assert.deepEqual(
 *   selfCommand({ ...base, standalone: true, execPath: "/usr/local/bin/aws-cognito-auth", mainModule: "file:///tmp/deno-compile-aws-cognito-auth/auth.ts" }),
 *   ["/usr/local/bin/aws-cognito-auth"],
 * );
 * ```
 */
export function selfCommand(invocation: Invocation): string[] {
  const { mainModule, execPath } = invocation;
  if (invocation.standalone) return [execPath];
  if (
    mainModule.startsWith("https://jsr.io/") || mainModule.startsWith("jsr:")
  ) {
    return [
      "deno",
      "run",
      "-A",
      `jsr:${invocation.packageName}@${invocation.version}`,
    ];
  }
  const entry = mainModule.startsWith("file:")
    ? fileURLToPath(mainModule)
    : mainModule;
  return [execPath, "run", "-A", entry];
}

/**
 * The `credential_process` line for a profile: {@linkcode selfCommand} then
 * `credential-process --profile <profile>`, each word quoted for how the AWS
 * CLI and SDKs on `platform` (`Deno.build.os`) split it: for a POSIX shell
 * and botocore's `shlex.split`, or on Windows for botocore's Windows splitter
 * and `cmd.exe`. Throws {@linkcode ConfigError} when a word cannot be quoted
 * for both (a `%` in a Windows path, say), saying to pass `--command`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { credentialProcessLine } from "./self_command.ts";
 * const binary = {
 *   mainModule: "file:///C:/deno-compile-aws-cognito-auth/auth.ts",
 *   execPath: "C:\\Program Files\\aws-cognito-auth.exe",
 *   standalone: true,
 *   packageName: "@cognito-authoriser/cli",
 *   version: "1.2.3",
 * };
 * assert.equal(
 *   credentialProcessLine(binary, "dev", "windows"),
 *   '"C:\\Program Files\\aws-cognito-auth.exe" credential-process --profile dev',
 * );
 * ```
 */
export function credentialProcessLine(
  invocation: Invocation,
  profile: string,
  platform: Platform,
): string {
  const words = [
    ...selfCommand(invocation),
    "credential-process",
    "--profile",
    profile,
  ];
  try {
    return quoteCommandLine(words, platform);
  } catch (error) {
    if (!(error instanceof UnquotableWordError)) throw error;
    throw new ConfigError(
      `Cannot write the credential_process line for Windows: ${error.message}. ` +
        `Use a path and profile name without it, or write the line yourself ` +
        `with setup-profile --command "<line>".`,
      { cause: error },
    );
  }
}
