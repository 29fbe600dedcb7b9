/**
 * actionlint (Go module `github.com/rhysd/actionlint`), the linter the tests
 * run over `.github/workflows/`. `go install`ed into `.cache/bin` on first
 * use by `tests/support/setup.ts`.
 *
 * @module
 */
import { CACHE_DIR } from "./tools.ts";

/** Pinned actionlint version. */
export const ACTIONLINT_VERSION = "v1.7.12";
/** Where actionlint is installed. */
export const ACTIONLINT = `${CACHE_DIR}/bin/actionlint`;

function goBinary(): string {
  const configured = Deno.env.get("GO");
  if (configured) return configured;
  try {
    Deno.statSync("/usr/local/go/bin/go");
    return "/usr/local/go/bin/go";
  } catch {
    return "go";
  }
}

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
  console.error(
    `Installing actionlint ${ACTIONLINT_VERSION} into ${ACTIONLINT} ...`,
  );
  await Deno.mkdir(`${CACHE_DIR}/bin`, { recursive: true });
  const out = await new Deno.Command(goBinary(), {
    args: [
      "install",
      `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`,
    ],
    env: { GOBIN: `${CACHE_DIR}/bin`, GOFLAGS: "-modcacherw" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) {
    throw new Error(`go install of actionlint failed (code ${out.code})`);
  }
  return ACTIONLINT;
}
