import { describe, expect, it } from 'vitest';
import { DETAILS, runtime } from '../../../test/helpers/inspect-fixture.js';
import { fakeRuntime } from '../../../test/helpers/fake-runtime.js';
import { getUserLabels, LABELS } from '../../shared/labels.js';
import { inspectAgent } from './inspect-agent.js';

describe('inspectAgent', () => {
  it('reports the facts agentctl keeps: exit code and OOM, image digest, branch and base, limits, user labels', async () => {
    const agent = await inspectAgent({ runtime: runtime(), now: () => 0 }, 'fixer');
    expect(agent).toMatchObject({
      name: 'fixer',
      id: DETAILS.id,
      state: 'exited',
      exitCode: 137,
      oomKilled: true,
      image: 'ghcr.io/x/agent-node:1.2.3',
      imageDigest: `sha256:${'a'.repeat(64)}`,
      branch: 'agent/fixer',
      base: 'abc123',
      command: ['claude'],
      network: 'default',
      ociRuntime: 'runc',
      limits: { cpus: 2, memory: 512 * 1024 * 1024, pidsLimit: 100, enforced: true },
      secrets: ['API_TOKEN'],
      environment: ['API_TOKEN_FILE', 'DEBUG_SETTING', 'EMPTY', 'PATH'],
      labels: { 'io.agentctl.managed': 'false', team: 'web' },
    });
  });

  it('shows no value of an environment variable, in --json or the human form', async () => {
    const agent = await inspectAgent({ runtime: runtime() }, 'fixer');
    expect(JSON.stringify(agent)).not.toContain('very-secret-value');
  });

  it('an unknown agent is AGENT_NOT_FOUND', async () => {
    const empty = fakeRuntime({ listContainers: async () => [], inspectContainer: async () => undefined });
    await expect(inspectAgent({ runtime: empty }, 'nobody')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
  });
});

describe('getUserLabels', () => {
  it("keeps only the user's namespace, without its prefix", () => {
    expect(getUserLabels({ [LABELS.managed]: 'true', 'io.agentctl.label.a': '1', other: 'x' })).toEqual({ a: '1' });
  });
});
