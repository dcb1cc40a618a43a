import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('hr');
// A health check that fails for its first seconds and then passes, without --retries: Docker counts
// 3 failures before "unhealthy", Podman 4 marked it unhealthy at the first (issue: start failed on
// Podman only). The image is built from the test image with the engine's own CLI.
const image = `agentctl-test/health-no-retries:${f.agentName('img').split('-').pop()}`;
const dockerfile = `FROM ${f.image}\nHEALTHCHECK --interval=1s --timeout=2s CMD test -f /tmp/ready\n`;

describe(`start waits for a health check the same way on ${f.engineName}`, () => {
  beforeAll(async () => {
    const args =
      f.engineName === 'podman' ? ['build', '--format', 'docker', '-t', image, '-'] : ['build', '-t', image, '-'];
    const cli = f.engineName === 'podman' ? 'podman' : 'docker';
    const env = f.engineName === 'podman' ? {} : { DOCKER_HOST: f.host };
    const built = await execa(cli, args, { input: dockerfile, env, reject: false });
    expect(built.exitCode, built.stderr).toBe(0);
  });
  afterAll(async () => {
    await f.cleanUp();
    await f.docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('an image whose HEALTHCHECK has no --retries and fails at first: start -d waits until healthy', async () => {
    const name = f.agentName('slow');
    const workspace = f.workspace();
    const result = await f.cli(
      ['start', name, '-d', '--json', '--image', image, '--', 'sh', '-c', 'sleep 2; touch /tmp/ready; exec sleep 600'],
      { cwd: workspace },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json.agent).toMatchObject({ name, health: 'healthy' });
  });
});
