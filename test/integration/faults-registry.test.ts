import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, fakeRegistry, privatePodmanService } from '../helpers/fault-tools.js';
import { leftoverTracker, NOTHING } from '../helpers/leftovers.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { BIN } from '../helpers/run-cli.js';

// The registry is down, answers 500, or stalls (Ctrl-C) while `start` pulls the agent's image.
const f = lifecycleFixture('flr');
const suffix = f.agentName('x').split('-').pop()!;
const tracker = leftoverTracker({ host: f.host, scope: suffix });
const repository = `agentctl-it/fault-${suffix}`;

// Podman speaks plain HTTP only to registries marked insecure: the provision script marks
// 127.0.0.1:5098 and :5099 for these fakes. A running API service keeps the registries.conf it read
// at start-up, so the Podman run uses a private service (same storage) that reads the current one.
const podman =
  f.engineName === 'podman' ? privatePodmanService(join(tmpdir(), `agentctl-flr-${suffix}.sock`)) : undefined;
const host = () => podman?.host ?? f.host;
const port = (fixed: number) => (podman ? fixed : 0);

beforeAll(async () => {
  await podman?.start();
}, 40_000);
afterAll(async () => {
  await podman?.kill();
  await f.cleanUp();
});

async function failingStart(label: string, image: string) {
  const name = f.agentName(label);
  const { result, added } = await tracker.around(() =>
    f.cli([
      '--host',
      host(),
      '--json',
      'start',
      name,
      '-d',
      '--workspace',
      f.workspace(),
      '--image',
      image,
      '--',
      'sleep',
      '600',
    ]),
  );
  expect(result.json?.ok, result.stdout + result.stderr).toBe(false);
  expect(result.json.error.hint).toMatch(/\S/);
  expect(result.json.error.message).not.toMatch(/Unexpected error/);
  expect(added).toEqual(NOTHING);
  return result;
}

describe(`a failing registry during a pull (${f.engineName})`, () => {
  it('down: exit 6 naming the registry; a later pull from 127.0.0.1:5000 succeeds', async () => {
    const down = `127.0.0.1:${await closedPort()}`;
    const result = await failingStart('down', `${down}/${repository}:1.0.0`);
    expect(result.exitCode).toBe(6);
    expect(['REGISTRY_UNREACHABLE', 'IMAGE_PULL_FAILED']).toContain(result.json.error.code);
    expect(result.json.error.message).toContain(down);

    const pulled = await f.cli(['--host', host(), '--json', 'image', 'pull', `127.0.0.1:5000/${f.image}`]);
    expect(pulled.exitCode, pulled.stdout + pulled.stderr).toBe(0);
    expect(pulled.json.image.reference).toBe(`127.0.0.1:5000/${f.image}`);
  });

  it('answering 500: exit 6 naming the registry, nothing made', async () => {
    const registry = await fakeRegistry('error-500', port(5098));
    try {
      const result = await failingStart('e500', `${registry.address}/${repository}:1.0.0`);
      expect(result.exitCode).toBe(6);
      expect(['REGISTRY_UNREACHABLE', 'IMAGE_PULL_FAILED']).toContain(result.json.error.code);
      expect(result.json.error.message).toContain(registry.address);
      expect(registry.hits).toBeGreaterThan(0);
    } finally {
      await registry.close();
    }
  });

  it('stalling, then Ctrl-C: exit 130, nothing made', async () => {
    const registry = await fakeRegistry('stall', port(5099));
    try {
      const name = f.agentName('stall');
      const { result, added } = await tracker.around(async () => {
        const child = execa(
          process.execPath,
          [
            BIN,
            '--host',
            host(),
            'start',
            name,
            '-d',
            '--workspace',
            f.workspace(),
            '--image',
            `${registry.address}/${repository}:1.0.0`,
            '--',
            'sleep',
            '600',
          ],
          {
            env: { NO_COLOR: '1' },
            reject: false,
            timeout: 60_000,
          },
        );
        // The engine has asked the registry (the pull is under way) before we interrupt.
        while (registry.hits === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        child.kill('SIGINT');
        return child;
      });
      expect(result.exitCode, result.stderr).toBe(130);
      expect(result.stderr).toMatch(/Cancelled/);
      expect(added).toEqual(NOTHING);
      await expect(f.docker.getImage(`${registry.address}/${repository}:1.0.0`).inspect()).rejects.toMatchObject({
        statusCode: 404,
      });
    } finally {
      await registry.close();
    }
  });
});
