import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('wfcode');

/** The container name in a Dev Containers attached-container URI, decoded independently of agentctl's code. */
function decodeContainer(uri: string): string {
  const match = /^vscode-remote:\/\/attached-container\+([0-9a-f]+)\/workspace$/.exec(uri);
  expect(match, uri).not.toBeNull();
  return JSON.parse(Buffer.from(match![1]!, 'hex').toString('utf8')).containerName;
}

describe(`agentctl code on ${f.engineName}`, () => {
  const name = f.agentName('ide');
  let workspace = '';
  beforeAll(async () => {
    workspace = f.workspace();
    const started = await f.cli(
      ['start', name, '-d', '--workspace', workspace, '--image', f.image, '--', 'sleep', '600'],
      {
        cwd: workspace,
      },
    );
    expect(started.exitCode, started.stderr).toBe(0);
  });
  afterAll(() => f.cleanUp());

  it('without VS Code on PATH prints a URI that decodes to the agent container, and the steps', async () => {
    const result = await f.cli(['code', name], { env: { PATH: '/usr/bin:/bin' } });
    expect(result.exitCode, result.stderr).toBe(0);
    const uri = result.stdout.trim();
    const container = decodeContainer(uri);
    expect(container).toBe(`/agentctl-${name}`);
    // The engine knows the container by exactly that name.
    expect((await f.docker.getContainer(container.slice(1)).inspect()).Name).toBe(container);
    expect(result.stderr).toContain('not on PATH');
    expect(result.stderr).toContain('Dev Containers');
    expect(result.stderr).toContain(`code --folder-uri '${uri}'`);

    const json = await f.cli(['code', name, '--json'], { env: { PATH: '/usr/bin:/bin' } });
    expect(json.json).toMatchObject({ ok: true, agent: name, container: `agentctl-${name}`, uri, opened: false });
  });

  it('with VS Code on PATH runs `code --folder-uri URI`', async () => {
    const bin = f.workspace();
    const record = join(bin, 'argv.txt');
    writeFileSync(join(bin, 'code'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${record}\n`);
    chmodSync(join(bin, 'code'), 0o755);
    const result = await f.cli(['code', name, '--json'], { env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json.opened).toBe(true);
    expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual(['--folder-uri', result.json.uri]);
  });

  it('refuses a stopped agent (exit 8) and an unknown one (exit 7)', async () => {
    expect((await f.cli(['stop', name, '--timeout', '0'])).exitCode).toBe(0);
    const stopped = await f.cli(['code', name, '--json']);
    expect(stopped.exitCode).toBe(8);
    expect(stopped.json.error.code).toBe('AGENT_NOT_RUNNING');
    const unknown = await f.cli(['code', `${name}-nope`, '--json']);
    expect(unknown.exitCode).toBe(7);
    expect(unknown.json.error.code).toBe('AGENT_NOT_FOUND');
  });
});
