import { describe, expect, it } from 'vitest';
import { EngineError, diskFullError, findNoSpaceError, isConnectionFailure, toAgentctlError } from './errors.js';
import { exitCodeFor } from './exit-codes.js';

const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
const refused = Object.assign(new Error('connect ECONNREFUSED /run/podman/podman.sock'), {
  code: 'ECONNREFUSED',
  syscall: 'connect',
});
const socketGone = Object.assign(new Error('connect ENOENT /run/podman/podman.sock'), {
  code: 'ENOENT',
  syscall: 'connect',
});

describe('an engine that goes away mid-command', () => {
  it('is a lost connection: a hang-up, a refused or vanished socket, also as a cause', () => {
    expect(isConnectionFailure(hangUp)).toBe(true);
    expect(isConnectionFailure(new Error('socket hang up'))).toBe(true);
    expect(isConnectionFailure(refused)).toBe(true);
    expect(isConnectionFailure(socketGone)).toBe(true);
    expect(isConnectionFailure(new Error('wrapped', { cause: refused }))).toBe(true);
  });

  it('is not: an engine answer, a missing file, an ordinary bug', () => {
    expect(isConnectionFailure(Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500 }))).toBe(
      false,
    );
    expect(
      isConnectionFailure(
        Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT', syscall: 'open' }),
      ),
    ).toBe(false);
    expect(isConnectionFailure(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
  });

  it('maps to ENGINE_CONNECTION_LOST (engine, exit 5) with a hint, never INTERNAL', () => {
    for (const error of [hangUp, refused]) {
      const typed = toAgentctlError(error);
      expect(typed).toBeInstanceOf(EngineError);
      expect(typed).toMatchObject({
        code: 'ENGINE_CONNECTION_LOST',
        kind: 'engine',
        hint: expect.stringContaining('agentctl doctor'),
      });
      expect(typed.message).toContain(error.message);
    }
    expect(toAgentctlError(new TypeError('bug')).code).toBe('INTERNAL');
  });
});

describe('a data dir out of space reported as GIT_FAILED (or INTERNAL)', () => {
  const noSpace = Object.assign(new Error('ENOSPC: no space left on device, write'), {
    code: 'ENOSPC',
    path: '/data/agentctl/worktrees/x/.agents/a/record.json',
  });

  it('a write that found no space is DISK_FULL (exit 12) naming the directory, also as a cause', () => {
    for (const error of [noSpace, new Error('wrapped', { cause: noSpace })]) {
      const mapped = toAgentctlError(error);
      expect(mapped).toMatchObject({ code: 'DISK_FULL', kind: 'resources' });
      expect(mapped.message).toBe('No space left on the disk of /data/agentctl/worktrees/x/.agents/a');
      expect(mapped.hint).toContain('df -h /data/agentctl/worktrees/x/.agents/a');
      expect(mapped.hint).toContain('AGENTCTL_DATA_DIR');
      expect(exitCodeFor(mapped.kind)).toBe(12);
    }
    expect(toAgentctlError(Object.assign(new Error('quota'), { code: 'EDQUOT' })).code).toBe('DISK_FULL');
  });

  it('other file errors stay what they were', () => {
    expect(findNoSpaceError(Object.assign(new Error('x'), { code: 'EACCES' }))).toBeUndefined();
    expect(diskFullError(undefined, noSpace).message).toBe('No space left on a disk agentctl writes to');
  });
});
