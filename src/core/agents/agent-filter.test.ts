import { describe, expect, it } from 'vitest';
import type { AgentListing } from './list-agents.js';
import { matchesFilters, parseFilters } from './agent-filter.js';
import { parseUserLabels } from './user-labels.js';

const agent = (overrides: Partial<AgentListing>) =>
  ({
    name: 'fixer',
    state: 'running',
    image: 'ghcr.io/x/agent-node:1.2.3',
    imageName: 'agent-node:1.2.3',
    branch: 'agent/fixer',
    labels: { team: 'web', urgent: '' },
    ...overrides,
  }) as AgentListing;

describe('ls --filter', () => {
  it('parses KEY=VALUE, repeatable, and refuses an unknown key or a missing value (INVALID_FILTER)', () => {
    expect(parseFilters(['state=running', 'State=exited', 'label=team=web'])).toEqual({
      state: ['running', 'exited'],
      label: ['team=web'],
    });
    for (const bad of ['status=running', 'state', 'state=', '=x'])
      expect(() => parseFilters([bad])).toThrow(expect.objectContaining({ code: 'INVALID_FILTER', kind: 'usage' }));
  });

  it('ORs the values of one key and ANDs different keys, as docker ps does', () => {
    const filters = parseFilters(['state=running', 'state=exited', 'label=team=web']);
    expect(matchesFilters(agent({}), filters)).toBe(true);
    expect(matchesFilters(agent({ state: 'exited' }), filters)).toBe(true);
    expect(matchesFilters(agent({ state: 'created' }), filters)).toBe(false);
    expect(matchesFilters(agent({ labels: { team: 'api' } }), filters)).toBe(false);
  });

  it('matches names by a part, images by reference, name:tag or name, labels by key or key=value, branches exactly', () => {
    const one = (filter: string) => matchesFilters(agent({}), parseFilters([filter]));
    expect(one('name=fix')).toBe(true);
    expect(one('name=other')).toBe(false);
    for (const image of ['ghcr.io/x/agent-node:1.2.3', 'agent-node:1.2.3', 'ghcr.io/x/agent-node', 'agent-node'])
      expect(one(`image=${image}`)).toBe(true);
    expect(one('image=agent-node:9')).toBe(false);
    expect(one('label=urgent')).toBe(true);
    expect(one('label=team')).toBe(true);
    expect(one('label=team=api')).toBe(false);
    expect(one('branch=agent/fixer')).toBe(true);
    expect(one('branch=agent/fix')).toBe(false);
  });
});

describe('start --label', () => {
  it("keeps a user's labels in their own namespace, so none can set one of agentctl's", () => {
    expect(parseUserLabels(['team=web', 'io.agentctl.managed=false', 'flag'])).toEqual({
      'io.agentctl.label.team': 'web',
      'io.agentctl.label.io.agentctl.managed': 'false',
      'io.agentctl.label.flag': '',
    });
    for (const bad of ['a b=1', '=x', '-a=1', `${'k'.repeat(64)}=1`])
      expect(() => parseUserLabels([bad])).toThrow(expect.objectContaining({ code: 'INVALID_LABEL' }));
  });
});
