import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerDoctor(program: Command, context: CommandContext): void {
  program
    .command('doctor')
    .description('Check the engine, socket permissions, agent image, disk, config, git and ssh-agent')
    .addHelpText(
      'after',
      '\nExits 10 when any check fails (warnings do not count).\n\nExamples:\n  $ agentctl doctor\n  $ agentctl doctor --json\n  $ agentctl doctor --runtime podman --verbose',
    )
    .action(async () => {
      const [{ runDoctor }, { doctorDeps }, { PassThroughExit }, { exitCodeFor }] = await Promise.all([
        import('../core/doctor/run-doctor.js'),
        import('./doctor-deps.js'),
        import('./pass-through-exit.js'),
        import('../shared/exit-codes.js'),
      ]);
      const report = await runDoctor(doctorDeps(context));
      const { io } = context;
      if (context.globals.json) {
        io.writeJson({ ok: report.ok, checks: report.checks });
      } else {
        const marks = {
          ok: io.style.green('ok  '),
          warn: io.style.yellow('warn'),
          fail: io.style.red('FAIL'),
          skip: io.style.dim('skip'),
        };
        const width = Math.max(...report.checks.map((check) => check.title.length));
        for (const check of report.checks) {
          io.out(`${marks[check.status]}  ${check.title.padEnd(width)}  ${check.message}`);
          if (check.fix && (check.status === 'warn' || check.status === 'fail'))
            io.out(`      ${' '.repeat(width)}  ${io.style.dim('fix:')} ${check.fix}`);
        }
        const failed = report.checks.filter((check) => check.status === 'fail').length;
        const warned = report.checks.filter((check) => check.status === 'warn').length;
        io.info(
          failed
            ? `${failed} check(s) failed, ${warned} warning(s)`
            : `all checks passed${warned ? ` (${warned} warning(s))` : ''}`,
        );
      }
      // A failing check is the documented exit 10 (check-failed); the report above is the one output.
      if (!report.ok) throw new PassThroughExit(exitCodeFor('check-failed'));
    });
}
