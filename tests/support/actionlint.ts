/**
 * actionlint (Go module `github.com/rhysd/actionlint`), the linter the tests
 * run over `.github/workflows/`. `go install`ed into `.cache/bin` on first
 * use by `tests/support/setup.ts`.
 *
 * @module
 */
import { CACHE_DIR, goInstall } from "./tools.ts";

/** Pinned actionlint version. */
export const ACTIONLINT_VERSION = "v1.7.12";
/** Where actionlint is installed. */
export const ACTIONLINT = `${CACHE_DIR}/bin/actionlint`;

/** The version the installed binary reports, or undefined when absent. */
async function installedVersion(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(ACTIONLINT, {
      args: ["-version"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(out.stdout).split("\n")[0].trim();
  } catch {
    return undefined;
  }
}

/** Installs the pinned actionlint into `.cache/bin` unless it is there. */
export async function ensureActionlint(): Promise<string> {
  if (await installedVersion() === ACTIONLINT_VERSION) return ACTIONLINT;
  return await goInstall(
    "github.com/rhysd/actionlint/cmd/actionlint",
    ACTIONLINT_VERSION,
  );
}
