import { describe, expect, it } from 'vitest';
import { healthCommand } from './dockerode-health.js';

describe('healthCommand', () => {
  it('runs a CMD test as its argv, a CMD-SHELL test through sh, and nothing for NONE or none', () => {
    expect(healthCommand(['CMD', '/usr/local/bin/agentctl-health'])).toEqual(['/usr/local/bin/agentctl-health']);
    expect(healthCommand(['CMD-SHELL', 'test -d /workspace'])).toEqual(['/bin/sh', '-c', 'test -d /workspace']);
    expect(healthCommand(['NONE'])).toBeUndefined();
    expect(healthCommand(['CMD'])).toBeUndefined();
    expect(healthCommand(undefined)).toBeUndefined();
  });
});
