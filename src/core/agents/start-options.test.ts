import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardedSshAgentSocket } from '../../runtime/detect/forwarded-ssh-agent.js';
import { prepareStart, type PrepareDeps, type StartAgentOptions } from './start-options.js';

function deps(overrides: Partial<PrepareDeps> = {}): PrepareDeps {
  return {
    cwd: tmpdir(),
    env: {},
    platform: 'linux',
    config: { worktree: 'never' },
    homedir: tmpdir(),
    registerSecret: () => undefined,
    ...overrides,
  };
}

function options(overrides: Partial<StartAgentOptions> = {}): StartAgentOptions {
  return {
    name: 'x',
    workspace: mkdtempSync(join(tmpdir(), 'agentctl-prepare-')),
    detach: true,
    readOnly: false,
    env: [],
    envFiles: [],
    secrets: [],
    ssh: true,
    dockerAccess: 'none',
    waitTimeoutMs: 5000,
    ...overrides,
  };
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listeningSocket(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'agentctl-ssh-')), 'agent.sock');
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

describe('prepareStart --ssh', () => {
  it("mounts the host's SSH_AUTH_SOCK when the engine shares the host's file system", async () => {
    const socket = await listeningSocket();
    const prepared = await prepareStart(deps({ env: { SSH_AUTH_SOCK: socket } }), options());
    expect(prepared.sshSocket).toBe(socket);
  });

  it('uses the socket the engine forwards (an engine in a VM), without looking at SSH_AUTH_SOCK', async () => {
    const prepared = await prepareStart(
      deps({ platform: 'darwin', env: {}, forwardedSshSocket: forwardedSshAgentSocket('darwin') }),
      options(),
    );
    expect(prepared.sshSocket).toBe('/run/host-services/ssh-auth.sock');
  });

  it('refuses SSH_AUTH_SOCK when it is not a socket, and when it is unset', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agentctl-ssh-')), 'plain');
    writeFileSync(file, '');
    await expect(prepareStart(deps({ env: { SSH_AUTH_SOCK: file } }), options())).rejects.toMatchObject({
      code: 'SSH_AGENT_MISSING',
      message: expect.stringContaining('which is not a socket'),
    });
    await expect(prepareStart(deps(), options())).rejects.toMatchObject({ code: 'SSH_AGENT_MISSING' });
  });

  it('forwards nothing on Linux and Windows: the runtime layer knows only the VM engines', () => {
    expect(forwardedSshAgentSocket('linux')).toBeUndefined();
    expect(forwardedSshAgentSocket('win32')).toBeUndefined();
  });
});
