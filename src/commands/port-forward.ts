import type { Command } from 'commander';
import type { CommandContext } from './context.js';

interface PortForwardFlags {
  address: string;
}

export function registerPortForward(program: Command, context: CommandContext): void {
  program
    .command('port-forward')
    .description('Forward a local port to a port of a running agent, without re-creating it')
    .argument('<name>', 'the agent (running)')
    .argument('<ports...>', 'PORT or LOCALPORT:PORT (0:PORT picks a free local port)')
    .option(
      '--address <ip>',
      'the local address to listen on (a non-loopback address exposes the port to your network)',
      '127.0.0.1',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl port-forward web 3000          # 127.0.0.1:3000 -> 3000 in the agent
  $ agentctl port-forward web 8080:3000     # 127.0.0.1:8080 -> 3000
  $ agentctl port-forward web 0:3000 --json # a free local port, in the JSON

Runs until Ctrl-C (exit 0) or until the agent stops (AGENT_NOT_RUNNING). Each
connection goes through a small relay run in the agent with exec (node, or nc):
nothing is published on the engine's host, and it works on every backend. For
a port the agent always serves, publish it at start instead (start --publish).`,
    )
    .action(async (name: string, ports: string[], flags: PortForwardFlags) => {
      const { parseForwardSpec, portForward, isExposingAddress } = await import('../core/agents/port-forward.js');
      const { io } = context;
      const forwards = ports.map(parseForwardSpec);
      if (isExposingAddress(flags.address))
        io.warnAlways(
          `Listening on ${flags.address}: the agent's port is reachable from your network, not only from this machine.`,
        );
      await portForward(
        {
          runtime: await context.runtime(),
          signal: context.signal,
          onListening(agent, listening) {
            if (context.globals.json) {
              io.writeJson({ ok: true, agent, forwards: listening });
              return;
            }
            for (const item of listening) {
              const host = item.address.includes(':') ? `[${item.address}]` : item.address;
              io.out(`Forwarding from ${host}:${item.localPort} -> ${item.port}`);
            }
            io.info('Press Ctrl-C to stop forwarding.');
          },
          onConnectionError: (message) => io.warn(message),
          onConnection: (forward, peer) => io.debug(`Handling a connection from ${peer} to port ${forward.port}`),
        },
        { name, forwards, address: flags.address },
      );
    });
}
