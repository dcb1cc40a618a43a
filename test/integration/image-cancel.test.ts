import { execa } from 'execa';
import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engines.js';
import { engineClient, tempHomeWithDockerAuth, uniqueSuffix } from '../helpers/image-registry.js';
import { BIN } from '../helpers/run-cli.js';

const { name, host } = testEngine();
const docker = engineClient(host);
const suffix = uniqueSuffix();
const sockets: Socket[] = [];
let server: Server;
let port: number;
let home: string;

beforeAll(async () => {
  home = await tempHomeWithDockerAuth();
  // A "registry" that accepts connections and never answers: the engine's pull hangs until
  // the user presses Ctrl-C.
  server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  await rm(home, { recursive: true, force: true });
});

describe(`Ctrl-C during a pull on ${name}`, () => {
  it('stops the pull cleanly with exit 130', async () => {
    const reference = `127.0.0.1:${port}/agentctl-it/hang-${suffix}:1.0.0`;
    const child = execa(process.execPath, [BIN, 'image', 'pull', reference], {
      env: { HOME: home, AGENTCTL_HOST: host, NO_COLOR: '1', DOCKER_CONFIG: undefined },
      reject: false,
      timeout: 120_000,
    });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('pulling')) resolve();
      });
    });
    // The engine has the request (a connection reached the fake registry) before we interrupt.
    while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain('Cancelled');
    await expect(docker.getImage(reference).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
