/**
 * `completions bash|zsh|fish`: prints a shell completion script for the
 * program it is added to. The script is generated from the commander program
 * itself (its commands, aliases, options, option values and argument
 * choices), so it never drifts from what the parser accepts.
 *
 * @module
 */
import {
  Argument,
  type CommandUnknownOpts,
  type Option,
} from "@commander-js/extra-typings";
import { out } from "./report.ts";

/** The shells a completion script can be printed for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** A shell {@linkcode completionScript} can write for. */
export type Shell = typeof SHELLS[number];

/** A subcommand as completion offers it. */
export interface CompletionCommand {
  /** The word to type (a name or an alias). */
  name: string;
  /** One line shown next to it by zsh and fish. */
  description: string;
}

/** An option as completion offers it. */
export interface CompletionOption {
  /** Its spellings, e.g. `["-u", "--username"]`. */
  flags: string[];
  /** One line shown next to it by zsh and fish. */
  description: string;
  /** Whether the next word is the option's value. */
  takesValue: boolean;
  /** The values it accepts, when it declares them. */
  choices: string[];
}

/** One command of the tree, with what may follow it on the command line. */
export interface CompletionNode {
  /** The subcommand words from the program to here (`[]` for the program). */
  path: string[];
  /** Its subcommands. */
  subcommands: CompletionCommand[];
  /** Its options, and those of its ancestors that apply anywhere. */
  options: CompletionOption[];
  /** Values offered for its positional arguments. */
  argumentValues: string[];
}

/** Spellings of the options that only the command itself has. */
const NOT_INHERITED = new Set(["-h", "--help", "-V", "--version"]);

function firstLine(text: string): string {
  return text.split("\n")[0].trim();
}

function describeOption(option: Option): CompletionOption {
  return {
    flags: [option.short, option.long].filter((f): f is string => !!f),
    description: firstLine(option.description),
    takesValue: option.required || option.optional,
    choices: [...option.argChoices ?? []],
  };
}

/**
 * Walks a commander program and returns every command with the words that
 * may follow it, the program first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { completionTree } from "./completions.ts";
 *
 * const program = new Command("tool").option("--debug");
 * program.command("login").option("--profile <name>");
 * const [root, login] = completionTree(program);
 * assert.ok(root.subcommands.some((c) => c.name === "login"));
 * assert.ok(login.options.some((o) => o.flags.includes("--debug")));
 * ```
 */
export function completionTree(
  program: CommandUnknownOpts,
): CompletionNode[] {
  const help = program.createHelp();
  const nodes: CompletionNode[] = [];
  const visit = (
    command: CommandUnknownOpts,
    path: string[],
    inherited: CompletionOption[],
  ) => {
    const own = help.visibleOptions(command).map(describeOption);
    const spelled = new Set(own.flatMap((o) => o.flags));
    const options = [
      ...own,
      ...inherited.filter((o) => !o.flags.some((f) => spelled.has(f))),
    ];
    const children = help.visibleCommands(command);
    const subcommands = children.flatMap((child) =>
      [child.name(), ...child.aliases()].map((name) => ({
        name,
        description: firstLine(help.subcommandDescription(child)),
      }))
    );
    nodes.push({
      path,
      subcommands,
      options,
      argumentValues: command.registeredArguments.flatMap((argument) => [
        ...argument.argChoices ?? [],
      ]),
    });
    const passedOn = options.filter((o) =>
      !o.flags.some((f) => NOT_INHERITED.has(f))
    );
    for (const child of children) {
      if (command.commands.includes(child)) {
        visit(child, [...path, child.name()], passedOn);
      } else {
        // The implicit `help [command]` takes a sibling command's name.
        nodes.push({
          path: [...path, child.name()],
          subcommands: [],
          options: passedOn,
          argumentValues: command.commands.map((c) => c.name()),
        });
      }
    }
  };
  visit(program, [], []);
  return nodes;
}

/** Prints the completion script of `program` for `shell`. */
export function completionScript(
  program: CommandUnknownOpts,
  shell: Shell,
): string {
  const writers = { bash: bashScript, zsh: zshScript, fish: fishScript };
  return writers[shell](program.name(), completionTree(program));
}

/** Adds the `completions <shell>` subcommand to an entry point's program. */
export function addCompletionsCommand(program: CommandUnknownOpts): void {
  const name = program.name();
  program.command("completions")
    .description("Print a shell completion script (bash, zsh or fish)")
    .addArgument(new Argument("<shell>", "the shell").choices(SHELLS))
    .addHelpText(
      "after",
      `
Load it in the current shell:
  bash:  source <(${name} completions bash)
  zsh:   source <(${name} completions zsh)    (after compinit)
  fish:  ${name} completions fish | source

Or install it once:
  bash:  ${name} completions bash > ~/.local/share/bash-completion/completions/${name}
  zsh:   ${name} completions zsh > "\${fpath[1]}/_${name}"
  fish:  ${name} completions fish > ~/.config/fish/completions/${name}.fish`,
    )
    .action((shell) => {
      out.data(completionScript(program, shell));
    });
}

// ---------------------------------------------------------------------------
// Script writers. Names of commands and options go into the scripts as bare
// words, so they are checked; descriptions are quoted.

const BARE_WORD = /^[A-Za-z0-9_.:@%+,\/=-]+$/;

function word(text: string): string {
  if (!BARE_WORD.test(text)) {
    throw new Error(
      `cannot put ${JSON.stringify(text)} in a completion script`,
    );
  }
  return text;
}

function words(list: string[]): string {
  return list.map(word).join(" ");
}

/** Single-quotes text for bash or zsh. */
function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Single-quotes text for fish. */
function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function functionName(program: string): string {
  return `_${program.replace(/[^A-Za-z0-9]/g, "_")}`;
}

function pathKey(node: CompletionNode): string {
  return node.path.map(word).join(" ");
}

function valueOptions(node: CompletionNode): string[] {
  return node.options.filter((o) => o.takesValue).flatMap((o) => o.flags);
}

function header(program: string, shell: Shell): string {
  return `# ${shell} completion for ${program}, generated by \`${program} completions ${shell}\`.`;
}

function bashScript(program: string, nodes: CompletionNode[]): string {
  const fn = functionName(program);
  const specs = nodes.map((node) =>
    `    ${shQuote(pathKey(node))})
      subs=${shQuote(words(node.subcommands.map((c) => c.name)))}
      opts=${shQuote(words(node.options.flatMap((o) => o.flags)))}
      valopts=${shQuote(words(valueOptions(node)))}
      args=${shQuote(words(node.argumentValues))} ;;`
  );
  const values = nodes.flatMap((node) =>
    node.options.filter((o) => o.choices.length).map((o) =>
      `    ${o.flags.map((f) => shQuote(`${pathKey(node)}|${f}`)).join("|")})
      values=${shQuote(words(o.choices))} ;;`
    )
  );
  return `${header(program, "bash")}
# Load it with: source <(${program} completions bash)

${fn}_spec() {
  case "$1" in
${specs.join("\n")}
    *) subs="" opts="" valopts="" args="" ;;
  esac
}

${fn}_values() {
  case "$1|$2" in
${[...values, `    *) values="" ;;`].join("\n")}
  esac
}

${fn}() {
  local cur path="" word skip=0 i subs opts valopts args values candidates
  COMPREPLY=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  ${fn}_spec ""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if ((skip)); then
      skip=0
      continue
    fi
    case "$word" in
      -*=*) continue ;;
      -*)
        [[ " $valopts " == *" $word "* ]] && skip=1
        continue
        ;;
    esac
    if [[ " $subs " == *" $word "* ]]; then
      path="\${path:+$path }$word"
      ${fn}_spec "$path"
    fi
  done
  if ((skip)); then
    ${fn}_values "$path" "\${COMP_WORDS[COMP_CWORD - 1]}"
    candidates="$values"
  elif [[ "$cur" == -* ]]; then
    candidates="$opts"
  else
    candidates="$subs $args"
  fi
  while IFS= read -r word; do
    COMPREPLY+=("$word")
  done < <(compgen -W "$candidates" -- "$cur")
}

complete -F ${fn} ${word(program)}`;
}

function zshScript(program: string, nodes: CompletionNode[]): string {
  const fn = functionName(program);
  const array = (items: string[]) => `(${items.map(shQuote).join(" ")})`;
  const described = (name: string, description: string) =>
    `${word(name).replaceAll(":", "\\:")}:${description}`;
  const specs = nodes.map((node) =>
    `    (${shQuote(pathKey(node))})
      subnames=${array(node.subcommands.map((c) => word(c.name)))}
      subs=${
      array(node.subcommands.map((c) => described(c.name, c.description)))
    }
      opts=${
      array(node.options.flatMap((o) =>
        o.flags.map((f) => described(f, o.description))
      ))
    }
      valopts=${array(valueOptions(node).map(word))}
      args=${array(node.argumentValues.map(word))} ;;`
  );
  const values = nodes.flatMap((node) =>
    node.options.filter((o) => o.choices.length).map((o) =>
      `    (${o.flags.map((f) => shQuote(`${pathKey(node)}|${f}`)).join("|")})
      values=${array(o.choices.map(word))} ;;`
    )
  );
  return `#compdef ${word(program)}
${header(program, "zsh")}
# Load it with: source <(${program} completions zsh)  (after compinit), or
# save it as _${program} in a folder of $fpath.

${fn}_spec() {
  case "$1" in
${specs.join("\n")}
    (*) subnames=() subs=() opts=() valopts=() args=() ;;
  esac
}

${fn}_values() {
  case "$1|$2" in
${[...values, `    (*) values=() ;;`].join("\n")}
  esac
}

${fn}() {
  local cmdpath="" word
  local -i skip=0 i
  local -a subnames subs opts valopts args values
  ${fn}_spec ""
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    if ((skip)); then
      skip=0
      continue
    fi
    case "$word" in
      (-*=*) continue ;;
      (-*)
        ((\${valopts[(Ie)$word]})) && skip=1
        continue
        ;;
    esac
    if ((\${subnames[(Ie)$word]})); then
      cmdpath="\${cmdpath:+$cmdpath }$word"
      ${fn}_spec "$cmdpath"
    fi
  done
  if ((skip)); then
    ${fn}_values "$cmdpath" "\${words[CURRENT - 1]}"
    ((\${#values})) && compadd -a values
  elif [[ "$PREFIX" == -* ]]; then
    _describe -t options option opts
  else
    ((\${#subs})) && _describe -t commands command subs
    ((\${#args})) && compadd -a args
  fi
  return 0
}

if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${word(program)}
fi`;
}

function fishScript(program: string, nodes: CompletionNode[]): string {
  const fn = `_${functionName(program)}`;
  const cmd = word(program);
  const cases = (pick: (node: CompletionNode) => string[]) =>
    nodes.map((node) =>
      `        case ${fishQuote(pathKey(node))}
            echo ${words(pick(node)) || "''"}`
    ).join("\n");
  const lines: string[] = [];
  for (const node of nodes) {
    const at = `-n ${fishQuote(`${fn}_at ${shQuote(pathKey(node))}`)}`;
    for (const sub of node.subcommands) {
      lines.push(
        `complete -c ${cmd} ${at} -a ${word(sub.name)} -d ${
          fishQuote(sub.description)
        }`,
      );
    }
    if (node.argumentValues.length) {
      lines.push(
        `complete -c ${cmd} ${at} -a ${fishQuote(words(node.argumentValues))}`,
      );
    }
    for (const option of node.options) {
      const spellings = option.flags.map((f) =>
        f.startsWith("--") ? `-l ${word(f.slice(2))}` : `-s ${word(f.slice(1))}`
      );
      const value = option.choices.length
        ? ` -x -a ${fishQuote(words(option.choices))}`
        : option.takesValue
        ? " -x"
        : "";
      lines.push(
        `complete -c ${cmd} ${at} ${spellings.join(" ")}${value} -d ${
          fishQuote(option.description)
        }`,
      );
    }
  }
  return `${header(program, "fish")}
# Load it with: ${program} completions fish | source

function ${fn}_subs
    switch "$argv[1]"
${cases((node) => node.subcommands.map((c) => c.name))}
    end
end

function ${fn}_valopts
    switch "$argv[1]"
${cases(valueOptions)}
    end
end

# The subcommand words typed so far, options and their values left out.
function ${fn}_path
    set -l path ''
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $word
            case '-*=*'
                continue
            case '-*'
                if contains -- $word (string split ' ' -- (${fn}_valopts "$path"))
                    set skip 1
                end
                continue
        end
        if contains -- $word (string split ' ' -- (${fn}_subs "$path"))
            set path (string trim -- "$path $word")
        end
    end
    echo $path
end

function ${fn}_at
    test (${fn}_path) = "$argv[1]"
end

complete -c ${cmd} -f
${lines.join("\n")}`;
}
