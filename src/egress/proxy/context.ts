import type http from 'node:http';
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import type { LookupAll, ResolvedAddress } from '../address-rules.js';
import type { EgressEvent } from '../contract.js';
import type { ForwardTarget } from './forward.js';
import type { Authority } from './policy.js';
import type { Log, RegisteredAgent, RegistrationStore } from './registrations.js';

export interface EgressProxyOptions {
  stateDir: string;
  lookupAll: LookupAll;
  /** Where each EgressEvent goes (stdout, one JSON line each, in the gateway). */
  emit: (event: EgressEvent) => void;
  /** Diagnostics (stderr in the gateway); never given a secret value. */
  log: Log;
  /** PEM certificates that upstream servers are verified against. */
  upstreamCa: string[];
  /** Test-only: loopback addresses are reachable. */
  allowLoopback?: boolean;
  /** Client connections one agent may have open at once (tunnels and plain requests). */
  maxConnectionsPerAgent?: number;
  /** Bytes of request headers, per request (Node's default is 16 KiB). */
  maxHeaderSize?: number;
  /** How long a new tunnel of an agent with secrets waits for the client to speak before it tunnels. */
  peekTimeoutMs?: number;
  /** How long a token brought from an address not (yet) its agent's waits for it (contract.ts). */
  addressWaitMs?: number;
  now?: () => Date;
}

/** What a request needs to know of its decided connection. */
export interface ProxyContext {
  options: Required<Omit<EgressProxyOptions, 'now'>> & { now: () => Date };
  registrations: RegistrationStore;
  upstreamTrust: tls.SecureContext;
  /** The server that handles requests inside intercepted tunnels (it never listens itself). */
  inner: http.Server;
  /** Intercepted TLS sockets and the connection each was decided for. */
  tunnels: WeakMap<Socket, ForwardTarget>;
  event(fields: Omit<EgressEvent, 'time'>): void;
  /**
   * The agent whose token `header` brings, when the client's socket may use it (an address-bound
   * token only from its agent's address); else why not (and the token's agent, when known).
   */
  authenticate(
    header: string | undefined,
    socket: Socket,
  ): Promise<{ agent: RegisteredAgent } | { reason: string; agent?: string }>;
  /** Runs the policy and the address rules; on refusal the event is already written. */
  decide(agent: RegisteredAgent, authority: Authority): Promise<ResolvedAddress | { denied: string }>;
}
