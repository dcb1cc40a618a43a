import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { egressUnregister } from './egress-unregister.js';

export function registerPrune(program: Command, context: CommandContext): void {
  program
    .command('prune')
    .description(
      'Remove stopped agents, their volumes, agentctl volumes whose agent is gone, and egress gateways no agent uses',
    )
    .option('--dry-run', 'only show what would be removed')
    .option('-w, --workspace <dir>', 'only agents of this workspace')
    .option(
      '-f, --force',
      'also remove orphan worktrees with uncommitted or unmerged work (Kubernetes: and workspace clones)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ agentctl prune --dry-run\n  $ agentctl prune --workspace .\n\nObjects without the io.agentctl.managed label are never touched. The egress gateway (its container,\nits two networks and its state volume) goes only with a prune without --workspace, once no agent\ncontainer (in any state) uses it, and never while a start is in progress.',
    )
    .action(async (flags: { dryRun?: boolean; workspace?: string; force?: boolean }) => {
      const { pruneAgents } = await import('../core/agents/prune.js');
      const { getDataDir, getWorktreeDir } = await import('../config/paths.js');
      const { pruneGateways } = await import('../core/egress/gateway-prune.js');
      const { listStartsInProgress } = await import('../core/agents/start-journal.js');
      const { UnsafeOperationError } = await import('../shared/errors.js');
      const { config } = await context.config();
      const processUser =
        typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid!() } : undefined;
      const runtime = await context.runtime();
      // Agents' git state records its engine: prune here leaves another engine's agents alone.
      const worktrees = {
        env: context.env,
        processUser,
        worktreeDir: getWorktreeDir(config, context.env, context.homedir),
        engine: runtime.endpoint.url,
      };
      const plan = await pruneAgents(
        {
          runtime,
          cwd: context.cwd,
          worktrees,
          clones: !runtime.capabilities.bindMounts,
          unregisterEgress: egressUnregister(runtime, (message) => context.io.warn(message)),
          pruneGateways: (options) =>
            pruneGateways(
              {
                runtime,
                startsInProgress: async () =>
                  (
                    await listStartsInProgress(getDataDir(config, context.env, context.homedir), runtime.endpoint.url)
                  ).map((entry) => entry.name),
              },
              options,
            ),
        },
        { dryRun: Boolean(flags.dryRun), workspace: flags.workspace, force: Boolean(flags.force) },
      );
      const { io } = context;
      const refused = plan.worktrees?.refused ?? [];
      const clonesKept = plan.clonesKept ?? [];
      // Worktrees kept because work would be lost: reported, then exit 9 (UNSAFE) so scripts notice.
      const refusal =
        refused.length === 0
          ? undefined
          : new UnsafeOperationError(
              'PRUNE_WORKTREES_HAVE_WORK',
              `Kept ${refused.length} worktree(s) of removed agents holding work: ${refused.map((item) => item.agent).join(', ')}`,
              {
                hint: "Each agent's commits are on its branch in your repository (merge them) and its uncommitted files in its worktree (copy them out); then run `agentctl prune` again, or `agentctl prune --force` to discard the work",
                details: { refused },
              },
            );
      // Kubernetes: a clone nobody can read now is kept, then exit 9 too (prune --force removes it).
      const cloneRefusal =
        clonesKept.length === 0
          ? undefined
          : new UnsafeOperationError(
              'PRUNE_CLONES_MAY_HOLD_WORK',
              `Kept ${clonesKept.length} agent(s) or claim(s) whose workspace clone may hold work: ${clonesKept.map((item) => item.agent).join(', ')}`,
              {
                hint: 'Start each agent and bring its work back (`agentctl start NAME`, then `agentctl merge NAME` or `apply`), then prune again; or `agentctl prune --force` to discard the clones',
                details: { kept: clonesKept },
              },
            );
      if (context.globals.json) {
        if (refusal) throw refusal;
        if (cloneRefusal) throw cloneRefusal;
        io.writeJson({ ok: true, ...plan });
        return;
      }
      const verb = plan.dryRun ? 'would remove' : 'removed';
      for (const item of plan.containers) io.out(`${verb} agent ${item.name} (${item.state})`);
      for (const volume of plan.volumes) io.out(`${verb} volume ${volume}`);
      for (const gateway of plan.gateways) {
        const objects = [
          ...(gateway.container ? ['its container'] : []),
          ...(gateway.networks.length > 0 ? [`networks ${gateway.networks.join(', ')}`] : []),
          ...(gateway.volume ? [`volume ${gateway.volume}`] : []),
        ];
        io.out(`${verb} egress gateway ${gateway.name} (${objects.join('; ')})`);
      }
      for (const gateway of plan.gatewaysKept ?? []) io.info(`kept egress gateway ${gateway.name}: ${gateway.reason}`);
      for (const item of plan.worktrees?.removed ?? [])
        io.out(
          `${verb} ${item.path ? `worktree ${item.path}` : `the repository of agent ${item.agent}`}${item.deletedBranch ? ` and branch ${item.branch}` : ''}`,
        );
      for (const item of refused)
        io.warn(
          `kept ${item.path ? `worktree ${item.path}` : `the repository of agent ${item.agent}`}: ${item.message}`,
        );
      for (const item of clonesKept)
        io.warn(`kept ${item.volume ? `claim ${item.volume} of ` : ''}agent ${item.agent}: ${item.reason}`);
      if (refusal) throw refusal;
      if (cloneRefusal) throw cloneRefusal;
      if (
        plan.containers.length === 0 &&
        plan.volumes.length === 0 &&
        plan.gateways.length === 0 &&
        !plan.worktrees?.removed.length
      )
        io.info('Nothing to prune.');
    });
}
