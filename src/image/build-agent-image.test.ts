import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { buildAgentImage, buildFailureHint, readCheckoutRevision } from './build-agent-image.js';

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
      return { id: 'sha256:built', size: 1, labels: {} };
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

/** An engine holding images by reference; each build makes a new id carrying the build's labels. */
function statefulRuntime() {
  const images = new Map<string, { id: string; size: number; labels: Record<string, string> }>();
  images.set('local/debian:slim', { id: 'sha256:debian', size: 1, labels: {} });
  const builds: { platform?: string }[] = [];
  const runtime = {
    async buildImage(options: { tags: string[]; labels?: Record<string, string>; platform?: string }) {
      builds.push({ ...(options.platform ? { platform: options.platform } : {}) });
      const image = { id: `sha256:build${builds.length}`, size: 7, labels: options.labels ?? {} };
      for (const tag of options.tags) images.set(tag, image);
      return image.id;
    },
    async inspectImage(reference: string) {
      return images.get(reference);
    },
    async tagImage(id: string, tag: string) {
      const image = [...images.values()].find((candidate) => candidate.id === id)!;
      images.set(tag, image);
    },
  } as unknown as ContainerRuntime;
  return { runtime, images, builds };
}

describe('buildAgentImage reuse (io.agentctl.build-inputs)', () => {
  it('reuses the image whose label records the same inputs, and builds again when an input changes', async () => {
    const root = checkout();
    const { runtime, images, builds } = statefulRuntime();
    const deps = { runtime, cwd: root, containersDir: join(root, 'containers') };
    const request = {
      stack: 'base',
      version: '1.2.3',
      repository: 'example.com/agent',
      baseImage: 'local/debian:slim',
    };
    const first = await buildAgentImage(deps, request);
    expect(first.reused).toBe(false);
    expect(images.get('example.com/agent:1.2.3')?.labels['io.agentctl.build-inputs']).toBe(first.inputs);
    expect(first.inputs).toMatch(/^sha256:[0-9a-f]{64}$/);

    const again = await buildAgentImage(deps, request);
    expect(again).toMatchObject({ reused: true, id: first.id, inputs: first.inputs });
    expect(builds).toHaveLength(1);

    // A changed file, build argument, base image (same tag, other id) or platform: built again.
    writeFileSync(join(root, 'containers', 'base', 'Dockerfile'), 'FROM scratch\nLABEL x=1\n');
    const edited = await buildAgentImage(deps, request);
    expect(edited.reused).toBe(false);
    expect(edited.inputs).not.toBe(first.inputs);
    expect((await buildAgentImage(deps, { ...request, buildArgs: { A: 'b' } })).reused).toBe(false);
    images.set('local/debian:slim', { id: 'sha256:debian2', size: 1, labels: {} });
    expect((await buildAgentImage(deps, request)).reused).toBe(false);
    expect((await buildAgentImage(deps, { ...request, platform: 'linux/arm64' })).reused).toBe(false);
    expect(builds.at(-1)).toEqual({ platform: 'linux/arm64' });
    // --no-cache always builds.
    expect((await buildAgentImage(deps, { ...request, platform: 'linux/arm64', noCache: true })).reused).toBe(false);
    expect(builds).toHaveLength(6);
  });

  it('never reuses when the base image is not local (nothing to identify it by)', async () => {
    const root = checkout();
    const { runtime, builds } = statefulRuntime();
    const deps = { runtime, cwd: root, containersDir: join(root, 'containers') };
    const request = { stack: 'base', version: '1.2.3', repository: 'example.com/agent', baseImage: 'remote/debian:12' };
    await buildAgentImage(deps, request);
    expect((await buildAgentImage(deps, request)).reused).toBe(false);
    expect(builds).toHaveLength(2);
  });

  it('refuses a --platform that is not one OS/ARCH', async () => {
    const root = checkout();
    const { runtime, builds } = statefulRuntime();
    for (const platform of ['linux/amd64,linux/arm64', 'arm64', 'linux/arm64/v8/x']) {
      await expect(
        buildAgentImage(
          { runtime, cwd: root, containersDir: join(root, 'containers') },
          { stack: 'base', version: 'dev', repository: 'example.com/agent', platform },
        ),
      ).rejects.toMatchObject({ code: 'IMAGE_PLATFORM_INVALID' });
    }
    expect(builds).toHaveLength(0);
  });
});

describe('buildFailureHint', () => {
  it('names --base-image (and --extra-ca) when the base image cannot be pulled', () => {
    const hint = buildFailureHint(
      'pull access denied for debian, repository does not exist or may require docker login',
      'debian:bookworm-slim',
      undefined,
    );
    expect(hint).toContain('--base-image');
    expect(hint).toContain('--extra-ca');
    expect(hint).toContain('debian:bookworm-slim');
  });

  it('says the engine cannot build for a platform it cannot run', () => {
    expect(buildFailureHint('exec /bin/sh: exec format error', undefined, 'linux/arm64')).toContain(
      'cannot build for linux/arm64',
    );
  });

  it('otherwise points at --verbose and still names both flags', () => {
    const hint = buildFailureHint('The command returned a non-zero code: 100', undefined, undefined);
    expect(hint).toContain('--verbose');
    expect(hint).toContain('--base-image');
  });
});
