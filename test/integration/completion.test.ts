import Dockerode from 'dockerode';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/shared/labels.js';
import { testEngine } from '../helpers/engines.js';
import { BIN, runCli } from '../helpers/run-cli.js';

const { name: engineName, host, engines } = testEngine();
const docker = new Dockerode({ socketPath: host.replace(/^unix:\/\//, '') });
const suffix = randomBytes(4).toString('hex');
const agentName = `cmpl-${suffix}`;
let binDir: string;
let containerId: string | undefined;

/** The commands `agentctl --help` lists (from the program definition), with their arguments. */
async function listedCommands(): Promise<Array<{ name: string; usage: string }>> {
  const help = (await runCli(['--help'])).stdout;
  const section = help.slice(help.indexOf('Commands:')).split('\n\n')[0] ?? '';
  return [...section.matchAll(/^ {2}(\S+)(.*?) {2,}/gm)].map((m) => ({ name: m[1]!, usage: m[2]! }));
}

/** Sources `agentctl completion bash` in a fresh bash and completes `words` as if TAB was pressed. */
async function complete(words: string[], env: Record<string, string> = {}): Promise<string[]> {
  const script = [
    'source <(agentctl completion bash)',
    `COMP_WORDS=(agentctl ${words.map((w) => `'${w}'`).join(' ')})`,
    'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))',
    '_agentctl_completion',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const result = await execa('bash', ['--norc', '--noprofile', '-c', script], {
    env: {
      PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
      HOME: binDir,
      NO_COLOR: '1',
      AGENTCTL_HOST: host,
      ...env,
    },
    extendEnv: false,
  });
  return result.stdout.split('\n').filter(Boolean);
}

/** Runs a zsh or fish snippet with the agentctl shim first on PATH. */
async function runShell(shell: 'zsh' | 'fish', script: string, env: Record<string, string> = {}): Promise<string[]> {
  const args = shell === 'zsh' ? ['-f', '-c', script] : ['--no-config', '-c', script];
  const result = await execa(shell, args, {
    env: {
      PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
      HOME: binDir,
      NO_COLOR: '1',
      AGENTCTL_HOST: host,
      ...env,
    },
    extendEnv: false,
  });
  return result.stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  binDir = mkdtempSync(path.join(tmpdir(), 'agentctl-completion-'));
  const shim = path.join(binDir, 'agentctl');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(shim, 0o755);
  // An agent as agentctl labels it; created, never started: completion only needs it listed.
  const container = await docker.createContainer({
    name: `agentctl-${agentName}`,
    Image: engines.testImage,
    Cmd: ['true'],
    Labels: { [LABELS.managed]: 'true', [LABELS.agent]: agentName },
  });
  containerId = container.id;
});

afterAll(async () => {
  if (containerId) await docker.getContainer(containerId).remove({ force: true });
  rmSync(binDir, { recursive: true, force: true });
});

describe(`bash completion against ${engineName}`, () => {
  it('completes every visible command of the program, and not the hidden helper', async () => {
    const expected = (await listedCommands()).map((c) => c.name);
    expect(expected).toEqual(expect.arrayContaining(['version', 'config', 'completion']));
    const offered = await complete(['']);
    expect(offered).toEqual(expect.arrayContaining(expected));
    expect(offered).not.toContain('__complete');
  });

  it('completes a command from its prefix and flags from the definition', async () => {
    expect(await complete(['comp'])).toEqual(['completion']);
    expect(await complete(['completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    expect(await complete(['--runt'])).toEqual(['--runtime']);
    expect(await complete(['--runtime', 'p'])).toEqual(['podman']);
  });

  it('completes agent names from the engine where a command takes an agent', async () => {
    const commands = (await listedCommands()).filter((c) => /[<[][^>\]]*(agent|name)/i.test(c.usage));
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(['stop', 'rm', 'logs']));
    for (const command of commands) {
      expect(await complete([command.name, `cmpl-${suffix.slice(0, 3)}`]), command.name).toEqual([agentName]);
    }
    // The engine named on the command line wins over the environment.
    expect(await complete(['--host', host, 'stop', 'cmpl-'], { AGENTCTL_HOST: 'unix:///nonexistent.sock' })).toContain(
      agentName,
    );
  });

  it('completes commands even when no engine answers', async () => {
    const offered = await complete(['vers'], { AGENTCTL_HOST: 'unix:///nonexistent.sock' });
    expect(offered).toEqual(['version']);
  });
});

describe(`zsh and fish completion against ${engineName}`, () => {
  it('zsh: the script registers itself and offers commands, choices and agent names with descriptions', async () => {
    // Outside an interactive shell there is no completion system: stand in for its two functions.
    const prelude =
      'compdef() { print -r -- "compdef $*"; }; _describe() { print -rl -- "${(@P)2}"; }; source <(agentctl completion zsh)';
    const run = (words: string[]) =>
      runShell(
        'zsh',
        `${prelude}; words=(agentctl ${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length + 1}; _agentctl`,
      );
    expect(await runShell('zsh', prelude)).toEqual(['compdef _agentctl agentctl']);
    expect(await run(['comp'])).toEqual([
      'compdef _agentctl agentctl',
      'completion:Print the shell completion script for bash, zsh or fish',
    ]);
    expect((await run(['--runtime', ''])).slice(1)).toEqual(['docker:', 'podman:']);
    expect((await run(['stop', `cmpl-${suffix}`])).slice(1)).toEqual([`${agentName}:agent`]);
  });

  it('fish: the script completes commands, choices and agent names', async () => {
    const run = (line: string) => runShell('fish', `agentctl completion fish | source; complete -C '${line}'`);
    expect(await run('agentctl comp')).toEqual(['completion\tPrint the shell completion script for bash, zsh or fish']);
    expect(await run('agentctl --runtime ')).toEqual(['docker', 'podman']);
    expect(await run(`agentctl rm cmpl-${suffix}`)).toEqual([`${agentName}\tagent`]);
  });
});
