import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { SecureContext } from 'node:tls';
import type { LoadedCa } from '../ca.js';
import {
  ADDRESS_FILE_SUFFIX,
  GATEWAY_CA_FILE_NAME,
  GATEWAY_CA_REF,
  REGISTRATION_VERSION,
  REGISTRATIONS_SUBDIR,
  type AgentRegistration,
  type BoundSecret,
} from '../contract.js';
import { parseHostPattern, type HostPattern } from '../host-pattern.js';

/** A bound secret with its hosts parsed. */
export interface PreparedSecret extends BoundSecret {
  hostPatterns: HostPattern[];
}

/** One agent as the proxy holds it: its registration, parsed, and what the proxy keeps for it. */
export interface RegisteredAgent {
  registration: AgentRegistration;
  /** Its registration file's name in the registrations directory (`<agent id>.json`). */
  file: string;
  allow: HostPattern[];
  secrets: PreparedSecret[];
  /** Client connections (tunnels and plain requests) open now. */
  active: number;
  ca?: Promise<LoadedCa>;
  leaves: Map<string, { context: Promise<SecureContext>; created: number }>;
  /** Upstream keep-alive connections of this agent only (never shared between agents). */
  upstream: https.Agent;
  plainUpstream: http.Agent;
}

export type Log = (level: 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>) => void;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** A container name as the engines take it (and one DNS label long at most). */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * Checks a registration read from disk. Returns the reason it is refused (never quoting a value:
 * a secret could be in it), or undefined when it is sound.
 */
export function getRegistrationProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (r.version !== REGISTRATION_VERSION) return `version is not ${REGISTRATION_VERSION}`;
  if (typeof r.agent !== 'string' || r.agent.length === 0 || r.agent.length > 128) return 'agent is not a name';
  if (typeof r.token !== 'string' || !/^[0-9a-f]{64}$/.test(r.token)) return 'token is not 64 hex digits';
  if (r.policy !== 'open' && r.policy !== 'allowlist' && r.policy !== 'learn')
    return 'policy is not open, allowlist or learn';
  if (!isStringArray(r.allow)) return 'allow is not a list of strings';
  for (const entry of r.allow) {
    try {
      parseHostPattern(entry);
    } catch {
      return 'allow has an invalid entry';
    }
  }
  const ca = r.ca as Record<string, unknown> | undefined;
  if (typeof ca !== 'object' || ca === null || typeof ca.certPem !== 'string' || typeof ca.keyPem !== 'string')
    return 'ca is not {certPem, keyPem}';
  if (r.addressBound !== undefined && typeof r.addressBound !== 'boolean') return 'addressBound is not true or false';
  if (r.resolveName !== undefined && (typeof r.resolveName !== 'string' || !CONTAINER_NAME.test(r.resolveName)))
    return 'resolveName is not a container name';
  if (!Array.isArray(r.secrets)) return 'secrets is not a list';
  for (const [index, item] of r.secrets.entries()) {
    const s = item as Record<string, unknown>;
    const where = `secrets[${index}]`;
    if (typeof s !== 'object' || s === null) return `${where} is not an object`;
    if (typeof s.name !== 'string' || s.name.length === 0) return `${where}.name is not a name`;
    // A short placeholder would match by accident inside other values.
    if (typeof s.placeholder !== 'string' || s.placeholder.length < 16)
      return `${where}.placeholder is shorter than 16`;
    if (typeof s.value !== 'string' || s.value.length === 0) return `${where}.value is not a string`;
    if (s.value.includes(s.placeholder)) return `${where}.value contains its placeholder`;
    if (/[\r\n\0]/.test(s.value)) return `${where}.value has a line break or NUL`;
    if (typeof s.header !== 'string' || !HEADER_NAME.test(s.header))
      return `${where}.header is not a lower-case header name`;
    if (typeof s.format !== 'string' || !s.format.includes('{value}')) return `${where}.format has no {value}`;
    if (!isStringArray(s.hosts) || s.hosts.length === 0) return `${where}.hosts is not a list of host patterns`;
    for (const entry of s.hosts) {
      try {
        parseHostPattern(entry);
      } catch {
        return `${where}.hosts has an invalid entry`;
      }
    }
  }
  return undefined;
}

function closeUpstream(agent: RegisteredAgent): void {
  agent.upstream.destroy();
  agent.plainUpstream.destroy();
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function prepare(registration: AgentRegistration, file: string): RegisteredAgent {
  return {
    registration,
    file,
    allow: registration.allow.map(parseHostPattern),
    secrets: registration.secrets.map((secret) => ({ ...secret, hostPatterns: secret.hosts.map(parseHostPattern) })),
    active: 0,
    leaves: new Map(),
    upstream: new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 8 }),
    plainUpstream: new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 8 }),
  };
}

/**
 * The registrations under `<state>/agents/*.json`, by token. Re-read when the directory changes
 * (fs.watch) and when a client brings a token not known (if the directory's modification time
 * moved since the last read: an unknown token alone cannot make the proxy read the disk over and
 * over). A malformed file is left out with a warning on stderr; it never stops the proxy.
 */
export class RegistrationStore {
  private byToken = new Map<string, RegisteredAgent>();
  private byFile = new Map<string, { text: string; agent: RegisteredAgent }>();
  private lastMtime = -1;
  /** Files refused, with the text refused: each is reported once, not on every read. */
  private refused = new Map<string, string>();
  private watcher: FSWatcher | undefined;
  private readonly dir: string;
  private readonly caFile: string;

  constructor(
    stateDir: string,
    private readonly log: Log,
  ) {
    this.dir = path.join(stateDir, REGISTRATIONS_SUBDIR);
    this.caFile = path.join(stateDir, GATEWAY_CA_FILE_NAME);
  }

  /** The gateway's own CA, for a registration of `ca: "gateway"`; undefined when it has none. */
  private gatewayCa(): unknown {
    try {
      return JSON.parse(readFileSync(this.caFile, 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Reads the directory now and watches it from then on. */
  start(): void {
    this.reload();
    try {
      this.watcher = watch(this.dir, () => this.reload());
      this.watcher.on('error', (error) => this.log('warn', 'watching registrations failed', { error: error.message }));
    } catch (error) {
      this.log('warn', 'cannot watch the registrations directory: read again on unknown tokens only', {
        directory: this.dir,
        error: (error as Error).message,
      });
    }
  }

  stop(): void {
    this.watcher?.close();
    for (const agent of this.byToken.values()) closeUpstream(agent);
  }

  get size(): number {
    return this.byToken.size;
  }

  /** The agent that `token` belongs to, reading the directory again first when it changed. */
  getByToken(token: string): RegisteredAgent | undefined {
    const key = hashToken(token);
    const known = this.byToken.get(key);
    if (known) return known;
    if (this.directoryMtime() !== this.lastMtime) this.reload();
    return this.byToken.get(key);
  }

  /**
   * Whether `address` (a client's, as the socket gives it) is one of the agent's own, as its
   * address file names them now (read at each call: agentctl rewrites it at each start).
   */
  hasAddress(agent: RegisteredAgent, address: string): boolean {
    const file = path.join(this.dir, agent.file.replace(/\.json$/, ADDRESS_FILE_SUFFIX));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    const wanted = plainAddress(address);
    return text.split('\n').some((line) => line.trim() !== '' && plainAddress(line.trim()) === wanted);
  }

  /**
   * Waits until the agent's address file names `address`, or `resolves()` says its container
   * name resolves to it (true: asked at once, then every half second), or `timeoutMs` passed, the
   * agent's registration went, or `gone()` says the client left (false).
   */
  async waitForAddress(
    agent: RegisteredAgent,
    address: string,
    timeoutMs: number,
    gone: () => boolean = () => false,
    resolves?: () => Promise<boolean>,
  ): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let round = 0; ; round++) {
      if (this.hasAddress(agent, address)) return true;
      if (resolves && round % 5 === 0 && (await resolves().catch(() => false))) return true;
      if (Date.now() >= deadline || gone() || !this.holds(agent)) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, Math.max(1, deadline - Date.now()))));
    }
  }

  /** Whether the agent is still registered (its registration was not removed or replaced). */
  private holds(agent: RegisteredAgent): boolean {
    if (this.directoryMtime() !== this.lastMtime) this.reload();
    return this.byToken.get(hashToken(agent.registration.token)) === agent;
  }

  private directoryMtime(): number {
    try {
      return statSync(this.dir).mtimeMs;
    } catch {
      return -1;
    }
  }

  reload(): void {
    this.lastMtime = this.directoryMtime();
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((name) => name.endsWith('.json'));
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT')
        this.log('warn', 'cannot read the registrations directory', {
          directory: this.dir,
          error: (error as Error).message,
        });
      names = [];
    }
    const byFile = new Map<string, { text: string; agent: RegisteredAgent }>();
    const byToken = new Map<string, RegisteredAgent>();
    const refused = this.refused;
    const stillRefused = new Map<string, string>();
    for (const name of names) {
      let text: string;
      try {
        text = readFileSync(path.join(this.dir, name), 'utf8');
      } catch (error) {
        // Removed between readdir and read, or unreadable: skipped this time.
        if ((error as { code?: string }).code !== 'ENOENT')
          this.log('warn', 'registration ignored: unreadable', {
            file: name,
            error: (error as { code?: string }).code,
          });
        continue;
      }
      const previous = this.byFile.get(name);
      let agent: RegisteredAgent;
      if (previous && previous.text === text) {
        agent = previous.agent;
      } else {
        let parsed: unknown;
        let problem: string | undefined;
        try {
          parsed = JSON.parse(text);
          // The gateway's own CA, named rather than copied (agentctl need not read it first).
          if ((parsed as { ca?: unknown } | null)?.ca === GATEWAY_CA_REF)
            parsed = { ...(parsed as object), ca: this.gatewayCa() };
          problem = getRegistrationProblem(parsed);
        } catch {
          problem = 'not JSON';
        }
        if (problem) {
          if (refused.get(name) !== text) this.log('warn', `registration ignored: ${problem}`, { file: name });
          stillRefused.set(name, text);
          continue;
        }
        agent = prepare(parsed as AgentRegistration, name);
      }
      const key = hashToken(agent.registration.token);
      if (byToken.has(key)) {
        this.log('warn', 'registration ignored: its token is also in another file', { file: name });
        continue;
      }
      byFile.set(name, { text, agent });
      byToken.set(key, agent);
    }
    for (const [name, { agent }] of this.byFile) {
      if (byFile.get(name)?.agent !== agent) closeUpstream(agent);
    }
    this.byFile = byFile;
    this.byToken = byToken;
    this.refused = stillRefused;
  }
}

/** An IPv4 address as itself, not IPv4-mapped IPv6 (`::ffff:10.0.0.3`, as a dual-stack socket gives it). */
export function plainAddress(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}
