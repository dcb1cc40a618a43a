import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDockerodeRuntime } from './dockerode-runtime.js';

const version = (kind: 'docker' | 'podman') => ({ kind, version: '1', apiVersion: '1.41' });

describe('DockerodeRuntime', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  /** A fake engine on a unix socket answering the container list and inspect. */
  async function fakeEngine(): Promise<{ url: string; paths: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'agentctl-rt-'));
    const socket = join(dir, 'engine.sock');
    const paths: string[] = [];
    const server: Server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.setHeader('Content-Type', 'application/json');
      if (req.url?.startsWith('/containers/json')) {
        res.end(
          JSON.stringify([
            {
              Id: 'abc',
              Names: ['/agentctl-a'],
              State: 'running',
              Image: 'img:1',
              Labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'a' },
            },
            { Id: 'def', Names: ['/other'], State: 'running', Image: 'img:1', Labels: {} },
          ]),
        );
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ message: 'No such container: gone' }));
      }
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { url: `unix://${socket}`, paths };
  }

  it('has every operation before dockerode is loaded, and the kind-dependent ones by kind', () => {
    const getDocker = vi.fn(() => Promise.reject(new Error('not loaded')));
    const docker = createDockerodeRuntime(getDocker, { url: 'ssh://me@host', source: 'test' }, version('docker'));
    const podman = createDockerodeRuntime(getDocker, { url: 'ssh://me@host', source: 'test' }, version('podman'));
    for (const name of [
      'createContainer',
      'listContainers',
      'inspectContainer',
      'pullImage',
      'fetchEngineInfo',
      'streamLogs',
    ] as const) {
      expect(typeof docker[name]).toBe('function');
    }
    expect(typeof docker.runHealthCheck).toBe('function'); // by exec on Docker, libpod's endpoint on Podman
    expect(typeof podman.runHealthCheck).toBe('function');
    expect(getDocker).not.toHaveBeenCalled();
  });

  it('lists and inspects over the socket without dockerode, with label filters and 404 as absent', async () => {
    const engine = await fakeEngine();
    const getDocker = vi.fn(() => Promise.reject(new Error('not loaded')));
    const runtime = createDockerodeRuntime(getDocker, { url: engine.url, source: 'test' }, version('docker'));
    const list = await runtime.listContainers({
      labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': true },
      all: true,
    });
    expect(list).toEqual([
      {
        id: 'abc',
        name: 'agentctl-a',
        state: 'running',
        image: 'img:1',
        labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'a' },
      },
    ]);
    expect(await runtime.inspectContainer('gone')).toBeUndefined();
    const query = new URLSearchParams(engine.paths[0]!.split('?')[1]);
    expect(query.get('all')).toBe('true');
    expect(JSON.parse(query.get('filters')!)).toEqual({ label: ['io.agentctl.managed=true', 'io.agentctl.agent'] });
    expect(getDocker).not.toHaveBeenCalled();
  });

  it('loads dockerode once, on the first other operation, and reports its failure', async () => {
    const getDocker = vi.fn(() => Promise.reject(new Error('not loaded')));
    const runtime = createDockerodeRuntime(
      getDocker,
      { url: 'unix:///nonexistent.sock', source: 'test' },
      version('docker'),
    );
    await expect(runtime.fetchEngineInfo()).rejects.toThrow('not loaded');
    await expect(runtime.listImages()).rejects.toThrow('not loaded');
    expect(getDocker).toHaveBeenCalledTimes(1);
  });
});
