import { describe, expect, it } from 'vitest';
import { decideAgentUser } from './agent-user.js';

const base = { kind: 'docker' as const, platform: 'linux' as const, rootless: false };

describe('decideAgentUser', () => {
  it('runs as the host user on Docker', () => {
    expect(decideAgentUser({ ...base, host: { uid: 501, gid: 20 } })).toMatchObject({ uid: 501, gid: 20 });
  });

  it('uses keep-id on rootless Podman', () => {
    expect(decideAgentUser({ ...base, kind: 'podman', rootless: true, host: { uid: 1001, gid: 1001 } })).toMatchObject({ uid: 1001, gid: 1001, usernsMode: 'keep-id' });
  });

  it('runs as the image user when the backend clones the workspace (no host files to own)', () => {
    expect(decideAgentUser({ ...base, kind: 'kubernetes', host: { uid: 501, gid: 20 }, bindMounts: false })).toMatchObject({ uid: 1000, gid: 1000 });
  });

  it('runs rootful Podman like Docker', () => {
    expect(decideAgentUser({ ...base, kind: 'podman', host: { uid: 1001, gid: 1001 } })).not.toHaveProperty('usernsMode');
  });

  it('never runs as root when agentctl is root: the workspace owner, else the image user', () => {
    expect(decideAgentUser({ ...base, host: { uid: 0, gid: 0 }, workspaceOwner: { uid: 1234, gid: 1234 } })).toMatchObject({ uid: 1234, gid: 1234 });
    expect(decideAgentUser({ ...base, host: { uid: 0, gid: 0 }, workspaceOwner: { uid: 0, gid: 0 } })).toMatchObject({ uid: 1000, gid: 1000 });
    expect(decideAgentUser({ ...base, platform: 'win32' })).toMatchObject({ uid: 1000, gid: 1000 });
  });

  it('maps to container root on rootless Docker, which is the host user', () => {
    expect(decideAgentUser({ ...base, rootless: true, host: { uid: 1000, gid: 1000 } })).toMatchObject({ uid: 0, gid: 0 });
  });
});
