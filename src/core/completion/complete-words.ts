import type { Command, Option } from 'commander';

/** One completion candidate: the word to insert and a short description (may be empty). */
export interface Candidate {
  value: string;
  description: string;
}

export interface CompleteDeps {
  /** Names of the agents the engine knows; called only when an agent name is expected. */
  fetchAgentNames: () => Promise<string[]>;
}

/** Positional arguments whose name says they take an agent's name complete from the engine. */
const AGENT_ARGUMENT = /agent|name/i;

function visibleSubcommands(command: Command): Command[] {
  return command.createHelp().visibleCommands(command);
}

/** The command's own options and those of its ancestors (the global flags), as help shows them. */
function optionsInScope(command: Command): Option[] {
  const seen = new Set<string>();
  const options: Option[] = [];
  for (let current: Command | null = command; current; current = current.parent) {
    for (const option of current.createHelp().visibleOptions(current)) {
      if (current !== command && option.long === '--version') continue;
      const key = option.long ?? option.short ?? option.flags;
      if (seen.has(key)) continue;
      seen.add(key);
      options.push(option);
    }
  }
  return options;
}

function findOption(command: Command, word: string): Option | undefined {
  const flag = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
  return optionsInScope(command).find((option) => option.long === flag || option.short === flag);
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

/**
 * Completes the last of `words` (what follows `agentctl` on the command line, the word under the
 * cursor last, possibly empty). Commands, flags and choices come from the program's own
 * definition; agent names from the engine.
 */
export async function completeWords(program: Command, words: string[], deps: CompleteDeps): Promise<Candidate[]> {
  const current = words.at(-1) ?? '';
  let command = program;
  let parent: Command | undefined;
  let positional = 0;
  let pendingOption: Option | undefined;
  for (const word of words.slice(0, -1)) {
    if (pendingOption) {
      pendingOption = undefined;
      continue;
    }
    if (word === '--') return [];
    if (word.startsWith('-') && word.length > 1) {
      const option = findOption(command, word);
      if (option && takesValue(option) && !word.includes('=')) pendingOption = option;
      continue;
    }
    const sub =
      positional === 0
        ? visibleSubcommands(command).find((c) => c.name() === word || c.aliases().includes(word))
        : undefined;
    if (sub) {
      parent = command;
      command = sub;
      positional = 0;
    } else {
      positional += 1;
    }
  }

  let candidates: Candidate[] = [];
  if (pendingOption) {
    candidates = (pendingOption.argChoices ?? []).map((value) => ({ value, description: '' }));
  } else if (current.startsWith('-')) {
    candidates = optionsInScope(command).flatMap((option) =>
      option.long
        ? [{ value: option.long, description: option.description }]
        : option.short
          ? [{ value: option.short, description: option.description }]
          : [],
    );
  } else {
    if (positional === 0) {
      // `agentctl help <command>` (commander's own help command) takes its siblings' names.
      const listed =
        command.name() === 'help' && parent
          ? visibleSubcommands(parent).filter((sub) => sub.name() !== 'help')
          : visibleSubcommands(command);
      candidates = listed.map((sub) => ({ value: sub.name(), description: sub.description() }));
    }
    const args = command.registeredArguments;
    const last = args.at(-1);
    const argument = args[positional] ?? (last?.variadic ? last : undefined);
    if (argument?.argChoices) {
      candidates.push(...argument.argChoices.map((value) => ({ value, description: '' })));
    } else if (argument && AGENT_ARGUMENT.test(argument.name())) {
      const names = await deps.fetchAgentNames().catch(() => []);
      candidates.push(...names.map((value) => ({ value, description: 'agent' })));
    }
  }
  return candidates.filter((candidate) => candidate.value.startsWith(current));
}
