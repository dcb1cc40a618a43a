import path from 'node:path';
import { UsageError } from '../../shared/errors.js';

/** One side of `agentctl cp`: a path on this machine, or `NAME:PATH` in an agent. */
export type CopyEndpoint = { kind: 'host'; path: string } | { kind: 'agent'; agent: string; path: string };

const AGENT_PART = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Where a relative path inside an agent starts (its working directory). */
export const AGENT_WORKDIR = '/workspace';

/**
 * `NAME:PATH` is a path in agent NAME, anything else a path here; as with `docker cp`, a path that
 * starts with `/` or `.` is always a local one (so `./a:b` is a file named `a:b`), and so is a
 * Windows drive letter.
 */
export function parseCopyEndpoint(argument: string, platform: NodeJS.Platform = process.platform): CopyEndpoint {
  if (argument === '') {
    throw new UsageError('CP_PATH_EMPTY', 'An empty path was given to `agentctl cp`', {
      hint: 'Give NAME:PATH for the agent side and a path on this machine for the other, e.g. `agentctl cp fixer:/workspace/out ./out`',
    });
  }
  if (argument.startsWith('/') || argument.startsWith('.')) return { kind: 'host', path: argument };
  const colon = argument.indexOf(':');
  if (colon <= 0) return { kind: 'host', path: argument };
  const name = argument.slice(0, colon);
  if (platform === 'win32' && /^[A-Za-z]$/.test(name)) return { kind: 'host', path: argument };
  if (!AGENT_PART.test(name)) return { kind: 'host', path: argument };
  const inside = argument.slice(colon + 1);
  return { kind: 'agent', agent: name, path: inside === '' ? AGENT_WORKDIR : inside };
}

/** The absolute path inside the agent (relative ones start at /workspace), keeping a trailing `/` or `/.`. */
export function resolveAgentPath(inside: string): string {
  const absolute = inside.startsWith('/') ? inside : `${AGENT_WORKDIR}/${inside}`;
  const normalised = path.posix.normalize(absolute);
  if (inside.endsWith('/.') || inside === '.') return `${normalised.replace(/\/$/, '')}/.`;
  if (inside.endsWith('/') && normalised !== '/') return `${normalised.replace(/\/$/, '')}/`;
  return normalised;
}

/** The two sides of a copy: exactly one of them in an agent. */
export function parseCopyArguments(
  source: string,
  destination: string,
  platform: NodeJS.Platform = process.platform,
): { source: CopyEndpoint; destination: CopyEndpoint } {
  const from = parseCopyEndpoint(source, platform);
  const to = parseCopyEndpoint(destination, platform);
  if (from.kind === 'agent' && to.kind === 'agent') {
    throw new UsageError('CP_BOTH_AGENTS', 'Copying from one agent to another is not supported', {
      hint: `Copy to this machine first (\`agentctl cp ${source} ./tmp\`), then into the other agent`,
    });
  }
  if (from.kind === 'host' && to.kind === 'host') {
    throw new UsageError('CP_NO_AGENT', 'Neither path names an agent: write the agent side as NAME:PATH', {
      hint: 'e.g. `agentctl cp fixer:/workspace/report.txt .` or `agentctl cp ./data fixer:/workspace/data`',
    });
  }
  return { source: from, destination: to };
}
