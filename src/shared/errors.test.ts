import { describe, expect, it } from 'vitest';
import { EngineError, isConnectionFailure, toAgentctlError } from './errors.js';

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
