import { RuntimeNotFoundError } from '../../shared/errors.js';
import type { Endpoint } from '../endpoint.js';
import { formatSshDestination, parseEndpoint } from '../endpoint.js';
import { DEFAULT_PROBE_TIMEOUT_MS, probeEndpoint, type ProbeOutcome, type ProbeResult } from '../probe.js';
import { podmanServiceHint } from './podman-service-hint.js';
import { DEFAULT_STRATEGIES } from './strategies.js';
import type { DetectionEnvironment, DetectionStrategy } from './strategy.js';

export interface DetectionAttempt {
  strategy: string;
  endpoint: string;
  outcome: ProbeOutcome | 'ok';
  detail: string;
}

export interface Detected {
  endpoint: Endpoint;
  strategy: string;
  probe: Extract<ProbeResult, { ok: true }>;
  attempts: DetectionAttempt[];
}

export interface DetectDeps {
  environment: DetectionEnvironment;
  strategies?: readonly DetectionStrategy[];
  probe?: (endpoint: Endpoint, timeoutMs: number) => Promise<ProbeResult>;
  log?: (message: string) => void;
  /** Probe timeout for every endpoint (default: 3 s remote, LOCAL_SOCKET_PROBE_TIMEOUT_MS for local sockets). */
  timeoutMs?: number;
}

/**
 * A local socket that accepts a connection has an engine behind it; only a hung one answers late.
 * Podman computes host facts for /version and takes over 3 s on a busy machine (1–12 s measured
 * under load), so local sockets get longer than remote hosts before "timed out".
 */
export const LOCAL_SOCKET_PROBE_TIMEOUT_MS = 10_000;

/**
 * An ssh:// endpoint: ssh's own connect limit (ConnectTimeout=10, ssh-connection.ts) and then the
 * same engine answer; the 3 s of a remote TCP host cut a working ssh short on a busy machine.
 */
export const SSH_PROBE_TIMEOUT_MS = 15_000;

/**
 * Walks the strategies in order and returns the first endpoint that answers as an engine of the
 * asked-for kind. Unix sockets that do not exist are ruled out without a connection attempt, so the
 * happy path costs one ping. An endpoint the user set (--host, DOCKER_HOST, CONTAINER_HOST) is the
 * only one tried. When nothing answers, the error lists every attempt and a fix.
 */
export async function detectRuntime(deps: DetectDeps): Promise<Detected> {
  const { environment } = deps;
  const strategies = deps.strategies ?? DEFAULT_STRATEGIES;
  const probe = deps.probe ?? probeEndpoint;
  const log = deps.log ?? (() => undefined);
  const attempts: DetectionAttempt[] = [];
  const seen = new Set<string>();

  for (const strategy of strategies) {
    const { endpoints, final, skipped, invalid } = await strategy.candidates(environment);
    let tried = 0;
    if (skipped) log(`${strategy.name}: ${skipped}`);
    if (invalid) {
      attempts.push({ strategy: strategy.name, endpoint: invalid.endpoint, outcome: 'error', detail: invalid.detail });
      log(`${strategy.name}: ${invalid.endpoint} → error (${invalid.detail})`);
    }
    for (const endpoint of endpoints) {
      const key = normalise(endpoint.url);
      if (seen.has(key)) continue;
      seen.add(key);
      // A socket only one kind of engine creates is not worth a connection when the other was asked for.
      if (environment.runtime && endpoint.expectedKind && endpoint.expectedKind !== environment.runtime) {
        log(
          `${strategy.name}: ${endpoint.url} skipped (a ${endpoint.expectedKind} socket; --runtime ${environment.runtime})`,
        );
        continue;
      }
      tried += 1;
      const attempt = await tryEndpoint(endpoint, strategy.name, environment, probe, deps.timeoutMs);
      attempts.push(attempt.attempt);
      log(
        `${strategy.name}: ${endpoint.url} → ${attempt.attempt.outcome}${attempt.attempt.detail ? ` (${attempt.attempt.detail})` : ''}`,
      );
      if (attempt.result?.ok) return { endpoint, strategy: strategy.name, probe: attempt.result, attempts };
    }
    if (final && tried > 0) throw notAnswering(attempts.slice(attempts.length - tried), environment);
  }
  throw notFound(attempts, environment);
}

function normalise(url: string): string {
  return url.replace(/^unix:\/\//, '').replace(/\/+$/, '');
}

async function tryEndpoint(
  endpoint: Endpoint,
  strategy: string,
  environment: DetectionEnvironment,
  probe: NonNullable<DetectDeps['probe']>,
  timeoutMs: number | undefined,
): Promise<{ attempt: DetectionAttempt; result?: ProbeResult }> {
  const base = { strategy, endpoint: endpoint.url };
  let parsed;
  try {
    parsed = parseEndpoint(endpoint.url);
  } catch (error) {
    return { attempt: { ...base, outcome: 'error', detail: (error as Error).message } };
  }
  if (parsed.protocol === 'unix' && parsed.socketPath && !(await environment.fs.exists(parsed.socketPath))) {
    return { attempt: { ...base, outcome: 'absent', detail: 'no socket at this path' } };
  }
  const local = parsed.protocol === 'unix' || parsed.protocol === 'npipe';
  const limit = local
    ? LOCAL_SOCKET_PROBE_TIMEOUT_MS
    : parsed.protocol === 'ssh'
      ? SSH_PROBE_TIMEOUT_MS
      : DEFAULT_PROBE_TIMEOUT_MS;
  const result = await probe(endpoint, timeoutMs ?? limit);
  if (!result.ok) return { attempt: { ...base, outcome: result.outcome, detail: result.detail }, result };
  if (environment.runtime && result.version.kind !== environment.runtime) {
    return {
      attempt: {
        ...base,
        outcome: 'wrong-kind',
        detail: `answered as ${result.version.kind}, but --runtime ${environment.runtime} was asked for`,
      },
    };
  }
  return { attempt: { ...base, outcome: 'ok', detail: `${result.version.kind} ${result.version.version}` }, result };
}

/**
 * For an ssh:// endpoint that failed: the one command that shows why. agentctl runs the OpenSSH
 * client the same way (no prompts), so what fails there fails here, and ssh says what is wrong.
 */
function sshFix(endpoint: string): string | undefined {
  let parsed;
  try {
    parsed = parseEndpoint(endpoint);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'ssh') return undefined;
  return `Check that \`ssh ${formatSshDestination({ host: parsed.host!, port: parsed.port, user: parsed.user })} docker version\` works in this shell without a prompt (host key in known_hosts, key in ssh-agent or ~/.ssh/config, docker installed on that host)`;
}

/** The fix that fits what was seen and where (most telling outcome first). */
export function suggestFix(attempts: DetectionAttempt[], environment: DetectionEnvironment): string {
  const find = (outcome: DetectionAttempt['outcome']) => attempts.find((a) => a.outcome === outcome);
  const { platform, runtime } = environment;
  // An ssh:// endpoint that failed (a context's, most often): ssh itself tells why.
  const ssh = attempts
    .map((a) => (a.outcome === 'absent' || a.outcome === 'wrong-kind' ? undefined : sshFix(a.endpoint)))
    .find(Boolean);
  if (ssh) return ssh;
  // A context the user chose but that is broken is the engine they meant: fix that first.
  if (attempts.some((a) => a.outcome === 'error' && a.strategy === 'docker-context')) {
    return 'Fix or leave the broken Docker context: `docker context ls`, then `docker context use default` (or unset DOCKER_CONTEXT)';
  }
  if (find('permission-denied')) {
    return platform === 'linux'
      ? 'Add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again) or use rootless Podman'
      : 'Check the permissions of the engine socket, or set DOCKER_HOST to an endpoint you may use';
  }
  if (find('connection-refused')) {
    if (platform === 'darwin') {
      return runtime === 'podman'
        ? 'Start the Podman machine: `podman machine start`'
        : 'Start your engine: open Docker Desktop, or run `colima start` or `podman machine start`';
    }
    if (platform === 'win32') return 'Start Docker Desktop, or run `podman machine start`';
    const refused = attempts.filter((a) => a.outcome === 'connection-refused').map((a) => a.endpoint);
    return runtime === 'podman'
      ? `Start the Podman API service: ${podmanServiceHint(environment, refused)}`
      : `Start the engine: \`${environment.uid === 0 ? '' : 'sudo '}systemctl start docker\`; for Podman: ${podmanServiceHint(environment, refused)}`;
  }
  const timedOut = find('timed-out');
  if (timedOut)
    return `Check that the engine at ${timedOut.endpoint} is running and reachable (restart it if it hangs), or point DOCKER_HOST elsewhere`;
  const notEngine = find('not-an-engine');
  if (notEngine)
    return `${notEngine.endpoint} is not a container engine API: point DOCKER_HOST or --host at the engine's socket`;
  const wrongKind = find('wrong-kind');
  if (wrongKind && runtime) {
    const other = runtime === 'podman' ? 'docker' : 'podman';
    const start =
      runtime === 'podman'
        ? platform === 'linux'
          ? podmanServiceHint(environment)
          : '`podman machine start`'
        : 'Docker';
    return `Only a ${other} engine answered: start ${runtime === 'podman' ? `Podman with ${start}` : start}; or drop --runtime ${runtime}`;
  }
  if (platform === 'darwin') {
    if (runtime === 'podman')
      return 'Install and start Podman: `brew install podman && podman machine init && podman machine start`';
    return 'Install and start an engine: Docker Desktop, `brew install colima && colima start`, or `brew install podman && podman machine init && podman machine start`';
  }
  if (platform === 'win32')
    return 'Install and start Docker Desktop or Podman Desktop (`podman machine start`), or set DOCKER_HOST';
  if (runtime === 'podman') {
    return `Install Podman and start its API socket: ${podmanServiceHint(environment)}, or set CONTAINER_HOST`;
  }
  return 'Install Docker (https://docs.docker.com/engine/install/) or Podman and start it, or set DOCKER_HOST to a running engine';
}

function notFound(attempts: DetectionAttempt[], environment: DetectionEnvironment): RuntimeNotFoundError {
  const kind = environment.runtime ? `${environment.runtime} engine` : 'container engine (Docker or Podman)';
  const tried = attempts.length
    ? attempts.map((a) => `${a.endpoint} (${a.strategy}): ${a.outcome.replace(/-/g, ' ')}`).join('; ')
    : 'no candidate endpoints';
  return new RuntimeNotFoundError('RUNTIME_NOT_FOUND', `No ${kind} found. Tried: ${tried}`, {
    hint: suggestFix(attempts, environment),
    details: { attempts },
  });
}

/** How the user set an endpoint, as they would write it ("DOCKER_HOST", "--host", "`host` in FILE"), and how to undo it. */
function settingOf(attempt: DetectionAttempt, environment: DetectionEnvironment): { name: string; undo: string } {
  if (attempt.strategy === 'docker-context') {
    const variable = environment.env.DOCKER_CONTEXT;
    return variable
      ? { name: `DOCKER_CONTEXT=${variable}`, undo: 'unset DOCKER_CONTEXT' }
      : { name: 'the current Docker context', undo: 'run `docker context use default`' };
  }
  if (attempt.strategy !== 'explicit') {
    const variable =
      attempt.endpoint !== environment.env.DOCKER_HOST && attempt.endpoint === environment.env.CONTAINER_HOST
        ? 'CONTAINER_HOST'
        : 'DOCKER_HOST';
    return { name: variable, undo: `unset ${variable}` };
  }
  const source = environment.hostSource ?? '';
  if (source.startsWith('flag ')) return { name: source.slice(5), undo: `drop ${source.slice(5)}` };
  if (source.startsWith('env ')) return { name: source.slice(4), undo: `unset ${source.slice(4)}` };
  if (source && source !== 'default') return { name: `\`host\` in ${source}`, undo: `remove \`host\` from ${source}` };
  return { name: '--host', undo: 'drop --host' };
}

/** The fix for an endpoint the user set that did not answer: fix that endpoint, or stop setting it. */
export function suggestExplicitFix(attempts: DetectionAttempt[], environment: DetectionEnvironment): string {
  const failed = attempts.find((a) => a.outcome !== 'absent') ?? attempts[0]!;
  const { name, undo } = settingOf(failed, environment);
  const elsewhere = `point ${name} at a running engine, or ${undo} to let agentctl look for one`;
  const ssh = failed.outcome === 'wrong-kind' ? undefined : sshFix(failed.endpoint);
  if (ssh) return `${ssh}; or ${elsewhere}`;
  switch (failed.outcome) {
    case 'absent':
      return `Nothing listens at ${failed.endpoint}: start the engine there, ${elsewhere}`;
    case 'permission-denied':
      return environment.platform === 'linux'
        ? `You may not use ${failed.endpoint}: join the group that owns it (for Docker \`sudo usermod -aG docker $USER\`, then log in again), or ${elsewhere}`
        : `You may not use ${failed.endpoint}: check its permissions, or ${elsewhere}`;
    case 'connection-refused':
      return `Nothing accepts connections at ${failed.endpoint}: start the engine there, or ${elsewhere}`;
    case 'timed-out':
      return `The engine at ${failed.endpoint} did not answer in time: check that it runs and is reachable, or ${elsewhere}`;
    case 'not-an-engine':
      return `${failed.endpoint} is not a container engine API: ${elsewhere}`;
    case 'wrong-kind':
      return `${failed.endpoint} is not a ${environment.runtime ?? 'matching'} engine: ${elsewhere}${environment.runtime ? `, or drop --runtime ${environment.runtime}` : ''}`;
    default:
      return `Fix ${name} (${failed.detail}), or ${undo} to let agentctl look for an engine`;
  }
}

/** Nothing answered at the endpoint the user set; nothing else was tried. */
function notAnswering(attempts: DetectionAttempt[], environment: DetectionEnvironment): RuntimeNotFoundError {
  const kind = environment.runtime ? `${environment.runtime} engine` : 'container engine';
  const tried = attempts
    .map(
      (a) =>
        `${a.endpoint} (${settingOf(a, environment).name}): ${a.outcome.replace(/-/g, ' ')}${a.detail && a.detail !== a.outcome ? ` (${a.detail})` : ''}`,
    )
    .join('; ');
  return new RuntimeNotFoundError(
    'RUNTIME_NOT_FOUND',
    `No ${kind} answers at the endpoint you set, and agentctl tries no other: ${tried}`,
    {
      hint: suggestExplicitFix(attempts, environment),
      details: { attempts },
    },
  );
}
