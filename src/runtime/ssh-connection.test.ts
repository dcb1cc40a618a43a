import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEnvironment } from '../../test/helpers/detection-environment.js';
import { detectRuntime } from './detect/detect-runtime.js';
import { createEngineJsonClient } from './engine-json.js';
import { probeEndpoint } from './probe.js';
import { sshArguments } from './ssh-connection.js';

// These run the real OpenSSH client against local ports: nothing here leaves the machine.
// (test/integration/ssh-endpoint.test.ts runs agentctl against a real sshd and engine.)

describe('sshArguments', () => {
  it("runs the engine's own relay on the host, never prompting, the destination after --", () => {
    expect(sshArguments({ host: 'build-host', port: 2222, user: 'me' })).toEqual([
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-T',
      '-l',
      'me',
      '-p',
      '2222',
      '--',
      'build-host',
      'docker',
      'system',
      'dial-stdio',
    ]);
  });

  it('leaves the user and port to ~/.ssh/config when the URL names none', () => {
    expect(sshArguments({ host: 'build-host' })).toEqual([
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-T',
      '--',
      'build-host',
      'docker',
      'system',
      'dial-stdio',
    ]);
  });
});

describe('an ssh:// engine that cannot be reached', () => {
  // A port that accepts TCP and closes at once: ssh reports a failed exchange, not a refusal.
  let closing: Server;
  let closingPort = 0;
  let refusedPort = 0;
  beforeAll(async () => {
    closing = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
    closingPort = (closing.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    refusedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(() => closing.close());

  it("is probed over ssh (not docker-modem), and ssh's own words say what failed", async () => {
    const result = await probeEndpoint({ url: `ssh://me@127.0.0.1:${refusedPort}`, source: 'test' }, 10_000);
    expect(result).toEqual({
      ok: false,
      outcome: 'connection-refused',
      detail: `ssh -p ${refusedPort} me@127.0.0.1: ssh: connect to host 127.0.0.1 port ${refusedPort}: Connection refused`,
    });
    const dropped = await probeEndpoint({ url: `ssh://me@127.0.0.1:${closingPort}`, source: 'test' }, 10_000);
    expect(dropped).toMatchObject({ ok: false, outcome: 'error' });
    expect(dropped.ok || dropped.detail).toMatch(
      new RegExp(`^ssh -p ${closingPort} me@127\\.0\\.0\\.1: .*(closed|reset)`, 'i'),
    );
  });

  it('gives the command that shows why, as the hint', async () => {
    const url = `ssh://me@127.0.0.1:${refusedPort}`;
    const error = await detectRuntime({ environment: fakeEnvironment({ host: url, hostSource: 'flag --host' }) }).then(
      () => undefined,
      (failure: unknown) => failure as { code: string; message: string; hint: string },
    );
    expect(error?.code).toBe('RUNTIME_NOT_FOUND');
    expect(error?.message).toContain(
      `${url} (--host): connection refused (ssh -p ${refusedPort} me@127.0.0.1: ssh: connect`,
    );
    expect(error?.hint).toBe(
      `Check that \`ssh -p ${refusedPort} me@127.0.0.1 docker version\` works in this shell without a prompt (host key in known_hosts, key in ssh-agent or ~/.ssh/config, docker installed on that host); or point --host at a running engine, or drop --host to let agentctl look for one`,
    );
  });

  it('says so when there is no ssh client', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'agentctl-no-ssh-'));
    const path = process.env.PATH;
    process.env.PATH = empty;
    try {
      const client = createEngineJsonClient({ url: 'ssh://me@127.0.0.1', source: 'test' })!;
      await expect(client.get('/containers/json')).rejects.toThrow(
        'ssh:// endpoints need the OpenSSH client, and there is no `ssh` on PATH',
      );
    } finally {
      process.env.PATH = path;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
