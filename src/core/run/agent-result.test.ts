import { describe, expect, it } from 'vitest';
import { createOutputTail, findNoChanges, parseAgentReport } from './agent-result.js';
import type { RunResult } from './run-result.js';

const CLAUDE =
  '{"type":"result","subtype":"success","is_error":false,"duration_ms":2345,"num_turns":4,"result":"Fixed the test","session_id":"4f1c2e7a-90b1-4c3e-9d1b-2a6f0c8e5d11","total_cost_usd":0.0421}';

describe('parseAgentReport', () => {
  it("takes Claude Code's --output-format json document and its session id", () => {
    const report = parseAgentReport(`Working…\nstill working\n${CLAUDE}\n`);
    expect(report.agentResult).toMatchObject({ result: 'Fixed the test', num_turns: 4, total_cost_usd: 0.0421 });
    expect(report.sessionId).toBe('4f1c2e7a-90b1-4c3e-9d1b-2a6f0c8e5d11');
  });

  it('takes the last JSON object line, and the session an earlier line named (codex exec --json)', () => {
    const stdout = [
      '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}',
      '{"type":"item.completed","item":{"type":"agent_message","text":"done"}}',
      '{"type":"turn.completed","usage":{"input_tokens":24763,"output_tokens":122}}',
      '',
    ].join('\r\n');
    const report = parseAgentReport(stdout);
    expect(report.agentResult).toEqual({ type: 'turn.completed', usage: { input_tokens: 24763, output_tokens: 122 } });
    expect(report.sessionId).toBe('0199a213-81c0-7800-8aa1-bbab2a035a53');
  });

  it('gives nothing for plain text, broken JSON, arrays and scalars, and never throws', () => {
    for (const stdout of [
      '',
      'all done\n',
      '{"type":"result","result":"cut off\n',
      '[1,2,3]\n',
      '42\n',
      '{not json}\n',
      '\u0000\u0001{',
    ]) {
      expect(parseAgentReport(stdout), JSON.stringify(stdout)).toEqual({});
    }
  });

  it('a broken last line does not hide an earlier whole result', () => {
    expect(parseAgentReport(`${CLAUDE}\n{"type":"res`).agentResult?.result).toBe('Fixed the test');
  });

  it('ignores a session id that is no plain identifier', () => {
    expect(parseAgentReport('{"session_id":"a b\\nc"}').sessionId).toBeUndefined();
    expect(parseAgentReport('{"session_id":7}')).toEqual({ agentResult: { session_id: 7 } });
    expect(parseAgentReport('{"sessionId":"s-1"}').sessionId).toBe('s-1');
  });
});

describe('createOutputTail', () => {
  it('keeps what it is given when it is short', () => {
    const tail = createOutputTail(100);
    tail.push('a\n');
    tail.push('b');
    expect(tail.text()).toBe('a\nb');
  });

  it('keeps only the end, from a whole line on, when the output is long', () => {
    const tail = createOutputTail(50);
    for (let i = 0; i < 100; i += 1) tail.push(`line ${i}\n`);
    tail.push(`${CLAUDE.slice(0, 20)}`);
    const text = tail.text();
    expect(text.length).toBeLessThanOrEqual(50);
    expect(text.split('\n')[0]).toMatch(/^line \d+$/);
    const big = createOutputTail(1000);
    big.push('x'.repeat(5000));
    big.push(`\n${CLAUDE}\n`);
    expect(parseAgentReport(big.text()).sessionId).toBe('4f1c2e7a-90b1-4c3e-9d1b-2a6f0c8e5d11');
  });
});

describe('findNoChanges', () => {
  const base: RunResult = {
    ok: true,
    agent: 'fixer',
    exitCode: 0,
    durationMs: 1,
    image: { reference: 'x:1', digest: null },
    workspace: '/w',
    logFile: '/logs/fixer.log',
    removed: false,
    worktree: { branch: 'agent/fixer', base: 'abc', commits: [], changedFiles: [], uncommitted: [] },
  };

  it('fails a run that exited 0 with no commit and no uncommitted file', () => {
    const error = findNoChanges(base);
    expect(error?.code).toBe('RUN_NO_CHANGES');
    expect(error?.kind).toBe('no-changes');
    expect(error?.message).toContain('agent/fixer');
  });

  it('passes a run with a commit or an uncommitted file, and leaves a failed run its own exit code', () => {
    expect(findNoChanges({ ...base, worktree: { ...base.worktree!, commits: [{ hash: 'h', subject: 's' }] } })).toBe(
      undefined,
    );
    expect(findNoChanges({ ...base, worktree: { ...base.worktree!, uncommitted: ['a.txt'] } })).toBe(undefined);
    expect(findNoChanges({ ...base, exitCode: 1, ok: false })).toBe(undefined);
  });
});
