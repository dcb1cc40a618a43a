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
        const { doctorLines, doctorSummary } = await import('./doctor-report.js');
        for (const line of doctorLines(report, io.style)) io.out(line);
        io.info(doctorSummary(report));
      }
      // A failing check is the documented exit 10 (check-failed); the report above is the one output.
      if (!report.ok) throw new PassThroughExit(exitCodeFor('check-failed'));
    });
}
