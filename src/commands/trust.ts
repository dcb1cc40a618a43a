import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { UsageError } from '../shared/errors.js';

export function registerTrust(program: Command, context: CommandContext): void {
  program
    .command('trust')
    .description(
      'Approve a project config file that sets keys able to loosen confinement (network, capabilities, engine, image …)',
    )
    .argument('[file]', 'project config file (default: the one found from the current directory)')
    .option('--revoke', 'withdraw the approval of the file')
    .option('--list', 'list approved files and whether each is unchanged since')
    .addHelpText(
      'after',
      '\nAn approval covers the exact bytes of the file: once edited, it needs approving again.\nSee docs/security.md.\n\nExamples:\n  $ agentctl trust\n  $ agentctl trust .agentctlrc.yaml\n  $ agentctl trust --list --json\n  $ agentctl trust --revoke .agentctlrc.yaml',
    )
    .action(async (file: string | undefined, flags: { revoke?: boolean; list?: boolean }) => {
      if (flags.list && (file !== undefined || flags.revoke)) {
        throw new UsageError('TRUST_LIST_AND_FILE', '--list takes no file and no --revoke', {
          hint: 'Run `agentctl trust --list` on its own',
        });
      }
      const { trustProjectConfig, revokeProjectTrust, listTrustedConfigs } =
        await import('../core/trust/trust-config.js');
      const deps = { cwd: context.cwd, env: context.env, homedir: context.homedir };
      const { io } = context;
      if (flags.list) {
        const listed = await listTrustedConfigs(deps);
        if (context.globals.json) return io.writeJson({ ok: true, files: listed.files });
        if (listed.files.length === 0) return io.info('No trusted project config files.');
        const { renderTable } = await import('../io/table.js');
        const rows = listed.files.map((entry) => [entry.status, entry.trustedAt, entry.file]);
        for (const line of renderTable(rows, [{ minWidth: 8 }])) io.out(line);
        return;
      }
      if (flags.revoke) {
        const revoked = await revokeProjectTrust(deps, file);
        if (context.globals.json) return io.writeJson({ ok: true, file: revoked.file, revoked: revoked.revoked });
        if (revoked.revoked) io.out(`Revoked trust in ${revoked.file}`);
        else io.info(`${revoked.file} was not trusted`);
        return;
      }
      const trusted = await trustProjectConfig(deps, file);
      if (context.globals.json)
        return io.writeJson({ ok: true, file: trusted.file, sha256: trusted.sha256, keys: trusted.keys });
      io.out(`Trusted ${trusted.file} (sha256 ${trusted.sha256.slice(0, 12)})`);
      io.info(
        trusted.keys.length
          ? `These keys now apply from it: ${trusted.keys.join(', ')}`
          : 'It sets no key that needs approval.',
      );
    });
}
