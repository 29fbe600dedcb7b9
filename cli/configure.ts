/**
 * `aws-cognito-auth configure`: save the pool ids and region to the config
 * file, by prompts on a terminal or by flags.
 *
 * @module
 */
import {
  configFilePath,
  loadConfigFile,
  resolveSettings,
  saveConfigFile,
  type SettingName,
  type Settings,
  validateSettings,
} from "../lib/config.ts";
import { InputRequiredError } from "../lib/errors.ts";
import { type Prompter, terminalPrompter } from "./terminal.ts";
import { out } from "./run.ts";

/** The settings flags, as commander gives them. */
export type ConfigureFlags = Settings;

const QUESTIONS: [SettingName, string][] = [
  ["userPoolId", "Cognito User Pool id"],
  ["clientId", "User Pool app client id"],
  ["identityPoolId", "Cognito Identity Pool id"],
  ["region", "AWS region"],
  ["lambdaFunctionName", "Credential proxy function name"],
];

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
    for (const [name] of QUESTIONS) {
      if (flags[name] !== undefined) next[name] = flags[name];
    }
  } else if (prompter) {
    const current = resolveSettings({}, env, existing?.settings, {
      configPath: path,
      configFileFound: existing !== undefined,
    }).values;
    // Settings not asked about (e.g. a client secret) stay as they are.
    for (const [name, question] of QUESTIONS) {
      const answer = (await prompter.text(question, current[name])).trim();
      if (answer) next[name] = answer;
      else delete next[name];
    }
  } else {
    throw new InputRequiredError(
      "configure needs a terminal to ask questions, or the values as flags: " +
        "--user-pool-id, --client-id, --identity-pool-id, --region, " +
        "--lambda-function-name.",
    );
  }
  if (next.lambdaFunctionName === "cognito-credential-proxy") {
    // The default needs no entry of its own in the file.
    delete next.lambdaFunctionName;
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
