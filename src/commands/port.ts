import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export function registerPort(program: Command, context: CommandContext): void {
  program
    .command('port')
    .description("List an agent's published ports and where they are on the host (start --publish)")
    .argument('<name>', 'the agent')
    .argument('[port]', 'only this port of the agent, e.g. 3000 or 5353/udp')
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl start web -d --publish 3000 -- npm run dev   # 127.0.0.1:3000 on the host
  $ agentctl port web
  3000/tcp -> 127.0.0.1:3000
  $ agentctl port web 3000 --json

A port is published when the agent is created; ports are bound to 127.0.0.1 unless --publish
names another address (0.0.0.0 for every interface, announced as a loosening).`,
    )
    .action(async (name: string, port: string | undefined) => {
      const { fetchAgentPorts } = await import('../core/agents/agent-ports.js');
      const { io } = context;
      const result = await fetchAgentPorts({ runtime: await context.runtime() }, name, port);
      if (context.globals.json) {
        io.writeJson({ ok: true, ...result });
        return;
      }
      if (result.ports.length === 0) {
        io.info(`Agent ${result.agent} publishes no ports (create it with \`agentctl start NAME --publish PORT\`).`);
        return;
      }
      for (const item of result.ports) {
        const host = item.hostIp.includes(':') ? `[${item.hostIp}]` : item.hostIp || '0.0.0.0';
        io.out(
          `${item.containerPort}/${item.protocol} -> ${host}:${item.hostPort === 0 ? '(picked at start)' : item.hostPort}`,
        );
      }
      if (!result.running)
        io.info(`Agent ${result.agent} is not running: these are the ports it publishes when it runs.`);
    });
}
