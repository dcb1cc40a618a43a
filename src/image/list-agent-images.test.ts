import { describe, expect, it } from 'vitest';
import { agentRepositories, isAgentImage } from './list-agent-images.js';

describe("agentctl's images", () => {
  it('are the agent repository, its stack siblings and the profile images', () => {
    expect(agentRepositories('ghcr.io/agentctl/agent', ['ghcr.io/me/codex:1'])).toEqual([
      'ghcr.io/agentctl/agent',
      'ghcr.io/agentctl/agent-node',
      'ghcr.io/agentctl/agent-python',
      'ghcr.io/agentctl/agent-browser',
      'ghcr.io/me/codex',
    ]);
  });

  it('are recognised by the stack label or by repository (Podman lists fully qualified names)', () => {
    expect(isAgentImage({ labels: { 'io.agentctl.stack': 'base' }, repoTags: ['x:1'] }, 'r/agent')).toBe(true);
    expect(isAgentImage({ labels: {}, repoTags: ['docker.io/r/agent-node:1'] }, 'r/agent')).toBe(true);
    expect(isAgentImage({ labels: {}, repoTags: ['ghcr.io/me/codex:2'] }, 'r/agent', ['ghcr.io/me/codex:1'])).toBe(
      true,
    );
    expect(isAgentImage({ labels: {}, repoTags: ['debian:12'] }, 'r/agent')).toBe(false);
    // Podman keeps a short name built or loaded here as localhost/<name> (issue 16: image ls missed it).
    expect(isAgentImage({ labels: {}, repoTags: ['localhost/r/agent:1'] }, 'r/agent')).toBe(true);
    expect(isAgentImage({ labels: {}, repoTags: ['localhost/other/agent:1'] }, 'r/agent')).toBe(false);
  });
});
