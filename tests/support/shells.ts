/**
 * The completion tests run the scripts in real zsh and fish. When they are
 * missing and we run as root with apt-get (CI, a fresh Debian machine), this
 * installs them; otherwise it says how, and the tests that need them fail.
 *
 * @module
 */
import { exists, shellInstalled } from "./tools.ts";

/** Installs zsh and fish with apt-get when missing and possible. */
export async function ensureShells(): Promise<void> {
  const missing = ["zsh", "fish"].filter((shell) => !shellInstalled(shell));
  if (missing.length === 0) return;
  const root = Deno.uid?.() === 0;
  if (!root || !await exists("/usr/bin/apt-get")) {
    console.error(
      `Missing ${missing.join(" and ")} for the completion tests; install ` +
        `them with your package manager.`,
    );
    return;
  }
  console.error(`Installing ${missing.join(" and ")} with apt-get ...`);
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
