import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { testEngine } from '../helpers/engines.js';

function ping(host: string): Promise<void> {
  const socketPath = host.replace(/^unix:\/\//, '');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/_ping', timeout: 5000 }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`HTTP ${res.statusCode}`));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

/**
 * The integration tier runs against the engine named by AGENTCTL_TEST_ENGINE. When that engine
 * cannot be reached the run fails here, loudly: it never skips.
 */
export default async function setup(): Promise<void> {
  const { name, host } = testEngine();
  try {
    await ping(host);
  } catch (error) {
    throw new Error(
      `AGENTCTL_TEST_ENGINE=${name} but the ${name} engine at ${host} is not reachable (${(error as Error).message}). Run scripts/provision-test-engines.sh.`,
      { cause: error },
    );
  }
  if (!existsSync(new URL('../../dist/cli.js', import.meta.url))) {
    await execa('npm', ['run', 'build'], { stdio: 'inherit' });
  }
}
