/**
 * Opens a URL in the user's browser: `$BROWSER` when it is set (run with the
 * URL as its one argument, no shell), else the platform's opener
 * (`xdg-open` on Linux and the BSDs, `open` on macOS, `rundll32`'s URL
 * handler on Windows, which, unlike `cmd /c start`, does not read `&` in the
 * URL as a command separator). The URL may be a secret (a console sign-in
 * link): it is never printed, logged or put in an error message, and the
 * browser's own output is discarded.
 *
 * @module
 */
import { CliError, ExitCode } from "./errors.ts";

/** No browser could be opened. */
export class OpenUrlError extends CliError {
  /** Creates an open-url error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.openUrl, options);
  }
}

/** Options of {@linkcode openUrl}. */
export interface OpenUrlOptions {
  /** Environment (`BROWSER`, `PATH`); default `Deno.env`. */
  env?: Record<string, string | undefined>;
  /** The platform; default `Deno.build.os`. */
  os?: typeof Deno.build.os;
}

/** How long an opener may take to fail before it counts as started. */
const SETTLE_MS = 3000;

/** The program and arguments that open `url` on `os`, without `$BROWSER`. */
function platformOpener(
  url: string,
  os: typeof Deno.build.os,
): [string, string[]] {
  if (os === "darwin") return ["open", [url]];
  if (os === "windows") {
    return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  }
  return ["xdg-open", [url]];
}

/**
 * Opens `url` with `$BROWSER` (its one argument) or the platform's opener.
 * Resolves once the opener has exited with 0, or is still running after a
 * few seconds (a browser that stays open; it is left running). Throws
 * {@linkcode OpenUrlError} (exit 56) when the program is missing or fails.
 *
 * @example
 * ```ts ignore
 * import { openUrl } from "./open_url.ts";
 * await openUrl("https://console.aws.amazon.com/");
 * ```
 */
export async function openUrl(
  url: string,
  options: OpenUrlOptions = {},
): Promise<void> {
  const env = options.env ?? Deno.env.toObject();
  const os = options.os ?? Deno.build.os;
  const browser = env.BROWSER?.trim();
  const [program, args] = browser ? [browser, [url]] : platformOpener(url, os);
  const what = browser ? `$BROWSER (${browser})` : program;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      env: Object.fromEntries(
        Object.entries(env).filter((e): e is [string, string] =>
          e[1] !== undefined
        ),
      ),
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    throw new OpenUrlError(
      `Could not open a browser: ${what} ${
        error instanceof Deno.errors.NotFound
          ? "was not found"
          : "could not be started"
      }. Set BROWSER to the command of a browser.`,
      { cause: error },
    );
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = await Promise.race([
    child.status,
    new Promise<"running">((resolve) => {
      timer = setTimeout(() => resolve("running"), SETTLE_MS);
    }),
  ]);
  clearTimeout(timer);
  if (settled === "running") {
    // A browser that stays open: do not keep this process alive for it.
    child.unref();
    return;
  }
  if (!settled.success) {
    throw new OpenUrlError(
      `Could not open a browser: ${what} ended with exit code ` +
        `${settled.code}. Set BROWSER to the command of a browser.`,
    );
  }
}
