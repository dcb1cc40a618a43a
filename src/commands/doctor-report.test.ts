import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../core/doctor/check.js';
import { doctorLines, doctorSummary } from './doctor-report.js';

const plain = { green: (t: string) => t, yellow: (t: string) => t, red: (t: string) => t, dim: (t: string) => t };
const tagged = {
  green: (t: string) => `\u001b[32m${t}\u001b[39m`,
  yellow: (t: string) => `\u001b[33m${t}\u001b[39m`,
  red: (t: string) => `\u001b[31m${t}\u001b[39m`,
  dim: (t: string) => `\u001b[2m${t}\u001b[22m`,
};

const checks: CheckResult[] = [
  { id: 'engine', title: 'Container engine', status: 'ok', message: 'docker 20.10.24 at unix:///var/run/docker.sock' },
  {
    id: 'socket',
    title: 'Socket',
    status: 'warn',
    message: 'every user may write to /var/run/docker.sock (mode 666)',
    fix: 'chmod 660 /var/run/docker.sock',
  },
  {
    id: 'image',
    title: 'Agent image',
    status: 'fail',
    message: 'ghcr.io/agentctl/agent:0.1.0 is not present',
    fix: 'agentctl image pull',
  },
  {
    id: 'ssh-agent',
    title: 'ssh-agent',
    status: 'skip',
    message: 'SSH_AUTH_SOCK is not set',
    fix: 'not shown for a skip',
  },
];

describe('agentctl doctor, as text (golden)', () => {
  it('one line per check, the fix under a warning or a failure, messages lined up', () => {
    expect(doctorLines({ checks }, plain)).toEqual([
      'ok    Container engine  docker 20.10.24 at unix:///var/run/docker.sock',
      'warn  Socket            every user may write to /var/run/docker.sock (mode 666)',
      '                        fix: chmod 660 /var/run/docker.sock',
      'FAIL  Agent image       ghcr.io/agentctl/agent:0.1.0 is not present',
      '                        fix: agentctl image pull',
      'skip  ssh-agent         SSH_AUTH_SOCK is not set',
    ]);
    expect(doctorSummary({ checks })).toBe('1 check(s) failed, 1 warning(s)');
  });

  it('lines up the same in colour (escape codes take no width)', () => {
    const coloured = doctorLines({ checks }, tagged).map((line) => stripVTControlCharacters(line));
    expect(coloured).toEqual(doctorLines({ checks }, plain));
    expect(doctorLines({ checks: checks.slice(0, 1) }, tagged)).toEqual([
      '\u001b[32mok  \u001b[39m  Container engine  docker 20.10.24 at unix:///var/run/docker.sock',
    ]);
  });

  it('summarises a clean run', () => {
    expect(doctorSummary({ checks: checks.slice(0, 1) })).toBe('all checks passed');
    expect(doctorSummary({ checks: checks.slice(0, 2) })).toBe('all checks passed (1 warning(s))');
  });
});
