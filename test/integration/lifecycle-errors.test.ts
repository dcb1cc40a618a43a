import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { runCli } from '../helpers/run-cli.js';

const f = lifecycleFixture('lce');

/** Runs a start that must fail and checks that nothing of this agent was left on the engine. */
async function failingStart(agent: string, args: string[], env: Record<string, string> = {}) {
  const result = await f.cli(['start', agent, '-d', '--json', ...args], { env });
  expect(await f.containerExists(`agentctl-${agent}`)).toBe(false);
  expect(await f.volumeExists(`agentctl-${agent}-home`)).toBe(false);
  expect(result.json.ok).toBe(false);
  expect(result.json.error.hint).toMatch(/\S/);
  return {
    exitCode: result.exitCode,
    code: result.json.error.code as string,
    message: result.json.error.message as string,
  };
}

describe(`start refuses bad input on ${f.engineName}, leaving nothing behind`, () => {
  afterAll(() => f.cleanUp());
  const image = ['--image', f.image, '--', 'sleep', '600'];

  it('an unknown agent profile: exit 2', async () => {
    const ws = f.workspace();
    expect(await failingStart(f.agentName('p'), ['--workspace', ws, '--agent', 'no-such-agent'])).toMatchObject({
      exitCode: 2,
      code: 'AGENT_PROFILE_UNKNOWN',
    });
  });

  it('--ttl: refused on an engine, which has nothing that would stop the agent while agentctl is not running; a bad duration: exit 2', async () => {
    const ws = f.workspace();
    const refused = await failingStart(f.agentName('ttl'), ['--workspace', ws, '--ttl', '10m', ...image]);
    expect(refused).toMatchObject({ exitCode: 2, code: 'TTL_UNSUPPORTED' });
    expect(await failingStart(f.agentName('ttlx'), ['--workspace', ws, '--ttl', 'soon', ...image])).toMatchObject({
      exitCode: 2,
      code: 'INVALID_TTL',
    });
  });

  it('a bad name: exit 2', async () => {
    const result = await f.cli(['start', 'bad name!', '-d', '--json', '--workspace', f.workspace(), ...image]);
    expect(result.exitCode).toBe(2);
    expect(result.json.error.code).toBe('AGENT_NAME_INVALID');
  });

  it('a missing workspace, or a file as workspace: exit 2', async () => {
    const ws = f.workspace();
    expect(await failingStart(f.agentName('m'), ['--workspace', join(ws, 'missing'), ...image])).toMatchObject({
      exitCode: 2,
      code: 'WORKSPACE_NOT_FOUND',
    });
    writeFileSync(join(ws, 'file'), 'x');
    expect(await failingStart(f.agentName('f'), ['--workspace', join(ws, 'file'), ...image])).toMatchObject({
      exitCode: 2,
      code: 'WORKSPACE_NOT_A_DIRECTORY',
    });
  });

  it('a bad --memory, --cpus or --pids-limit: exit 2', async () => {
    const ws = f.workspace();
    expect(await failingStart(f.agentName('mem'), ['--workspace', ws, '--memory', '4 lots', ...image])).toMatchObject({
      exitCode: 2,
      code: 'INVALID_MEMORY',
    });
    expect(await failingStart(f.agentName('cpu'), ['--workspace', ws, '--cpus', '-1', ...image])).toMatchObject({
      exitCode: 2,
      code: 'INVALID_CPUS',
    });
    expect(await failingStart(f.agentName('pid'), ['--workspace', ws, '--pids-limit', 'x', ...image])).toMatchObject({
      exitCode: 2,
      code: 'INVALID_PIDS_LIMIT',
    });
  });

  it('a secret missing from the environment: exit 2', async () => {
    expect(
      await failingStart(f.agentName('sec'), ['--workspace', f.workspace(), '--secret', 'LCE_ABSENT_TOKEN', ...image]),
    ).toMatchObject({ exitCode: 2, code: 'SECRET_MISSING' });
  });

  it('an image the engine does not have, with --pull never: exit 6', async () => {
    expect(
      await failingStart(f.agentName('img'), [
        '--workspace',
        f.workspace(),
        '--image',
        'agentctl-test/absent:9.9.9',
        '--pull',
        'never',
        '--',
        'true',
      ]),
    ).toMatchObject({ exitCode: 6 });
  });

  it('an agent whose command is not in the image: exit 5, container and new volume removed, its secret never printed', async () => {
    const secret = `lce-${Math.random().toString(36).slice(2)}-token`;
    const args = [
      '--verbose',
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--secret',
      'LCE_TOKEN',
      '--',
      '/no/such/agent',
    ];
    expect(await failingStart(f.agentName('cmd'), args, { LCE_TOKEN: secret })).toMatchObject({
      exitCode: 5,
      code: 'AGENT_COMMAND_NOT_FOUND',
    });
    expect(f.outputs.join('\n')).not.toContain(secret);
  });

  it('a name already taken by an agent (exit 8) or by a container agentctl did not make (exit 8)', async () => {
    const ws = f.workspace();
    const taken = f.agentName('taken');
    expect((await f.cli(['start', taken, '-d', '--workspace', ws, ...image])).exitCode).toBe(0);
    const again = await f.cli(['start', taken, '-d', '--json', '--workspace', ws, ...image]);
    expect(again.exitCode).toBe(8);
    expect(again.json.error.code).toBe('AGENT_EXISTS');

    const foreign = f.agentName('foreign');
    const other = await f.docker.createContainer({ name: `agentctl-${foreign}`, Image: f.image, Cmd: ['true'] });
    const clash = await f.cli(['start', foreign, '-d', '--json', '--workspace', ws, ...image]);
    expect(clash.exitCode).toBe(8);
    expect(clash.json.error.code).toBe('NAME_TAKEN');
    expect((await other.inspect()).Config.Labels?.['io.agentctl.managed']).toBeUndefined();
    expect(await f.volumeExists(`agentctl-${foreign}-home`)).toBe(false);
  });

  it('unknown names for stop, rm and restart: exit 7', async () => {
    for (const verb of ['stop', 'rm', 'restart']) {
      const result = await f.cli([verb, f.agentName('ghost'), '--json']);
      expect(result.exitCode).toBe(7);
      expect(result.json.error.code).toBe('AGENT_NOT_FOUND');
    }
  });

  it('an engine that is gone: exit 4', async () => {
    const result = await runCli([
      'start',
      f.agentName('gone'),
      '-d',
      '--json',
      '--host',
      'unix:///nonexistent/agentctl-engine.sock',
      '--workspace',
      f.workspace(),
      ...image,
    ]);
    expect(result.exitCode).toBe(4);
    expect(result.json.error.code).toBe('RUNTIME_NOT_FOUND');
    expect(await f.containerExists(`agentctl-${f.agentName('gone')}`)).toBe(false);
  });
});
