import { describe, expect, it } from 'vitest';
import { inspectAgent } from '../core/agents/inspect-agent.js';
import { runtime } from '../../test/helpers/inspect-fixture.js';
import { inspectionLines } from './inspect-view.js';

describe('inspectionLines', () => {
  it('shows no value of an environment variable', async () => {
    const lines = inspectionLines(await inspectAgent({ runtime: runtime() }, 'fixer'), { bold: (text) => text });
    expect(lines.join('\n')).not.toContain('very-secret-value');
  });

  it('prints sections of aligned facts', async () => {
    const lines = inspectionLines(await inspectAgent({ runtime: runtime() }, 'fixer'), { bold: (text) => `*${text}*` });
    expect(lines.slice(0, 4)).toEqual([
      '*Agent*',
      '  name        fixer',
      `  container   agentctl-fixer (ffffffffffff)`,
      '  state       exited (137, OOM killed)',
    ]);
    expect(lines).toContain('  labels       io.agentctl.managed=false, team=web');
    expect(lines).toContain('  memory  512m');
    // A stopped agent: the ports it was made with.
    expect(lines).toContain('*Ports*');
    expect(lines).toContain('  3000/tcp  127.0.0.1:3000');
  });
});
