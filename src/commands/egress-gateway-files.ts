import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { programMissing } from '../core/egress/agent-egress.js';

/** dist/egress-proxy.cjs beside the bundle (installed), or in the checkout's dist/ (from source). */
export function findGatewayProgram(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = start;
  for (let depth = 0; depth < 5; depth++) {
    for (const candidate of [join(dir, 'egress-proxy.cjs'), join(dir, 'dist', 'egress-proxy.cjs')]) {
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * What a new egress gateway is made with: the proxy program, and the CAs of
 * AGENTCTL_EGRESS_UPSTREAM_CA (a PEM file: upstream servers of a test or a company's own CA).
 * EGRESS_PROGRAM_MISSING when the program is not there (a checkout that was not built).
 */
export async function egressGatewayFiles(env: NodeJS.ProcessEnv): Promise<{ program: Buffer; upstreamCa?: Buffer }> {
  const program = findGatewayProgram();
  if (!program) throw programMissing();
  const upstreamCa = env.AGENTCTL_EGRESS_UPSTREAM_CA ? await readFile(env.AGENTCTL_EGRESS_UPSTREAM_CA) : undefined;
  return { program: await readFile(program), ...(upstreamCa ? { upstreamCa } : {}) };
}

/**
 * The images' own CA bundles (public certificates), one file per image id in DIR: a later start
 * of the same image puts the agent's CA files in with its other files (one archive, not three
 * more engine round trips after create). Written to a temporary name, then renamed.
 */
export function imageBundleCache(dir: string): {
  get(imageId: string): Promise<string | undefined>;
  set(imageId: string, bundle: string): Promise<void>;
} {
  const file = (imageId: string) => join(dir, `${createHash('sha256').update(imageId).digest('hex').slice(0, 32)}.pem`);
  return {
    get: (imageId) => readFile(file(imageId), 'utf8').catch(() => undefined),
    async set(imageId, bundle) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const temporary = `${file(imageId)}.${process.pid}.tmp`;
      await writeFile(temporary, bundle, { mode: 0o600 });
      await rename(temporary, file(imageId));
    },
  };
}
