import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('lch');
const image = `agentctl-test/lc-health-${f.agentName('img')}:1`;

describe(`start --detach waits for the image health check on ${f.engineName}`, () => {
  beforeAll(async () => {
    const context = mkdtempSync(join(tmpdir(), 'agentctl-health-'));
    writeFileSync(
      join(context, 'Dockerfile'),
      `FROM ${f.image}\nHEALTHCHECK --interval=1s --timeout=2s --retries=60 CMD test -f /tmp/ready\n`,
    );
    // Podman's Docker-compatible build writes OCI images, which have no HEALTHCHECK: build in
    // Docker format with the podman CLI (same rootful storage as the API service under test).
    if (f.engineName === 'podman') await execa('podman', ['build', '-q', '--format', 'docker', '-t', image, context]);
    else await execa('docker', ['-H', f.host, 'build', '-q', '-t', image, context]);
  });
  afterAll(async () => {
    await f.cleanUp();
    await f.docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('exits once the agent is healthy, and ls shows it once the engine checked too', async () => {
    const name = f.agentName('ok');
    const result = await f.cli([
      'start',
      name,
      '-d',
      '--json',
      '--workspace',
      f.workspace(),
      '--image',
      image,
      '--',
      'sh',
      '-c',
      'sleep 2; touch /tmp/ready; sleep 600',
    ]);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.agent.health).toBe('healthy');
    // start ran the check itself (docs/images.md#health); ls shows the engine's own record, which
    // on Docker stays "starting" until the engine's first check (one interval after the start).
    let listed = await f.cli(['ls', '--json']);
    const entry = () => listed.json.agents.find((a: { name: string }) => a.name === name);
    expect(entry().state).toBe('running');
    expect(['starting', 'healthy']).toContain(entry().health);
    for (let tries = 0; entry().health !== 'healthy' && tries < 60; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      listed = await f.cli(['ls', '--json']);
    }
    expect(entry()).toMatchObject({ state: 'running', health: 'healthy' });
  });

  it('an agent not healthy within --wait-timeout: exit 124, and it is removed', async () => {
    const name = f.agentName('slow');
    const result = await f.cli([
      'start',
      name,
      '-d',
      '--json',
      '--wait-timeout',
      '3s',
      '--workspace',
      f.workspace(),
      '--image',
      image,
      '--',
      'sleep',
      '600',
    ]);
    expect(result.exitCode).toBe(124);
    expect(result.json.error.code).toBe('START_TIMEOUT');
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
  });
});
