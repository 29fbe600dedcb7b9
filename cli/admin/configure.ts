/**
 * `aws-cognito-admin configure`: save the names the admin commands give the
 * resources they create to the admin config file
 * (`~/.cognito-admin-config.json`, the original tool's file), by prompts on a
 * terminal or by flags.
 *
 * @module
 */
import {
  type AdminName,
  adminNameRows,
  loadAdminConfig,
  saveAdminConfig,
} from "../../lib/admin_config.ts";
import { InputRequiredError } from "../../lib/errors.ts";
import { type Prompter, terminalPrompter } from "../terminal.ts";
import { out } from "../report.ts";

/** The names, as flags. */
export type AdminConfigureFlags = Partial<Record<AdminName, string>>;

/**
 * Merges names into the admin config file, keeping every key it does not
 * set. With no flags on a terminal, asks for each name with the current one
 * (or our default) as default, and writes them all, so that the original
 * tool, whose defaults differ, reads the same names.
 */
export async function adminConfigureCommand(
  flags: AdminConfigureFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  const config = await loadAdminConfig(env);
  const names: AdminConfigureFlags = {};
  if (Object.values(flags).some((value) => value !== undefined)) {
    Object.assign(names, flags);
  } else if (prompter) {
    for (const [name, spec] of adminNameRows()) {
      const current = config.names[name] ?? spec.default;
      names[name] = (await prompter.text(spec.question, current)).trim() ||
        current;
    }
  } else {
    throw new InputRequiredError(
      "configure needs a terminal to ask questions, or the names as flags: " +
        `${adminNameRows().map(([, spec]) => spec.flag).join(", ")}.`,
    );
  }
  await saveAdminConfig(config, names);
  out.info(`Saved admin settings to ${config.path}`);
}
