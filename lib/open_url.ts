/**
 * Opens a web address in the user's browser, as `aws sso login` does: the
 * command in `$BROWSER` when it is set (run with the address as its one
 * argument, as Python's `webbrowser` and `xdg-open` do; several commands may
 * be listed, separated like `PATH`, and the first that starts is used), else
 * the platform's opener: `xdg-open` (Linux and other Unix), `open` (macOS),
 * `rundll32 url.dll,FileProtocolHandler` (Windows; unlike `cmd /c start`, it
 * takes the address as one argument, so the `&` between its parameters is
 * not read as a command separator).
 *
 * It never prints the address: the caller does, so that the user can open it
 * by hand when no browser comes up.
 *
 * @module
 */
import { CliError, ExitCode } from "./errors.ts";

/** No browser could be opened (nothing to run, or it failed at once). */
export class BrowserOpenError extends CliError {
  /** Creates a browser-open error. */
  constructor(message: string) {
    super(message, ExitCode.browserOpenFailed);
  }
}

/** Options of {@linkcode openUrl}. */
export interface OpenUrlOptions {
  /**
   * The environment to read `BROWSER` and `PATH` from, and to run the opener
   * with (default: this process's environment).
   */
  env?: Record<string, string | undefined>;
  /** The platform whose opener to use (default `Deno.build.os`). */
  os?: typeof Deno.build.os;
}

/** This tool's secrets, kept out of the browser's environment. */
const BROWSER_UNSET = [
  "COGNITO_PASSWORD",
  "COGNITO_NEW_PASSWORD",
  "COGNITO_CLIENT_SECRET",
];

/** How long an opener has to fail before it counts as having started. */
const SETTLE_MS = 1500;

/** The commands to try, in order: `[program, ...args]`. */
export function openerCommands(
  url: string,
  options: OpenUrlOptions = {},
): string[][] {
  const env = options.env ?? Deno.env.toObject();
  const os = options.os ?? Deno.build.os;
  const browser = env.BROWSER?.trim();
  if (browser) {
    const separator = os === "windows" ? ";" : ":";
    return browser.split(separator).map((entry) => entry.trim()).filter(
      Boolean,
    ).map((program) => [program, url]);
  }
  switch (os) {
    case "darwin":
      return [["open", url]];
    case "windows":
      return [["rundll32", "url.dll,FileProtocolHandler", url]];
    default:
      return [["xdg-open", url]];
  }
}

/**
 * Opens `url` in a browser. Resolves once the opener has started (it is left
 * running: a browser started by `$BROWSER` may live on); throws
 * {@linkcode BrowserOpenError} when no opener could be run or it failed
 * within a moment. Never prints `url`. The opener runs without
 * `COGNITO_PASSWORD`, `COGNITO_NEW_PASSWORD` and `COGNITO_CLIENT_SECRET` in
 * its environment.
 *
 * @example
 * ```ts ignore
 * import { openUrl } from "./open_url.ts";
 * await openUrl("https://example.com/");
 * ```
 */
export async function openUrl(
  url: string,
  options?: {
    env?: Record<string, string | undefined>;
    os?: typeof Deno.build.os;
  },
): Promise<void> {
  // The browser may live on for days and start other programs: it gets the
  // environment without this tool's own secrets (names in any case, as
  // Windows matches them).
  const childEnv = Object.fromEntries(
    Object.entries(options?.env ?? Deno.env.toObject()).filter((
      entry,
    ): entry is [string, string] =>
      entry[1] !== undefined &&
      !BROWSER_UNSET.includes(entry[0].toUpperCase())
    ),
  );
  const commands = openerCommands(url, options);
  const tried: string[] = [];
  for (const [program, ...args] of commands) {
    tried.push(program);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        env: childEnv,
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch {
      continue; // not installed, not executable: try the next one
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
      child.unref();
      return;
    }
    if (settled.success) return;
    throw new BrowserOpenError(
      `The browser could not be opened: ${program} ended with exit code ` +
        `${settled.code}. Open the address shown above by hand, or set ` +
        "BROWSER to the command that opens your browser.",
    );
  }
  throw new BrowserOpenError(
    `No browser could be opened (tried ${tried.join(", ") || "nothing"}). ` +
      "Open the address shown above by hand, set BROWSER to the command " +
      "that opens your browser, or use --no-browser.",
  );
}
