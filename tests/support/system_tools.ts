/**
 * Debian packages some tests run for real: zsh and fish (the completion
 * scripts), unzip (unpacking the Lambda zip as Lambda does) and chromium (the
 * real browser of the browser sign-in test). When one is
 * missing and we run as root with apt-get (CI, a fresh Debian machine), this
 * installs it; otherwise it says how, and the tests that need it fail.
 *
 * @module
 */
import { exists } from "./tools.ts";

/** Command on PATH → the Debian package that provides it. */
const TOOLS: Record<string, string> = {
  zsh: "zsh",
  fish: "fish",
  unzip: "unzip",
  // A real browser for `console` ($BROWSER) and the browser sign-in.
  chromium: "chromium",
  zip: "zip", // making the zips people build for `lambda deploy --zip`
};

async function onPath(command: string): Promise<boolean> {
  const dirs = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":");
  for (const dir of dirs) {
    if (dir && await exists(`${dir}/${command}`)) return true;
  }
  return false;
}

/** Installs the missing tools with apt-get when possible. */
export async function ensureSystemTools(): Promise<void> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(TOOLS)) {
    if (!await onPath(command)) missing.push(pkg);
  }
  if (missing.length === 0) return;
  const root = Deno.uid?.() === 0;
  if (!root || !await exists("/usr/bin/apt-get")) {
    console.error(
      `Missing ${missing.join(", ")} for some tests; install them with your ` +
        `package manager.`,
    );
    return;
  }
  console.error(`Installing ${missing.join(", ")} with apt-get ...`);
  const env = { ...Deno.env.toObject(), DEBIAN_FRONTEND: "noninteractive" };
  for (
    const args of [["update", "-qq"], ["install", "-y", "-qq", ...missing]]
  ) {
    const out = await new Deno.Command("apt-get", {
      args,
      env,
      stdout: "null",
      stderr: "inherit",
    }).output();
    if (!out.success) {
      console.error(`apt-get ${args.join(" ")} failed with code ${out.code}`);
      return;
    }
  }
}
