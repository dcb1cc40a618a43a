import { UsageError } from '../../shared/errors.js';
import type { AgentGpus } from '../../runtime/agent-spec.js';

/**
 * `--gpus all | N | device=ID[,ID…]`, as `docker run --gpus` takes it (also with docker's quotes
 * around `"device=0,1"`). What each engine makes of it: docker-create-body.ts.
 */
export function parseGpus(value: string): AgentGpus {
  const text = value.trim().replace(/^"(.*)"$/, '$1');
  if (text === 'all') return { count: 'all' };
  if (/^\d+$/.test(text) && Number(text) > 0) return { count: Number(text) };
  const devices = /^device=(.+)$/.exec(text);
  const ids = devices?.[1]!.split(',').map((id) => id.trim());
  if (ids && ids.every((id) => /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(id))) return { deviceIds: ids };
  throw new UsageError('INVALID_GPUS', `Invalid --gpus ${value}`, {
    hint: 'Give --gpus all, a number such as --gpus 1, or devices such as --gpus device=0,1',
  });
}
