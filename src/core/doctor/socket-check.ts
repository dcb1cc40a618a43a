import { parseEndpoint } from '../../runtime/endpoint.js';
import { getEngineTransport } from '../../runtime/engine-http.js';
import type { CheckResult, DoctorDeps, EngineFacts } from './check.js';

interface Attempt {
  endpoint: string;
  outcome: string;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/;

/** May this user use the engine socket, and is it open to more people than it should be? */
export async function checkSocket(facts: EngineFacts, deps: Pick<DoctorDeps, 'fs' | 'platform'>): Promise<CheckResult> {
  const base = { id: 'socket', title: 'Socket permissions' } as const;
  if (!facts.connected) {
    const attempts = (facts.error?.details?.attempts as Attempt[] | undefined) ?? [];
    const denied = attempts.find((a) => a.outcome === 'permission-denied');
    if (denied) {
      return {
        ...base,
        status: 'fail',
        message: `permission denied on ${denied.endpoint}`,
        fix:
          deps.platform === 'linux'
            ? 'Add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again) or use rootless Podman'
            : `Check the permissions of ${denied.endpoint}, or set DOCKER_HOST to an endpoint you may use`,
      };
    }
    return { ...base, status: 'skip', message: 'no engine socket was reached' };
  }
  const endpoint = facts.connected.runtime.endpoint;
  const url = endpoint.url;
  const parsed = parseEndpoint(url);
  const transport = getEngineTransport(endpoint);
  if (transport.kind === 'ssh') return { ...base, status: 'ok', message: `${url} (ssh)` };
  if (transport.kind === 'tcp') {
    if (!transport.tls && !LOOPBACK.test(transport.host)) {
      return {
        ...base,
        status: 'warn',
        message: `${url} is plain TCP without TLS: anyone on the network who reaches it controls the engine`,
        fix: 'Use TLS (DOCKER_TLS_VERIFY=1 with DOCKER_CERT_PATH) or an ssh:// host',
      };
    }
    return { ...base, status: 'ok', message: `${url} (${transport.tls ? 'TLS' : 'loopback'})` };
  }
  if (parsed.protocol !== 'unix' || !parsed.socketPath)
    return { ...base, status: 'skip', message: `${url} is not a unix socket` };
  const socketPath = parsed.socketPath;
  const stat = await deps.fs.stat(socketPath);
  if (!stat) return { ...base, status: 'skip', message: `${socketPath} could not be examined` };
  const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
  const details = { path: socketPath, mode, uid: stat.uid, gid: stat.gid };
  if (!(await deps.fs.canReadWrite(socketPath))) {
    return {
      ...base,
      status: 'fail',
      message: `${socketPath} (mode ${mode}) is not readable and writable by you`,
      fix: 'Add your user to the group that owns the socket, then log in again',
      details,
    };
  }
  if ((stat.mode & 0o002) !== 0 && !facts.info?.rootless) {
    return {
      ...base,
      status: 'warn',
      message: `${socketPath} (mode ${mode}) is writable by every user: each of them can become root through the engine`,
      fix: `Restrict it: \`sudo chmod 660 ${socketPath}\` and grant access through the docker group`,
      details,
    };
  }
  return { ...base, status: 'ok', message: `${socketPath} (mode ${mode}) is usable by you`, details };
}
