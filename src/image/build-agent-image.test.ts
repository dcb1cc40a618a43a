import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { buildAgentImage, readCheckoutRevision } from './build-agent-image.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const OTHER = 'fedcba9876543210fedcba9876543210fedcba98';
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A checkout with containers/base/Dockerfile; `git` writes its .git (or nothing). */
function checkout(git: (gitDir: string) => void = () => undefined): string {
  const root = mkdtempSync(join(tmpdir(), 'agentctl-build-'));
  dirs.push(root);
  mkdirSync(join(root, 'containers', 'base'), { recursive: true });
  writeFileSync(join(root, 'containers', 'base', 'Dockerfile'), 'FROM scratch\n');
  git(join(root, '.git'));
  return root;
}

function fakeRuntime(seen: { labels?: Record<string, string> }): ContainerRuntime {
  return {
    async buildImage(options: { labels?: Record<string, string> }) {
      seen.labels = options.labels;
      return 'sha256:built';
    },
    async inspectImage() {
      return { id: 'sha256:built', size: 1 };
    },
    async tagImage() {},
  } as unknown as ContainerRuntime;
}

describe('readCheckoutRevision', () => {
  it('reads a branch from its loose ref, then from packed-refs, and a detached HEAD', async () => {
    const root = checkout((git) => {
      mkdirSync(join(git, 'refs', 'heads'), { recursive: true });
      writeFileSync(join(git, 'HEAD'), 'ref: refs/heads/main\n');
      writeFileSync(join(git, 'refs', 'heads', 'main'), `${COMMIT}\n`);
    });
    expect(await readCheckoutRevision(join(root, 'containers', 'base'))).toBe(COMMIT);
    rmSync(join(root, '.git', 'refs', 'heads', 'main'));
    writeFileSync(
      join(root, '.git', 'packed-refs'),
      `# pack-refs with: peeled fully-peeled sorted\n${OTHER} refs/heads/main\n`,
    );
    expect(await readCheckoutRevision(join(root, 'containers', 'base'))).toBe(OTHER);
    writeFileSync(join(root, '.git', 'HEAD'), `${COMMIT}\n`);
    expect(await readCheckoutRevision(join(root, 'containers', 'base'))).toBe(COMMIT);
  });

  it('gives none for a worktree (.git is a file), a ref leaving .git, or no checkout', async () => {
    const worktree = checkout((git) => writeFileSync(git, 'gitdir: /elsewhere/.git/worktrees/x\n'));
    expect(await readCheckoutRevision(join(worktree, 'containers', 'base'))).toBeUndefined();
    const escaping = checkout((git) => {
      mkdirSync(git);
      writeFileSync(join(git, 'HEAD'), 'ref: refs/../../outside\n');
      writeFileSync(join(git, '..', 'outside'), `${COMMIT}\n`);
    });
    expect(await readCheckoutRevision(join(escaping, 'containers', 'base'))).toBeUndefined();
    expect(await readCheckoutRevision(join(checkout(), 'containers', 'base'))).toBeUndefined();
  });
});

describe('buildAgentImage labels', () => {
  it('adds OCI created (the build start) and revision (the checkout commit) to a shipped stack', async () => {
    const root = checkout((git) => {
      mkdirSync(git);
      writeFileSync(join(git, 'HEAD'), `${COMMIT}\n`);
    });
    const seen: { labels?: Record<string, string> } = {};
    await buildAgentImage(
      {
        runtime: fakeRuntime(seen),
        cwd: root,
        containersDir: join(root, 'containers'),
        now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
      },
      { stack: 'base', version: '1.2.3', repository: 'example.com/agent' },
    );
    expect(seen.labels).toEqual({
      'io.agentctl.stack': 'base',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
      'org.opencontainers.image.revision': COMMIT,
    });
  });

  it("reads no revision from a directory of the user's (it may be an agent's workspace)", async () => {
    const root = checkout((git) => {
      mkdirSync(git);
      writeFileSync(join(git, 'HEAD'), `${COMMIT}\n`);
    });
    mkdirSync(join(root, 'mine'));
    writeFileSync(join(root, 'mine', 'Dockerfile'), 'FROM scratch\n');
    const seen: { labels?: Record<string, string> } = {};
    await buildAgentImage(
      { runtime: fakeRuntime(seen), cwd: root, containersDir: join(root, 'containers') },
      { stack: 'mine', version: 'dev', repository: 'example.com/agent' },
    );
    expect(seen.labels?.['org.opencontainers.image.revision']).toBeUndefined();
    expect(seen.labels?.['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
