/**
 * The contract between agentctl (which registers agents with the egress gateway) and the gateway's
 * proxy program (src/egress/proxy, bundled into dist/egress-proxy.cjs and run inside the gateway
 * container). Both sides import these types and constants; nothing else crosses between them.
 *
 * - The gateway runs `node <GATEWAY_PROGRAM_PATH>` with AGENTCTL_EGRESS_STATE=<GATEWAY_STATE_DIR>
 *   and listens on PROXY_PORT of every interface: an HTTP proxy (CONNECT for TLS, absolute-form
 *   requests for plain HTTP). Agents reach it only over the internal network.
 * - agentctl writes one registration per agent to `<state>/agents/<agent id>.json` (mode 0600,
 *   written to a temporary name and renamed) and removes it when the agent is removed. The proxy
 *   re-reads the directory when it changes and whenever a client presents a token it does not know.
 * - A client authenticates with `Proxy-Authorization: Basic base64("agent:" + token)` (the form a
 *   proxy URL `http://agent:TOKEN@gateway:PORT` gives); anything else gets 407 and an event.
 * - A registration with `addressBound` holds its token to the agent's own addresses: agentctl
 *   writes them, one per line, to `<state>/agents/<agent id>.address` each time it starts the
 *   agent (the engine gives a container its address at start). A token brought from any other
 *   address is refused (407 and an event naming the token's agent), after waiting up to
 *   ADDRESS_WAIT_MS for the file to name it (an agent may speak before agentctl has written it).
 *   Where the registration also has `resolveName` (Docker: the gateway's networks resolve each
 *   container's name, by the engine's own DNS), the token is good from the address that name
 *   resolves to now as well, and agentctl writes no address file for it.
 * - A registration's `ca` may be "gateway" (GATEWAY_CA_REF): the proxy signs for that agent with
 *   the gateway's own CA, `<state>/ca.json` (`{certPem, keyPem}`, made with the gateway).
 * - The proxy writes one EgressEvent per line on stdout (the gateway container's log), never a
 *   secret value; agentctl reads them back through the runtime's logs of the gateway.
 */

export const REGISTRATION_VERSION = 1;
export const PROXY_PORT = 3128;
export const GATEWAY_STATE_DIR = '/var/lib/agentctl-egress';
export const GATEWAY_PROGRAM_PATH = '/opt/agentctl-egress/egress-proxy.cjs';
export const REGISTRATIONS_SUBDIR = 'agents';
export const PROXY_USER = 'agent';
export const ADDRESS_FILE_SUFFIX = '.address';
/** The gateway's own CA in its state directory (`{certPem, keyPem}`, the gateway user's, 0600). */
export const GATEWAY_CA_FILE_NAME = 'ca.json';
/** How long a token brought from an address not (yet) the agent's waits for agentctl to record it. */
export const ADDRESS_WAIT_MS = 10_000;

/** open: anything but the never-reachable addresses; learn: open, each host recorded; allowlist: only `allow`. */
export type EgressPolicy = 'open' | 'allowlist' | 'learn' | 'none';

/** A secret the proxy injects: the agent holds `placeholder`; requests to `hosts` get the real value. */
export interface BoundSecret {
  name: string;
  placeholder: string;
  value: string;
  /** Host patterns (as in `allow`) whose requests may carry the real value. */
  hosts: string[];
  /** The request header that carries it, lower case (e.g. `x-api-key`, `authorization`). */
  header: string;
  /** How the header's value is written; `{value}` stands for the secret (e.g. `Bearer {value}`). */
  format: string;
}

export interface AgentRegistration {
  version: typeof REGISTRATION_VERSION;
  /** The agent's name, as shown to users and in events. */
  agent: string;
  /** 64 hex digits (256 bits), unique per agent. */
  token: string;
  policy: Exclude<EgressPolicy, 'none'>;
  /** Host patterns: `example.com`, `*.example.com` (subdomains only), either with `:port`. */
  allow: string[];
  /** The agent's own CA, PEM; the proxy signs the leaf certificates it presents to this agent with it. */
  ca: { certPem: string; keyPem: string };
  secrets: BoundSecret[];
  /**
   * The token is good only from the addresses in the agent's address file (the engines, where
   * agents share the gateway's network and could hand each other their tokens). Absent: from any.
   */
  addressBound?: boolean;
  /**
   * With `addressBound`: the agent's container name, which the gateway's network resolves to the
   * agent's current address (the engine's DNS, which no agent can write to); the token is good
   * from that address too. Absent: only the address file counts.
   */
  resolveName?: string;
}

/** `ca` in a registration file: the gateway's own CA (`<state>/ca.json`), which the proxy reads. */
export const GATEWAY_CA_REF = 'gateway';

/** A registration as agentctl writes it: `ca` may name the gateway's own (GATEWAY_CA_REF). */
export type RegistrationFile = Omit<AgentRegistration, 'ca'> & { ca: AgentRegistration['ca'] | typeof GATEWAY_CA_REF };

export type EgressAction = 'allowed' | 'denied' | 'learned';

export interface EgressEvent {
  /** ISO 8601. */
  time: string;
  /** The agent's name; undefined when the client could not be identified. */
  agent?: string;
  host: string;
  port: number;
  action: EgressAction;
  /** Why, in a few words (`not in allowlist`, `loopback address`, `bad proxy token`, …). */
  reason?: string;
  /** Names of secrets whose real value was put into this request. */
  injected?: string[];
  /** Names of secrets whose placeholder was sent to a host it is not bound to (left as it was). */
  placeholderRefused?: string[];
}
