import { describe, expect, it } from 'vitest';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { getRecordedTtl, parseTtl, ttlLabels } from './agent-ttl.js';

const runtime = (lifetime: boolean | undefined) =>
  ({
    endpoint: { url: 'unix:///var/run/docker.sock' },
    capabilities: { bindMounts: true, pullsOnStart: false, cluster: false, rootlessUsers: 'none', lifetime },
  }) as unknown as ContainerRuntime;

describe('start --ttl', () => {
  it('takes a duration of at least a second, in whole seconds rounded up', () => {
    expect(parseTtl('2h')).toBe(7200);
    expect(parseTtl('90')).toBe(90);
    expect(parseTtl('1500ms')).toBe(2);
    for (const bad of ['0', '500ms', 'soon', '-5s', ''])
      expect(() => parseTtl(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_TTL' }));
  });

  it('is a label for a backend that stops agents at their deadline, and refused with a way out elsewhere', () => {
    expect(ttlLabels(runtime(true), 600)).toEqual({ 'io.agentctl.ttl': '600' });
    expect(ttlLabels(runtime(false), undefined)).toEqual({});
    for (const lifetime of [false, undefined]) {
      expect(() => ttlLabels(runtime(lifetime), 600)).toThrow(
        expect.objectContaining({
          code: 'TTL_UNSUPPORTED',
          hint: expect.stringContaining('agentctl stop NAME'),
        }),
      );
    }
  });

  it('reads the lifetime an agent was created with', () => {
    expect(getRecordedTtl({ 'io.agentctl.ttl': '600' })).toBe(600);
    expect(getRecordedTtl({})).toBeUndefined();
  });
});
