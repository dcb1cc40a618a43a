import type { DoctorReport } from '../core/doctor/run-doctor.js';
import type { Io } from '../io/io.js';
import { renderTable } from '../io/table.js';

type Style = Pick<Io['style'], 'green' | 'yellow' | 'red' | 'dim'>;

/** The lines `agentctl doctor` prints on stdout: one per check, a `fix:` line under a warning or failure. */
export function doctorLines(report: Pick<DoctorReport, 'checks'>, style: Style): string[] {
  const marks = {
    ok: style.green('ok  '),
    warn: style.yellow('warn'),
    fail: style.red('FAIL'),
    skip: style.dim('skip'),
  };
  const rows: string[][] = [];
  for (const check of report.checks) {
    rows.push([marks[check.status], check.title, check.message]);
    if (check.fix && (check.status === 'warn' || check.status === 'fail'))
      rows.push(['', '', `${style.dim('fix:')} ${check.fix}`]);
  }
  return renderTable(rows, [{ minWidth: 4 }]);
}

/** The summary `agentctl doctor` prints on stderr. */
export function doctorSummary(report: Pick<DoctorReport, 'checks'>): string {
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  const warned = report.checks.filter((check) => check.status === 'warn').length;
  return failed
    ? `${failed} check(s) failed, ${warned} warning(s)`
    : `all checks passed${warned ? ` (${warned} warning(s))` : ''}`;
}
