import { describe, expect, it } from 'vitest';
import { matchesLabels } from './dockerode-containers.js';

describe('matchesLabels', () => {
  it('requires every filter (Podman 4.3 ORs several label filters on volumes)', () => {
    const labels = { 'io.agentctl.managed': 'true', 'io.agentctl.workspace': '/w/a' };
    expect(matchesLabels(labels, { 'io.agentctl.managed': 'true', 'io.agentctl.workspace': '/w/a' })).toBe(true);
    expect(matchesLabels(labels, { 'io.agentctl.managed': 'true', 'io.agentctl.workspace': '/w/b' })).toBe(false);
    expect(matchesLabels(labels, { 'io.agentctl.agent': true })).toBe(false);
    expect(matchesLabels(labels, { 'io.agentctl.managed': true })).toBe(true);
  });
});
