/**
 * `aws-cognito-auth configure`: save the pool ids and region to the config
 * file, by prompts on a terminal or by flags. What it asks is every row of
 * the settings table that has a question.
 *
 * @module
 */
import {
  configFilePath,
  loadConfigFile,
  loadSettings,
  resolveSettings,
  saveConfigFile,
  SETTING_ROWS,
  type Settings,
  type SharedFlagName,
  validateSettings,
} from "../lib/config.ts";
import { InputRequiredError } from "../lib/errors.ts";
import { type Prompter, terminalPrompter } from "./terminal.ts";
import { out } from "./report.ts";

/** The settings flags, as commander gives them. */
export type ConfigureFlags = Pick<Settings, SharedFlagName>;

/** The settings `configure` asks about, in table order. */
const ASKED = SETTING_ROWS.filter(([, row]) => row.question !== undefined);

/**
 * Merges new values into the config file. With no flags on a terminal, asks
 * for each value with the current one as default.
 */
export async function configureCommand(
  flags: ConfigureFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  const path = configFilePath(env);
  const existing = await loadConfigFile(path);
  const given = Object.values(flags).some((v) => v !== undefined);
  const next: Settings = { ...existing?.settings };
  if (given) {
    for (const [name] of ASKED) {
      const value = (flags as Settings)[name];
      if (value !== undefined) next[name] = value;
    }
  } else if (prompter) {
    const current = await loadSettings({}, env);
    // Settings not asked about (e.g. a client secret) stay as they are.
    for (const [name, { question }] of ASKED) {
      const shown = current.values[name];
      const answer = (await prompter.text(question!, shown)).trim();
      const source = current.sources[name];
      if (!answer) delete next[name];
      else if (
        answer === shown && (source === "default" || source === "admin-file")
      ) {
        // A default, or a name the admin config file gives, needs no entry
        // of its own in the file.
        delete next[name];
      } else next[name] = answer;
    }
  } else {
    throw new InputRequiredError(
      "configure needs a terminal to ask questions, or the values as flags: " +
        `${ASKED.map(([, row]) => row.flag).join(", ")}.`,
    );
  }
  for (const [name, row] of ASKED) {
    // The default needs no entry of its own in the file.
    if (row.default !== undefined && next[name] === row.default) {
      delete next[name];
    }
  }
  validateSettings(
    resolveSettings(next, {}, undefined, {
      configPath: path,
      configFileFound: true,
    }),
    [],
  );
  await saveConfigFile(path, next, existing?.raw);
  out.info(`Saved settings to ${path}`);
}
