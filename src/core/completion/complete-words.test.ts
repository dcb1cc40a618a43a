import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { completeWords } from './complete-words.js';

function program(): Command {
  const root = new Command('agentctl')
    .version('1.0.0', '-V, --version')
    .option('--json', 'one JSON document')
    .addOption(new Option('--runtime <kind>', 'engine kind').choices(['docker', 'podman']))
    .option('--host <endpoint>', 'engine endpoint');
  root
    .command('stop')
    .description('Stop agents')
    .argument('<names...>', 'agents')
    .option('-t, --timeout <seconds>', 'grace period')
    .option('--all', 'every agent');
  root
    .command('config')
    .description('Configuration')
    .command('show')
    .description('Show it')
    .option('--sources', 'with sources');
  root.command('secret', { hidden: true }).description('hidden');
  return root;
}

const agents = ['alpha', 'beta', 'bravo'];
function deps(calls: string[] = []) {
  return {
    fetchAgentNames: async () => {
      calls.push('fetch');
      return agents;
    },
  };
}
const values = async (words: string[], calls?: string[]) =>
  (await completeWords(program(), words, deps(calls))).map((c) => c.value);

describe('completeWords', () => {
  it('offers the visible top-level commands, not hidden ones, without asking the engine', async () => {
    const calls: string[] = [];
    expect(await values([''], calls)).toEqual(['stop', 'config', 'help']);
    expect(calls).toEqual([]);
  });

  it('filters by the typed prefix', async () => {
    expect(await values(['st'])).toEqual(['stop']);
  });

  it('offers the commands after `help`', async () => {
    expect(await values(['help', ''])).toEqual(['stop', 'config']);
  });

  it('offers subcommands of a command group', async () => {
    expect(await values(['config', ''])).toEqual(['show', 'help']);
  });

  it('offers the command flags and the global flags after a dash', async () => {
    const flags = await values(['stop', '--']);
    expect(flags).toEqual(expect.arrayContaining(['--timeout', '--all', '--help', '--json', '--runtime', '--host']));
    expect(flags).not.toContain('--version');
    expect(await values(['config', 'show', '--s'])).toEqual(['--sources']);
  });

  it('offers an option value from its choices', async () => {
    expect(await values(['--runtime', ''])).toEqual(['docker', 'podman']);
    expect(await values(['--runtime', 'p'])).toEqual(['podman']);
  });

  it('offers agent names from the engine where an agent is expected, also after flags and other names', async () => {
    expect(await values(['stop', ''])).toEqual(agents);
    expect(await values(['stop', 'b'])).toEqual(['beta', 'bravo']);
    expect(await values(['--host', 'unix:///x.sock', 'stop', '-t', '5', 'alpha', 'br'])).toEqual(['bravo']);
  });

  it('offers nothing for a free-form option value or after --', async () => {
    expect(await values(['--host', ''])).toEqual([]);
    expect(await values(['stop', 'alpha', '--', ''])).toEqual([]);
  });

  it('offers no agent names, and fails nothing, when the engine cannot be reached', async () => {
    const failing = { fetchAgentNames: async () => Promise.reject(new Error('no engine')) };
    expect((await completeWords(program(), ['stop', ''], failing)).map((c) => c.value)).toEqual([]);
  });
});
