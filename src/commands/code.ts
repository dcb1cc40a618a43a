import type { Command } from 'commander';
import type { CommandContext } from './context.js';

/** `code` (code.cmd on Windows) on PATH, or undefined. */
async function findVscode(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { access, constants } = await import('node:fs/promises');
  const { delimiter, join } = await import('node:path');
  const names = process.platform === 'win32' ? ['code.cmd', 'code.exe'] : ['code'];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = join(dir, name);
      if (
        await access(file, constants.X_OK).then(
          () => true,
          () => false,
        )
      )
        return file;
    }
  }
  return undefined;
}

export function registerCode(program: Command, context: CommandContext): void {
  program
    .command('code')
    .description("Open VS Code attached to an agent's container at /workspace (Dev Containers), or print how")
    .argument('<name>', 'the agent (running)')
    .option('--print', 'only print the URI and the steps; do not start VS Code')
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl code fixer            # runs: code --folder-uri vscode-remote://attached-container+…/workspace
  $ agentctl code fixer --print    # the URI and the steps, for another editor window or machine
  $ agentctl code fixer --json     # {"ok":true,"uri":…,"opened":…}

Needs VS Code's Dev Containers extension. VS Code runs its server inside the agent's container,
as the agent's user: the agent's confinement stays as it is.`,
    )
    .action(async (name: string, flags: { print?: boolean }) => {
      const { getCodeTarget } = await import('../core/agents/vscode-attach.js');
      const { io } = context;
      const target = await getCodeTarget({ runtime: await context.runtime() }, name);
      const vscode = flags.print ? undefined : await findVscode(context.env);
      let opened = false;
      let failure: string | undefined;
      if (vscode) {
        const { execa } = await import('execa');
        const result = await execa(vscode, ['--folder-uri', target.uri], {
          reject: false,
          timeout: 60_000,
          stdin: 'ignore',
        });
        opened = result.exitCode === 0;
        if (!opened) failure = (result.stderr || result.stdout || `exit code ${result.exitCode}`).trim();
      }
      if (context.globals.json) {
        io.writeJson({
          ok: true,
          agent: target.agent,
          container: target.container,
          uri: target.uri,
          opened,
          steps: target.steps,
        });
        return;
      }
      io.out(target.uri);
      if (opened) {
        io.info(`Opened VS Code on agent ${target.agent} (${target.container}:/workspace).`);
        return;
      }
      io.info(
        flags.print
          ? 'To open it in VS Code:'
          : vscode
            ? `VS Code (${vscode}) did not open it: ${failure}. By hand:`
            : 'VS Code (`code`) is not on PATH. To open the agent in VS Code:',
      );
      target.steps.forEach((step, index) => io.info(`  ${index + 1}. ${step}`));
    });
}
