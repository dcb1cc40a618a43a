import { execa } from 'execa';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

// An agent that prints without end must not fill the engine host's disk: its log is bounded by
// resources.logSize (5 files on Docker, one file cut back on Podman). The test plays the agent:
// it prints 30 MB, and the host's log files of its container stay near the limit.
const f = lifecycleFixture('log');
afterAll(() => f.cleanUp());

const MiB = 1024 ** 2;
const FLOOD = 30 * MiB;

/** Podman's compat inspect has no LogPath: libpod's inspect names the file. */
async function podmanLogPath(id: string): Promise<string> {
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(
      { socketPath: f.host.replace(/^unix:\/\//, ''), path: `/v4.0.0/libpod/containers/${id}/json` },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end();
  });
  return (JSON.parse(body) as { HostConfig: { LogConfig: { Path: string } } }).HostConfig.LogConfig.Path;
}

/** Bytes of the container's log files on the host (Docker's rotated files too). */
async function logBytesOnHost(container: string): Promise<number> {
  const info = await f.docker.getContainer(container).inspect();
  const path = f.engineName === 'docker' ? info.LogPath : await podmanLogPath(info.Id);
  // Rootless Podman keeps the log in a directory of the container's root (a subordinate uid):
  // the test user reads it in its user namespace, as the engine does.
  if (f.engineName === 'podman' && process.getuid!() !== 0) {
    const sizes = await execa('podman', ['unshare', 'sh', '-c', 'stat -c %s "$1"*', 'sh', path], { cwd: '/' });
    return sizes.stdout.split('\n').reduce((sum, line) => sum + Number(line), 0);
  }
  // Docker's directory is root's: a user of the docker group reads it from a container, as it can.
  if (f.engineName === 'docker' && process.getuid!() !== 0) {
    const sizes = await execa(
      'docker',
      [
        'run',
        '--rm',
        '--user',
        '0:0',
        '-v',
        `${dirname(path)}:/logs:ro`,
        f.image,
        'sh',
        '-c',
        'stat -c %s "/logs/$1"*',
        'sh',
        basename(path),
      ],
      { env: { DOCKER_HOST: f.host } },
    );
    return sizes.stdout.split('\n').reduce((sum, line) => sum + Number(line), 0);
  }
  const files = readdirSync(dirname(path)).filter((file) => file.startsWith(basename(path)));
  return files.reduce((sum, file) => sum + statSync(join(dirname(path), file)).size, 0);
}

describe(`an agent's log is bounded (${f.engineName})`, () => {
  it('30 MB printed with resources.logSize 1m: the host keeps a few MiB, and logs still shows the end', async () => {
    const root = f.workspace();
    const config = join(root, 'config');
    mkdirSync(join(config, 'agentctl'), { recursive: true });
    writeFileSync(join(config, 'agentctl', 'config.json'), JSON.stringify({ resources: { logSize: '1m' } }));
    const env = { XDG_CONFIG_HOME: config };
    const name = f.agentName('flood');
    const started = await f.cli(
      [
        'start',
        name,
        '-d',
        '--workspace',
        f.workspace(),
        '--image',
        f.image,
        '--',
        'sh',
        '-c',
        `yes 0123456789abcdef0123456789abcdef0123456789abcdef | head -c ${FLOOD}; echo; echo done-flooding; sleep 600`,
      ],
      { env },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    let tail = '';
    for (let attempt = 0; attempt < 120 && !tail.includes('done-flooding'); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      tail = (await f.cli(['logs', '--tail', '1', name], { env })).stdout;
    }
    expect(tail).toContain('done-flooding');
    const kept = await logBytesOnHost(`agentctl-${name}`);
    // Docker: at most 5 files of 1 MiB (with its JSON framing per line); Podman: one file cut back.
    expect(kept, `${kept} bytes of log kept`).toBeLessThan(6 * MiB);
    expect(kept).toBeGreaterThan(0);

    // Without the limit (logSize far above the flood) the same agent keeps all of it: the check can fail.
    writeFileSync(join(config, 'agentctl', 'config.json'), JSON.stringify({ resources: { logSize: '1g' } }));
    const control = f.agentName('whole');
    expect(
      (
        await f.cli(
          [
            'start',
            control,
            '-d',
            '--workspace',
            f.workspace(),
            '--image',
            f.image,
            '--',
            'sh',
            '-c',
            `yes 0123456789abcdef0123456789abcdef0123456789abcdef | head -c ${FLOOD}; echo; echo done-flooding; sleep 600`,
          ],
          { env },
        )
      ).exitCode,
    ).toBe(0);
    tail = '';
    for (let attempt = 0; attempt < 120 && !tail.includes('done-flooding'); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      tail = (await f.cli(['logs', '--tail', '1', control], { env })).stdout;
    }
    expect(tail).toContain('done-flooding');
    expect(await logBytesOnHost(`agentctl-${control}`)).toBeGreaterThan(FLOOD);
  }, 180_000);
});
