import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandToRegister, main } from './cli.js';
import { CommandContext } from './commands/context.js';
import { COMMANDS } from './commands/index.js';
import { helpDocument } from './commands/help-document.js';
import { Io } from './io/io.js';
import { memoryStreams } from '../test/helpers/memory-streams.js';
import { EXIT_CODES } from './shared/exit-codes.js';

const context = () => {
  const io = new Io(memoryStreams(), {}, { json: false, quiet: false, verbose: false, color: false });
  return new CommandContext({ io, env: {}, cwd: '/', signal: new AbortController().signal });
};

/** Every command of a tree with its path, subcommands included. */
function walk(command: Command, path: string[] = []): Array<{ path: string[]; command: Command }> {
  return command.commands.flatMap((sub) => {
    const here = [...path, sub.name()];
    return [{ path: here, command: sub }, ...walk(sub, here)];
  });
}

describe('registering only the command being run', () => {
  it('each entry of COMMANDS registers the command it is named after', () => {
    for (const [name, register] of COMMANDS) {
      const program = new Command('agentctl');
      register(program, context());
      const names = program.commands.map((command) => command.name());
      expect(names, name).toEqual(name === 'completion' ? ['completion', '__complete'] : [name]);
    }
  });

  it('picks the command word of argv, and the whole tree for help, completion, typos and no command', () => {
    expect(commandToRegister(['ls'])).toBe('ls');
    expect(commandToRegister(['--host', 'unix:///x.sock', '--runtime', 'podman', '-q', 'ls', '--json'])).toBe('ls');
    expect(commandToRegister(['--json', 'image', 'ls'])).toBe('image');
    expect(commandToRegister(['start', 'ls'])).toBe('start');
    for (const argv of [
      [],
      ['--json'],
      ['help', 'ls'],
      ['completion', 'bash'],
      ['__complete', 'st'],
      ['strat'],
      ['--', 'ls'],
    ])
      expect(commandToRegister(argv), argv.join(' ')).toBeUndefined();
  });

  it('gives every command and subcommand the same help, text and JSON, as the whole tree', () => {
    const whole = buildProgram(context());
    const entries = walk(whole).filter(({ command }) => command.name() !== 'help');
    expect(entries.length).toBeGreaterThan(COMMANDS.length);
    for (const { path, command } of entries) {
      const only = path[0] === '__complete' ? 'completion' : path[0];
      const alone = buildProgram(context(), { capture: false, text: '' }, only);
      const same = walk(alone).find((entry) => entry.path.join(' ') === path.join(' '))!.command;
      expect(same.helpInformation(), path.join(' ')).toBe(command.helpInformation());
      expect(helpDocument(same, ''), path.join(' ')).toEqual(helpDocument(command, ''));
    }
  });

  it('still suggests the command for a typo and reports an unknown option of a command the same way', async () => {
    const run = async (argv: string[]) => {
      const streams = memoryStreams();
      const code = await main(argv, { streams, env: { HOME: '/nonexistent' }, cwd: '/', handleSignals: false });
      return { code, error: JSON.parse(streams.output().stdout).error };
    };
    expect(await run(['strat', '--json'])).toMatchObject({
      code: EXIT_CODES.usage.code,
      error: { code: 'USAGE_UNKNOWN_COMMAND', message: expect.stringContaining('Did you mean start?') },
    });
    expect(await run(['ls', '--bogus', '--json'])).toMatchObject({
      code: EXIT_CODES.usage.code,
      error: { code: 'USAGE_UNKNOWN_OPTION', message: "Unknown option '--bogus'" },
    });
  });
});
