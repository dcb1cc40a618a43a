import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { buildProgram } from '../cli.js';
import { CommandContext } from '../commands/context.js';
import { Io } from '../io/io.js';

/**
 * agentctl's commander program as the CLI builds it, with inert streams and no engine: for
 * generating docs and checking them (never for running a command).
 */
export function getProgramDefinition(): Command {
  const sink = () => new PassThrough();
  const io = new Io({ stdout: sink(), stderr: sink(), stdin: sink() }, {}, { color: false });
  const context = new CommandContext({
    io,
    env: {},
    cwd: process.cwd(),
    homedir: '/nonexistent',
    signal: new AbortController().signal,
  });
  return buildProgram(context);
}

/** Whether help lists the command (hidden helpers such as `__complete` are not documented). */
export function visibleSubcommands(command: Command): Command[] {
  return command
    .createHelp()
    .visibleCommands(command)
    .filter((sub) => sub.name() !== 'help');
}

/** Every documented command, depth first, with its full path (`config show`). */
export function walkCommands(root: Command): Array<{ path: string; command: Command }> {
  const result: Array<{ path: string; command: Command }> = [];
  const visit = (command: Command, prefix: string) => {
    for (const sub of visibleSubcommands(command)) {
      const path = prefix ? `${prefix} ${sub.name()}` : sub.name();
      result.push({ path, command: sub });
      visit(sub, path);
    }
  };
  visit(root, '');
  return result;
}
