import { describe, expect, it } from 'vitest';
import { classifyPullError, pullError } from './pull-image.js';

describe('pull errors', () => {
  it('sorts Docker and Podman wordings', () => {
    expect(classifyPullError('Head "http://127.0.0.1:5001/v2/x/manifests/1": no basic auth credentials')).toBe('auth');
    expect(
      classifyPullError(
        'initializing source docker://127.0.0.1:5001/x:1: reading manifest 1 in 127.0.0.1:5001/x: unauthorized: authentication required',
      ),
    ).toBe('auth');
    expect(
      classifyPullError('Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused'),
    ).toBe('unreachable');
    expect(
      classifyPullError('pinging container registry 127.0.0.1:5999: Get "https://127.0.0.1:5999/v2/": dial tcp'),
    ).toBe('unreachable');
    expect(classifyPullError('manifest for 127.0.0.1:5000/x:9 not found: manifest unknown: manifest unknown')).toBe(
      'missing',
    );
    expect(classifyPullError('something odd')).toBe('other');
  });

  it('names the image, the registry and the fix', () => {
    const error = pullError(
      new Error('connection refused'),
      { registry: '127.0.0.1:5999', path: 'x' },
      '127.0.0.1:5999/x:1',
      ['127.0.0.1:5999/x:1 (local)'],
    );
    expect(error.code).toBe('REGISTRY_UNREACHABLE');
    expect(error.message).toContain('127.0.0.1:5999');
    expect(error.message).toContain('127.0.0.1:5999/x:1');
    expect(error.details).toMatchObject({ tried: ['127.0.0.1:5999/x:1 (local)'] });
  });

  it('hints that named the wrong fix: `--pull never` suggested for an absent image (only a local copy can do without the registry)', () => {
    const args: Parameters<typeof pullError> = [
      new Error('connection refused'),
      { registry: '127.0.0.1:5999', path: 'x' },
      '127.0.0.1:5999/x:1',
      [],
    ];
    const absent = pullError(...args);
    expect(absent.hint).not.toMatch(/--pull (never|missing)/);
    expect(absent.hint).toContain('no local copy of 127.0.0.1:5999/x:1');
    const present = pullError(args[0], args[1], args[2], args[3], true);
    expect(present.hint).toContain('--pull missing');
  });
});
