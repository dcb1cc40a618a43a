import { describe, expect, it } from 'vitest';
import type { AgentListing } from '../core/agents/list-agents.js';
import { compileFormat } from './ls-format.js';

const agents = [
  { name: 'a', state: 'running', exitCode: null, oomKilled: false, branch: 'agent/a', labels: { team: 'web' } },
  { name: 'bb', state: 'exited', exitCode: 3, oomKilled: false, branch: null, labels: {} },
] as unknown as AgentListing[];

describe('ls --format', () => {
  it('a field list prints a table of those columns', () => {
    expect(compileFormat('name,state,exitcode')(agents)).toEqual([
      'NAME  STATE       EXITCODE',
      'a     running     -',
      'bb    exited (3)  3',
    ]);
  });

  it('a template prints one line per agent; with `table` a header and aligned cells', () => {
    expect(compileFormat('{{.Name}}:{{ .Branch }}')(agents)).toEqual(['a:agent/a', 'bb:-']);
    expect(compileFormat('table {{.Name}}\\t{{.Labels}}')(agents)).toEqual(['NAME  LABELS', 'a     team=web', 'bb']);
  });

  it('an unknown field or a malformed template is INVALID_FORMAT (usage, exit 2)', () => {
    for (const bad of ['name,nope', '{{.Nope}}', '{{.Name', '{{json .}}', 'table', 'name,,state'])
      expect(() => compileFormat(bad)).toThrow(expect.objectContaining({ code: 'INVALID_FORMAT', kind: 'usage' }));
  });
});
