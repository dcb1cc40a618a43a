import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { getProgramDefinition } from '../docs/program-definition.js';
import { sharedStartOptions, type AgentFlags } from './agent-options.js';

/** What only `start` has, by design: several agents, a terminal, a session to resume, a lifetime (run has --timeout). */
const START_ONLY = ['--detach', '--no-tty', '--continue', '--count', '--ttl'];
/** What only `run` has: a task, its input, its end and its result. */
const RUN_ONLY = ['--task', '--input', '--timeout', '--stop-timeout', '--rm', '--result-file', '--require-changes'];

function command(name: string): Command {
  const found = getProgramDefinition().commands.find((item) => item.name() === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

function describeOptions(cmd: Command, except: string[]) {
  return cmd.options
    .filter((option) => !except.includes(option.long!))
    .map((option) => ({
      flags: option.flags,
      description: option.description,
      default: option.defaultValue as unknown,
      choices: option.argChoices,
    }));
}

describe('start and run options', () => {
  it('run accepts every option start has (same flags, help, default and choices), but start-only ones', () => {
    const start = describeOptions(command('start'), START_ONLY);
    const run = describeOptions(command('run'), RUN_ONLY);
    expect(run).toEqual(start);
    // The containment flags issue 19 found missing on run, by name.
    const runFlags = run.map((option) => option.flags);
    for (const flag of ['--read-only', '--ssh', '--docker-access <mode>', '--oci-runtime <name>']) {
      expect(runFlags).toContain(flag);
    }
  });

  it('the lists of command-specific options name options that exist', () => {
    const longs = (name: string) => command(name).options.map((option) => option.long);
    expect(longs('start')).toEqual(expect.arrayContaining(START_ONLY));
    expect(longs('run')).toEqual(expect.arrayContaining(RUN_ONLY));
  });

  it('the same flags give run and start the same start options', () => {
    const argv = [
      '--read-only',
      '--ssh',
      '--docker-access',
      'socket',
      '--oci-runtime',
      'runsc',
      '--memory',
      '1g',
      '--wait-timeout',
      '2m',
      '-e',
      'A=1',
      '--label',
      'team=x',
    ];
    const parsed = (name: string) => {
      const cmd = command(name);
      cmd.parseOptions(argv);
      return sharedStartOptions(cmd.opts<AgentFlags>());
    };
    const start = parsed('start');
    expect(parsed('run')).toEqual(start);
    expect(start).toMatchObject({
      readOnly: true,
      ssh: true,
      dockerAccess: 'socket',
      ociRuntime: 'runsc',
      memory: '1g',
      waitTimeoutMs: 120_000,
      env: ['A=1'],
      labels: ['team=x'],
    });
  });
});
