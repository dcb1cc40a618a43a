import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A throwaway HOME (and XDG_RUNTIME_DIR) to build engine routes in; remove() deletes it. */
export function temporaryHome(): { home: string; runtimeDir: string; remove(): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'agentctl-detect-'));
  const home = path.join(root, 'home');
  const runtimeDir = path.join(root, 'run');
  mkdirSync(home);
  mkdirSync(runtimeDir, { mode: 0o700 });
  return { home, runtimeDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export function socketPath(host: string): string {
  return host.replace(/^unix:\/\//, '');
}

/** A symlink at `at` to the socket of `host` (how an engine's socket appears at a conventional path). */
export function linkSocket(at: string, host: string): void {
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(socketPath(host), at);
}

/** A Docker context named `name` pointing at `host`, as `docker context create` writes it; returns its meta.json path. */
export function writeDockerContext(home: string, name: string, host: string, current: boolean): string {
  const dir = path.join(home, '.docker', 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
  );
  if (current) writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: name }));
  return path.join(dir, 'meta.json');
}

/** A unix socket nobody listens on (its listener was killed): connecting is refused. */
export async function deadSocket(at: string): Promise<string> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(at)}, () => console.log('up'))`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return `unix://${at}`;
}
