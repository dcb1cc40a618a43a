import { describe, expect, it } from 'vitest';
import { fromKubernetesMetadata, isLabelCompatible, splitLabelFilter, toKubernetesMetadata } from './kube-labels.js';

describe('agentctl labels in Kubernetes metadata', () => {
  it('tells label values from what only fits an annotation', () => {
    expect(isLabelCompatible('io.agentctl.agent', 'my-agent.1')).toBe(true);
    expect(isLabelCompatible('io.agentctl.workspace', '/home/me/p')).toBe(false);
    expect(isLabelCompatible('io.agentctl.image', 'ghcr.io/a/b:1')).toBe(false);
    expect(isLabelCompatible('io.agentctl.x', 'a'.repeat(64))).toBe(false);
    expect(isLabelCompatible('io.agentctl.x', '')).toBe(true);
  });

  it('round-trips every label through labels plus one annotation', () => {
    const labels = { 'io.agentctl.managed': 'true', 'io.agentctl.workspace': '/w', 'io.agentctl.image': 'ghcr.io/a:1' };
    const meta = toKubernetesMetadata(labels);
    expect(meta.labels).toEqual({ 'io.agentctl.managed': 'true' });
    expect(fromKubernetesMetadata(meta)).toEqual(labels);
    expect(fromKubernetesMetadata({ labels: { a: 'b' }, annotations: { 'agentctl.io/labels': '{bad' } })).toEqual({
      a: 'b',
    });
  });

  it('sends the server what it can select on and checks the rest here', () => {
    const filter = splitLabelFilter({
      'io.agentctl.managed': 'true',
      'io.agentctl.agent': true,
      'io.agentctl.workspace': '/w',
    });
    expect(filter.selector).toBe('io.agentctl.managed=true,io.agentctl.agent');
    expect(
      filter.matches({ 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'a', 'io.agentctl.workspace': '/w' }),
    ).toBe(true);
    expect(
      filter.matches({ 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'a', 'io.agentctl.workspace': '/other' }),
    ).toBe(false);
    expect(filter.matches({ 'io.agentctl.managed': 'true', 'io.agentctl.workspace': '/w' })).toBe(false);
  });
});
