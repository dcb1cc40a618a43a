import { describe, expect, it } from 'vitest';
import { EngineError } from '../../shared/errors.js';
import { isEngineUnreachable, retryWhileUnreachable } from './retry-unreachable.js';

const lost = () =>
  new EngineError('ENGINE_FAILED', 'The engine could not remove the container: write EPIPE', {
    hint: 'h',
    cause: Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }),
  });
const answered = () =>
  new EngineError('ENGINE_FAILED', 'conflict', {
    hint: 'h',
    cause: Object.assign(new Error('(HTTP code 409) conflict'), { statusCode: 409 }),
  });

describe('retryWhileUnreachable', () => {
  it('tells a lost connection from an engine answer', () => {
    expect(isEngineUnreachable(lost())).toBe(true);
    expect(
      isEngineUnreachable(Object.assign(new Error('connect ECONNREFUSED /x.sock'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isEngineUnreachable(answered())).toBe(false);
    expect(isEngineUnreachable(new Error('boom'))).toBe(false);
  });

  it('retries while the engine is unreachable, and not after an answer', async () => {
    let calls = 0;
    await expect(
      retryWhileUnreachable(async () => (++calls < 3 ? Promise.reject(lost()) : 'done'), { intervalMs: 1 }),
    ).resolves.toBe('done');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retryWhileUnreachable(
        async () => {
          calls += 1;
          throw answered();
        },
        { intervalMs: 1 },
      ),
    ).rejects.toThrow('conflict');
    expect(calls).toBe(1);
    await expect(
      retryWhileUnreachable(async () => Promise.reject(lost()), { intervalMs: 1, limitMs: 20 }),
    ).rejects.toThrow('EPIPE');
  });
});
