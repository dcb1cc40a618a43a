import { describe, expect, it } from 'vitest';
import { agentNameOf, containerName, deriveAgentName, homeVolumeName, validateAgentName } from './agent-name.js';

describe('agent names', () => {
  it('accepts engine-valid names', () => {
    for (const name of ['a', 'fixer', 'Fix_1.2-x', '9lives']) expect(validateAgentName(name)).toBe(name);
  });

  it.each(['', '-x', '.x', 'a b', 'a/b', 'ü', 'x'.repeat(64)])('refuses %j with AGENT_NAME_INVALID', (name) => {
    expect(() => validateAgentName(name)).toThrow(
      expect.objectContaining({ code: 'AGENT_NAME_INVALID', kind: 'usage' }),
    );
  });

  it('derives a valid name from the workspace directory', () => {
    expect(deriveAgentName('/home/dev/my-app')).toBe('my-app');
    expect(deriveAgentName('/home/dev/My App (copy)')).toBe('My-App-copy');
    expect(deriveAgentName('/home/dev/.hidden')).toBe('hidden');
    expect(deriveAgentName('/')).toBe('agent');
    expect(deriveAgentName(`/x/${'a'.repeat(100)}`)).toHaveLength(63);
    for (const dir of ['/tmp/ü-ö', '/tmp/--', '/tmp/a..b'])
      expect(() => validateAgentName(deriveAgentName(dir))).not.toThrow();
  });

  it('names containers and volumes with the agentctl- prefix', () => {
    expect(containerName('fixer')).toBe('agentctl-fixer');
    expect(homeVolumeName('fixer')).toBe('agentctl-fixer-home');
    expect(agentNameOf('/agentctl-fixer')).toBe('fixer');
    expect(agentNameOf('other')).toBeUndefined();
  });
});
