import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

// A secret passed with --secret (from a file, and from the environment) is searched for in every
// output of a full lifecycle: stdout, stderr, --verbose, --json, the engine's inspect of the
// container and volume, the image history and the container logs. Zero hits.
const f = lifecycleFixture('fls');
afterAll(() => f.cleanUp());

describe(`secrets never appear in any output (${f.engineName})`, () => {
  it('a full lifecycle with --secret NAME=@FILE and --secret NAME', async () => {
    const fromFile = `fls-file-${randomBytes(12).toString('hex')}`;
    const fromEnv = `fls-env-${randomBytes(12).toString('hex')}`;
    const ws = f.workspace();
    const secretFile = join(f.workspace(), 'token'); // outside the agent's workspace, removed by cleanUp
    writeFileSync(secretFile, `${fromFile}\n`, { mode: 0o600 });
    const env = { FLS_ENV_SECRET: fromEnv };
    const name = f.agentName('life');
    const container = `agentctl-${name}`;
    const outputs: string[] = [];
    const cli = async (args: string[]) => {
      const result = await f.cli(args, { env });
      outputs.push(`$ agentctl ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
      return result;
    };
    const agent = [
      'sh',
      '-c',
      'test -s /run/secrets/FLS_FILE_SECRET && test -s /run/secrets/FLS_ENV_SECRET && echo secrets-ready; sleep 600',
    ];

    const started = await cli([
      '--json',
      '--verbose',
      'start',
      name,
      '-d',
      '--workspace',
      ws,
      '--image',
      f.image,
      '--secret',
      `FLS_FILE_SECRET=@${secretFile}`,
      '--secret',
      'FLS_ENV_SECRET',
      '--',
      ...agent,
    ]);
    expect(started.exitCode, started.stdout + started.stderr).toBe(0);

    // The agent did get both values (checked on the engine directly, never printed).
    for (const [file, value] of [
      ['FLS_FILE_SECRET', `${fromFile}\n`],
      ['FLS_ENV_SECRET', fromEnv],
    ] as const) {
      const sum = await f.exec(container, ['md5sum', `/run/secrets/${file}`]);
      expect(sum.output.split(/\s/)[0]).toBe(createHash('md5').update(value).digest('hex'));
    }

    for (const args of [
      ['ls'],
      ['--json', 'ls', '--all'],
      ['--verbose', 'ls'],
      ['logs', name],
      ['--json', 'logs', name],
      ['exec', name, '--', 'env'],
      ['--verbose', 'exec', name, '--', 'ls', '-l', '/run/secrets'],
      ['--verbose', 'restart', name, '--timeout', '0'],
      ['--json', '--verbose', 'stop', name, '--timeout', '0'],
      ['--verbose', 'start', name, '-d'],
      ['--json', 'image', 'resolve', '--image', f.image],
    ]) {
      const result = await cli(args);
      expect(result.exitCode, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(0);
    }
    expect(outputs.join('\n')).toContain('secrets-ready');

    // What the engine keeps about the agent.
    const inspect = await f.docker.getContainer(container).inspect();
    outputs.push(JSON.stringify(inspect));
    outputs.push(JSON.stringify(await f.docker.getVolume(`${container}-home`).inspect()));
    outputs.push(JSON.stringify(await f.docker.getImage(inspect.Image).history()));
    const logs = await f.docker.getContainer(container).logs({ stdout: true, stderr: true, timestamps: true });
    outputs.push(Buffer.from(logs as unknown as Buffer).toString('latin1'));

    const removed = await cli(['--json', '--verbose', 'rm', name, '--force', '--volumes']);
    expect(removed.exitCode).toBe(0);

    const everything = outputs.join('\n');
    const forms = [
      fromFile,
      fromEnv,
      ...[fromFile, fromEnv].map((value) => Buffer.from(value).toString('base64').slice(0, 24)),
    ];
    const hits = forms.map((form) => everything.split(form).length - 1);
    expect(hits).toEqual([0, 0, 0, 0]);
    expect(outputs.length).toBeGreaterThanOrEqual(17);
  });
});
