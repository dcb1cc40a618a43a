import { Argument, type Command } from 'commander';
import type { CommandContext } from './context.js';
import { completeWords } from '../core/completion/complete-words.js';
import { SHELLS, completionScript, type Shell } from '../core/completion/shell-scripts.js';
import { AGENT_FILTER } from '../core/agents/agent-lookup.js';
import { CONTAINER_PREFIX, LABELS } from '../shared/labels.js';

/** Global flags typed before the command that decide which engine to ask for agent names. */
function engineFlags(words: string[]): { runtime?: 'docker' | 'podman'; host?: string } {
  const flags: { runtime?: 'docker' | 'podman'; host?: string } = {};
  words.forEach((word, index) => {
    const [flag, inline] = word.split(/=(.*)/s, 2);
    const value = inline ?? words[index + 1];
    if (flag === '--host' && value) flags.host = value;
    if (flag === '--runtime' && (value === 'docker' || value === 'podman')) flags.runtime = value;
  });
  return flags;
}

async function fetchAgentNames(context: CommandContext, words: string[]): Promise<string[]> {
  context.globals = { ...context.globals, ...engineFlags(words) };
  const { runtime } = await context.connect();
  const containers = await runtime.listContainers({ labels: AGENT_FILTER, all: true });
  return containers
    .map((container) => container.labels[LABELS.agent] ?? container.name.replace(CONTAINER_PREFIX, ''))
    .filter((name) => name.length > 0)
    .sort();
}

export function registerCompletion(program: Command, context: CommandContext): void {
  program
    .command('completion')
    .description('Print the shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'shell to complete in').choices(SHELLS))
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl completion bash > ~/.local/share/bash-completion/completions/agentctl
  $ agentctl completion zsh > "\${fpath[1]}/_agentctl"
  $ agentctl completion fish > ~/.config/fish/completions/agentctl.fish
  $ source <(agentctl completion bash)     # this shell only`,
    )
    .action((shell: Shell) => {
      if (context.globals.json) return context.io.writeJson({ ok: true, shell, script: completionScript(shell) });
      context.io.outRaw(completionScript(shell));
    });

  program
    .command('__complete', { hidden: true })
    .description('Print completion candidates for the words after `agentctl` (used by the completion scripts)')
    .argument('[words...]', 'the words typed so far, the one being completed last')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[] = []) => {
      const candidates = await completeWords(program, words.length ? words : [''], {
        fetchAgentNames: () => fetchAgentNames(context, words),
      });
      context.io.outRaw(candidates.map((c) => `${c.value}\t${c.description}\n`).join(''));
    });
}
