import { describe, expect, it } from 'vitest';
import { isAgentctlError } from '../../shared/errors.js';
import { checkSshSocketUsable, checkWorkspaceWritable, decideAgentUser, mayAccess } from './agent-user.js';

const base = { rootlessUsers: 'root-is-host-user' as const, platform: 'linux' as const, rootless: false };

describe('decideAgentUser', () => {
  it('runs as the host user on Docker', () => {
    expect(decideAgentUser({ ...base, host: { uid: 501, gid: 20 } })).toMatchObject({
      uid: 501,
      gid: 20,
      hostIdentity: { uid: 501, gid: 20 },
    });
  });

  it('runs a regular user as that user even on a workspace someone else owns (never borrows the owner through the engine)', () => {
    expect(
      decideAgentUser({ ...base, host: { uid: 1500, gid: 1500 }, workspaceOwner: { uid: 0, gid: 0 } }),
    ).toMatchObject({ uid: 1500, gid: 1500 });
  });

  it('uses keep-id on rootless Podman', () => {
    expect(
      decideAgentUser({ ...base, rootlessUsers: 'keep-host-ids', rootless: true, host: { uid: 1001, gid: 1001 } }),
    ).toMatchObject({
      uid: 1001,
      gid: 1001,
      keepHostIds: true,
      hostIdentity: { uid: 1001, gid: 1001 },
    });
  });

  it('runs as the image user when the backend clones the workspace (no host files to own)', () => {
    const user = decideAgentUser({ ...base, rootlessUsers: 'none', host: { uid: 501, gid: 20 }, bindMounts: false });
    expect(user).toMatchObject({ uid: 1000, gid: 1000 });
    expect(user).not.toHaveProperty('hostIdentity');
  });

  it('runs rootful Podman like Docker', () => {
    expect(
      decideAgentUser({ ...base, rootlessUsers: 'keep-host-ids', host: { uid: 1001, gid: 1001 } }),
    ).not.toHaveProperty('keepHostIds');
  });

  it('as root, runs the agent as the workspace owner, uid 0 included (so that it can write a root-owned checkout)', () => {
    expect(
      decideAgentUser({ ...base, host: { uid: 0, gid: 0 }, workspaceOwner: { uid: 1234, gid: 1234 } }),
    ).toMatchObject({ uid: 1234, gid: 1234 });
    expect(decideAgentUser({ ...base, host: { uid: 0, gid: 0 }, workspaceOwner: { uid: 0, gid: 0 } })).toMatchObject({
      uid: 0,
      gid: 0,
      hostIdentity: { uid: 0, gid: 0 },
    });
    expect(
      decideAgentUser({
        ...base,
        rootlessUsers: 'keep-host-ids',
        host: { uid: 0, gid: 0 },
        workspaceOwner: { uid: 0, gid: 0 },
      }),
    ).toMatchObject({ uid: 0, gid: 0 });
    expect(decideAgentUser({ ...base, platform: 'win32' })).toMatchObject({ uid: 1000, gid: 1000 });
  });

  it('maps to container root on rootless Docker, which is the host user', () => {
    expect(decideAgentUser({ ...base, rootless: true, host: { uid: 1000, gid: 1000 } })).toMatchObject({
      uid: 0,
      gid: 0,
      hostIdentity: { uid: 1000, gid: 1000 },
    });
  });
});

describe('mayAccess', () => {
  it('checks only the owner bits for the owner, the group bits for the group, else the others', () => {
    expect(mayAccess({ uid: 0, gid: 0, mode: 0o40755 }, { uid: 0, gid: 0 }, 3)).toBe(true);
    expect(mayAccess({ uid: 0, gid: 0, mode: 0o40577 }, { uid: 0, gid: 0 }, 3)).toBe(false);
    expect(mayAccess({ uid: 0, gid: 50, mode: 0o40770 }, { uid: 9, gid: 50 }, 3)).toBe(true);
    expect(mayAccess({ uid: 0, gid: 50, mode: 0o40707 }, { uid: 9, gid: 50 }, 3)).toBe(false);
    expect(mayAccess({ uid: 0, gid: 0, mode: 0o40755 }, { uid: 1500, gid: 1500 }, 3)).toBe(false);
    expect(mayAccess({ uid: 0, gid: 0, mode: 0o41777 }, { uid: 1500, gid: 1500 }, 3)).toBe(true);
  });
});

function codeOf(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isAgentctlError(error) ? error.code : 'not-agentctl';
  }
}

describe('checkWorkspaceWritable', () => {
  const root = decideAgentUser({ ...base, host: { uid: 0, gid: 0 }, workspaceOwner: { uid: 0, gid: 0 } });
  const dev = decideAgentUser({ ...base, host: { uid: 1500, gid: 1500 } });

  it('lets root write its own 0700 checkout, and the user a 0700 workspace of their own', () => {
    expect(codeOf(() => checkWorkspaceWritable(root, '/src', { uid: 0, gid: 0, mode: 0o40700 }))).toBeUndefined();
    expect(codeOf(() => checkWorkspaceWritable(dev, '/w', { uid: 1500, gid: 1500, mode: 0o40700 }))).toBeUndefined();
  });

  it('refuses, with a hint, a workspace the agent could only read (never silently read-only)', () => {
    expect(codeOf(() => checkWorkspaceWritable(dev, '/opt/src', { uid: 0, gid: 0, mode: 0o40755 }))).toBe(
      'WORKSPACE_NOT_WRITABLE',
    );
    expect(codeOf(() => checkWorkspaceWritable(root, '/src', { uid: 0, gid: 0, mode: 0o40555 }))).toBe(
      'WORKSPACE_NOT_WRITABLE',
    );
    try {
      checkWorkspaceWritable(dev, '/opt/src', { uid: 0, gid: 0, mode: 0o40755 });
    } catch (error) {
      expect((error as Error).message).toBe(
        'The agent (uid 1500, gid 1500 on this machine) could not write the workspace /opt/src (owner 0:0, mode 0755)',
      );
      expect((error as { hint: string }).hint).toContain('--read-only');
    }
  });

  it('does not check where nothing of this machine is mounted (Kubernetes)', () => {
    const cluster = decideAgentUser({
      ...base,
      rootlessUsers: 'none',
      bindMounts: false,
      host: { uid: 1500, gid: 1500 },
    });
    expect(codeOf(() => checkWorkspaceWritable(cluster, '/w', { uid: 0, gid: 0, mode: 0o40500 }))).toBeUndefined();
  });
});

describe('checkSshSocketUsable', () => {
  it("refuses root's 0600 ssh-agent socket for an agent that runs as the checkout's owner", () => {
    const owner = decideAgentUser({ ...base, host: { uid: 0, gid: 0 }, workspaceOwner: { uid: 1234, gid: 1234 } });
    expect(codeOf(() => checkSshSocketUsable(owner, '/tmp/ssh-x/agent.1', { uid: 0, gid: 0, mode: 0o140600 }))).toBe(
      'SSH_AGENT_UNUSABLE',
    );
  });

  it("accepts the user's own socket: a regular user, rootless Podman (keep-id), root on its own checkout", () => {
    const socket = { uid: 1500, gid: 1500, mode: 0o140600 };
    expect(
      codeOf(() => checkSshSocketUsable(decideAgentUser({ ...base, host: { uid: 1500, gid: 1500 } }), '/s', socket)),
    ).toBeUndefined();
    expect(
      codeOf(() =>
        checkSshSocketUsable(
          decideAgentUser({ ...base, rootlessUsers: 'keep-host-ids', rootless: true, host: { uid: 1500, gid: 1500 } }),
          '/s',
          socket,
        ),
      ),
    ).toBeUndefined();
    const root = decideAgentUser({ ...base, host: { uid: 0, gid: 0 }, workspaceOwner: { uid: 0, gid: 0 } });
    expect(codeOf(() => checkSshSocketUsable(root, '/s', { uid: 0, gid: 0, mode: 0o140600 }))).toBeUndefined();
  });
});
