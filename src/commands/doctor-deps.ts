import { access, constants, stat, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { CommandContext } from './context.js';

type DoctorContext = Pick<CommandContext, 'env' | 'platform' | 'connect' | 'config'>;
import type { DoctorDeps } from '../core/doctor/check.js';

/** The real world for doctor: the command context's engine and config, node's fs, execa, fetch. */
export function doctorDeps(context: DoctorContext): DoctorDeps {
  return {
    env: context.env,
    platform: context.platform,
    hostname: os.hostname(),
    cwd: process.cwd(),
    ...(typeof process.getuid === 'function' ? { hostUser: { uid: process.getuid(), gid: process.getgid!() } } : {}),
    connect: () => context.connect(),
    config: () => context.config(),
    fs: {
      async stat(path) {
        try {
          const s = await stat(path);
          return { mode: s.mode, uid: s.uid, gid: s.gid, isSocket: s.isSocket() };
        } catch {
          return undefined;
        }
      },
      async canReadWrite(path) {
        try {
          await access(path, constants.R_OK | constants.W_OK);
          return true;
        } catch {
          return false;
        }
      },
      async freeBytes(path) {
        const s = await statfs(path);
        return s.bavail * s.bsize;
      },
    },
    async exec(file, args) {
      const { execa } = await import('execa');
      const result = await execa(file, args, { env: context.env, extendEnv: false, timeout: 10_000 });
      return { stdout: result.stdout };
    },
    async fetchStatus(url, timeoutMs) {
      try {
        const response = await fetch(url, {
          method: 'GET',
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'manual',
        });
        await response.body?.cancel();
        return response.status;
      } catch (error) {
        const err = error as Error & { cause?: { code?: string; message?: string } };
        if (err.name === 'TimeoutError')
          throw new Error(`${url} timed out after ${timeoutMs / 1000} s`, { cause: error });
        throw new Error(`${url}: ${err.cause?.code ?? err.cause?.message ?? err.message}`, { cause: error });
      }
    },
  };
}
