import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { FrameDemuxer } from '../../io/demux.js';
import type { StreamOperations } from '../../runtime/stream-operations.js';
import { ConflictError, UsageError } from '../../shared/errors.js';
import { findAgent, type LookupRuntime } from './agent-lookup.js';
import { isLoopbackAddress } from './published-ports.js';

/**
 * `agentctl port-forward`: a port of a running agent on this machine, without re-creating the
 * agent. agentctl listens on a local address; for each connection it runs a small relay in the
 * agent through the runtime's exec (node when the image has it, else nc) that connects to
 * 127.0.0.1:PORT inside the agent, and pipes the connection through the exec's stdin and stdout.
 * Nothing but exec is needed, so it works on every backend agentctl drives (a remote engine,
 * rootless Podman, Kubernetes), and nothing is published on the engine's host.
 */

export interface ForwardSpec {
  /** 0: the system picks a free port (printed once listening). */
  localPort: number;
  port: number;
}

export interface ForwardListening {
  address: string;
  localPort: number;
  port: number;
}

export interface PortForwardDeps {
  runtime: LookupRuntime & Pick<StreamOperations, 'createExec' | 'startExec' | 'waitContainerExit'>;
  signal: AbortSignal;
  /** Once every local port listens (before any connection). */
  onListening(agent: string, forwards: ForwardListening[]): void;
  /** A connection that could not be forwarded (it is closed; the forward goes on). */
  onConnectionError(message: string): void;
  /** A connection accepted (shown with --verbose). */
  onConnection?(forward: ForwardListening, peer: string): void;
}

export interface PortForwardOptions {
  name: string;
  forwards: ForwardSpec[];
  /** Where to listen on this machine: 127.0.0.1 unless asked. */
  address: string;
}

const RELAY_NODE =
  'const s=require("net").connect(+process.argv[1],"127.0.0.1");process.stdin.pipe(s);s.pipe(process.stdout);' +
  's.on("error",e=>{process.stderr.write("agentctl-relay: "+e.code+"\\n");process.exit(1)});s.on("close",()=>process.exit(0))';

/** The relay's argv: node if the image has it (every agent image), else nc (busybox-style images). */
export function relayCommand(port: number): string[] {
  const script =
    `if command -v node >/dev/null 2>&1; then exec node -e '${RELAY_NODE}' "$1"; fi; ` +
    'if command -v nc >/dev/null 2>&1; then exec nc 127.0.0.1 "$1"; fi; ' +
    'echo "agentctl-relay: NO_RELAY" >&2; exit 127';
  return ['sh', '-c', script, 'agentctl-relay', String(port)];
}

/** `[LOCALPORT:]PORT`, as kubectl port-forward takes it (`:PORT` or `0:PORT`: a free local port). */
export function parseForwardSpec(value: string): ForwardSpec {
  const match = /^(?:(\d*):)?(\d+)$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  const localPort = match ? (match[1] === undefined ? port : match[1] === '' ? 0 : Number(match[1])) : NaN;
  const valid = (n: number, min: number) => Number.isInteger(n) && n >= min && n <= 65535;
  if (!valid(port, 1) || !valid(localPort, 0)) {
    throw new UsageError('INVALID_PORT', `"${value}" is not a port to forward`, {
      hint: 'Give PORT or LOCALPORT:PORT (1-65535; LOCALPORT 0 or empty picks a free one), e.g. 3000 or 8080:3000',
    });
  }
  return { localPort, port };
}

/** Forwards until the signal aborts (then resolves) or the agent stops (then AGENT_NOT_RUNNING). */
export async function portForward(deps: PortForwardDeps, options: PortForwardOptions): Promise<void> {
  const agent = await findAgent(deps, options.name);
  if (!agent.running) {
    throw new ConflictError('AGENT_NOT_RUNNING', `Agent "${agent.agent}" is not running (${agent.status})`, {
      hint: `Start it with \`agentctl start ${agent.agent}\`, then forward its port`,
    });
  }
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const closeAll = () => {
    for (const server of servers) server.close();
    for (const socket of sockets) socket.destroy();
  };
  try {
    const listening: ForwardListening[] = [];
    for (const spec of options.forwards) {
      const server = createServer({ allowHalfOpen: true });
      servers.push(server);
      const bound = await listen(server, options.address, spec.localPort);
      const forward = { address: options.address, localPort: bound, port: spec.port };
      listening.push(forward);
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        deps.onConnection?.(forward, `${socket.remoteAddress}:${socket.remotePort}`);
        relay(deps, agent.id, agent.agent, spec.port, socket).catch((error: Error) => {
          socket.destroy();
          deps.onConnectionError(
            `Could not forward a connection to port ${spec.port} of agent "${agent.agent}": ${error.message}`,
          );
        });
      });
    }
    deps.onListening(agent.agent, listening);
    const stopped = new AbortController();
    const onAbort = () => stopped.abort();
    deps.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const exitCode = await deps.runtime.waitContainerExit(agent.id, stopped.signal).then(
        (code) => code,
        (error: unknown) => {
          if (stopped.signal.aborted) return undefined;
          throw error;
        },
      );
      if (exitCode === undefined || deps.signal.aborted) return;
      throw new ConflictError(
        'AGENT_NOT_RUNNING',
        `Agent "${agent.agent}" stopped (exit code ${exitCode}): the forward ended`,
        {
          hint: `Start it again with \`agentctl start ${agent.agent}\`, then forward its port again`,
        },
      );
    } finally {
      deps.signal.removeEventListener('abort', onAbort);
    }
  } finally {
    closeAll();
  }
}

function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${address.includes(':') ? `[${address}]` : address}:${port}`;
      if (error.code === 'EADDRINUSE') {
        reject(
          new ConflictError('PORT_IN_USE', `The local port ${where} is taken`, {
            hint: 'Forward to another local port (LOCALPORT:PORT), or let the system pick one (0:PORT)',
            cause: error,
          }),
        );
      } else {
        reject(
          new UsageError('LOCAL_ADDRESS_UNAVAILABLE', `Cannot listen on ${where}: ${error.code ?? error.message}`, {
            hint:
              error.code === 'EACCES'
                ? 'Ports below 1024 need privileges: forward to a local port of 1024 or more (e.g. 8080:80)'
                : 'Give --address an address of this machine (127.0.0.1 by default)',
            cause: error,
          }),
        );
      }
    });
    server.listen({ host: address, port }, () => resolve((server.address() as AddressInfo).port));
  });
}

/** One connection: a relay exec in the agent, the socket piped through its stdin and stdout. */
async function relay(deps: PortForwardDeps, id: string, agent: string, port: number, socket: Socket): Promise<void> {
  socket.pause();
  const execId = await deps.runtime.createExec(id, { command: relayCommand(port), tty: false, stdin: true });
  const stream: Duplex = await deps.runtime.startExec(execId, { tty: false, stdin: true });
  let relayError = '';
  let answered = false;
  const demux = new FrameDemuxer((kind, data) => {
    if (kind === 'stdout') {
      answered = true;
      if (!socket.destroyed) socket.write(data);
    } else relayError += data.toString('utf8');
  });
  stream.on('data', (chunk: Buffer) => demux.push(chunk));
  stream.on('end', () => {
    if (relayError.trim() === '') {
      socket.end();
    } else {
      socket.destroy();
      deps.onConnectionError(relayFailure(agent, port, relayError, answered));
    }
  });
  stream.on('error', () => socket.destroy());
  stream.on('close', () => {
    if (!socket.writableEnded) socket.end();
  });
  socket.on('data', (chunk: Buffer) => stream.write(chunk));
  // The client half-closed: the relay's stdin ends, its answer still comes back.
  socket.on('end', () => stream.end());
  socket.on('error', () => stream.destroy());
  socket.on('close', () => stream.destroy());
  socket.resume();
}

/**
 * What the relay's stderr says. The node relay writes `agentctl-relay: CODE`, nc its own words
 * (busybox: "can't connect to remote host (127.0.0.1): Connection refused"). Podman may put its own
 * attach error there instead when the relay ended while the client was still sending.
 */
export function relayFailure(agent: string, port: number, text: string, answered: boolean): string {
  if (/NO_RELAY/.test(text))
    return `Agent "${agent}" has neither node nor nc to relay the connection: use an image with one of them, or start it with --publish ${port}`;
  if (/ECONNREFUSED|connection refused/i.test(text))
    return `Nothing answered on port ${port} in agent "${agent}": connection refused (does anything listen there?)`;
  const detail = text
    .trim()
    .split('\n')[0]!
    .replace(/^agentctl-relay: /, '');
  return answered
    ? `The connection to port ${port} in agent "${agent}" failed: ${detail}`
    : `Nothing answered on port ${port} in agent "${agent}" (does anything listen there?): ${detail}`;
}

/** A listening address other than loopback exposes the agent's port to the network: say so. */
export function isExposingAddress(address: string): boolean {
  return address !== 'localhost' && !isLoopbackAddress(address);
}
