import type { Command } from 'commander';

/** What `--help --json` (and a bare `agentctl --json`) prints: the command's help as data, and as text. */
export interface HelpDocument {
  ok: true;
  command: string;
  usage: string;
  description: string;
  arguments: Array<{ name: string; description: string; required: boolean }>;
  options: Array<{ flags: string; description: string }>;
  commands: Array<{ name: string; description: string }>;
  help: string;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

/** The help of `command` as one JSON document; `text` is what `--help` prints for it. */
export function helpDocument(command: Command, text: string): HelpDocument {
  const help = command.createHelp();
  return {
    ok: true,
    command: commandPath(command),
    usage: `${commandPath(command)} ${command.usage()}`.trimEnd(),
    description: command.description(),
    arguments: help
      .visibleArguments(command)
      .map((argument) => ({ name: argument.name(), description: argument.description, required: argument.required })),
    options: help.visibleOptions(command).map((option) => ({ flags: option.flags, description: option.description })),
    commands: help
      .visibleCommands(command)
      .filter((sub) => sub.name() !== 'help')
      .map((sub) => ({ name: sub.name(), description: sub.description() })),
    help: text,
  };
}
