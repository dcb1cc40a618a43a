import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engines.js';
import { engineClient, removeLocal, uniqueSuffix } from '../helpers/image-registry.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';

const { name, host, engines } = testEngine();
const docker = engineClient(host);
const suffix = uniqueSuffix();
// One build per engine, shared by runs: the engine's layer cache makes every later build take
// about a second, so this test always goes through `image build` without paying for it again.
const REPOSITORY = 'agentctl-test/agent';
const VERSION = '1.0.0';
const env = { AGENTCTL_HOST: host, AGENTCTL_IMAGE_REPOSITORY: REPOSITORY, AGENTCTL_IMAGE_TAG: VERSION };
const created: string[] = [];
let build: CliResult;

async function runIn(image: string, script: string): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['sh', '-c', script],
    Tty: true,
    Labels: { 'io.agentctl.test': suffix },
  });
  try {
    await container.start();
    await container.wait();
    return (await container.logs({ stdout: true, stderr: true })).toString();
  } finally {
    await container.remove({ force: true });
  }
}

beforeAll(async () => {
  build = await runCli(
    [
      'image',
      'build',
      'base',
      '--tag',
      VERSION,
      '--repository',
      REPOSITORY,
      '--base-image',
      engines.debianImage,
      '--extra-ca',
      '/etc/ssl/certs/ca-certificates.crt',
      '--json',
    ],
    { env, timeout: 20 * 60_000 },
  );
  if (build.exitCode === 0)
    process.stderr.write(
      `[image-build] ${name}: build ${build.json.image.durationMs} ms, size ${build.json.image.size} bytes\n`,
    );
}, 20 * 60_000);

afterAll(async () => {
  for (const reference of created) await removeLocal(docker, reference);
});

describe(`agentctl image build on ${name}`, () => {
  it('builds containers/base through the engine API, tagged VERSION, MAJOR.MINOR, MAJOR and latest', async () => {
    expect(build.exitCode, build.stdout + build.stderr).toBe(0);
    expect(build.json.image.tags).toEqual(['1.0.0', '1.0', '1', 'latest'].map((tag) => `${REPOSITORY}:${tag}`));
    const ls = await runCli(['image', 'ls', '--json'], { env });
    expect(ls.exitCode).toBe(0);
    // Other tiers tag images of their own in this repository (the images tier's images-test): only
    // the rows of this build's image are this test's.
    type Row = { repository: string; tag: string; id: string; version: string; stack: string; size: number };
    const rows = (ls.json.images as Row[]).filter(
      (row) => row.repository === REPOSITORY && ['1', '1.0', '1.0.0', 'latest'].includes(row.tag),
    );
    expect(rows.map((row) => row.tag).sort()).toEqual(['1', '1.0', '1.0.0', 'latest']);
    for (const row of rows) expect(row).toMatchObject({ version: VERSION, stack: 'base', id: build.json.image.id });
    expect(rows[0]?.size).toBeGreaterThan(0);
  });

  it('runs git, tmux and node as UID 1000 in /workspace under tini', async () => {
    const output = await runIn(
      `${REPOSITORY}:${VERSION}`,
      'id -u; pwd; git --version; tmux -V; node --version; ps -o comm= -p 1',
    );
    const lines = output.trim().split(/\r?\n/);
    expect(lines[0]).toBe('1000');
    expect(lines[1]).toBe('/workspace');
    expect(lines[2]).toMatch(/^git version 2\./);
    expect(lines[3]).toMatch(/^tmux \d/);
    expect(lines[4]).toMatch(/^v\d+\./);
    expect(lines[5]).toBe('tini');
  });

  it('is what resolution picks for the configured tag, with its labels and user', async () => {
    const result = await runCli(['image', 'resolve', '--pull', 'never', '--json'], { env });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.image).toMatchObject({ reference: `${REPOSITORY}:${VERSION}`, source: 'local', user: 'agent' });
    expect(result.json.image.labels).toMatchObject({
      'io.agentctl.stack': 'base',
      'org.opencontainers.image.version': VERSION,
    });
  });

  it("removes only agentctl's images with image rm", async () => {
    const extra = `${REPOSITORY}:rm-${suffix}`;
    await docker.getImage(`${REPOSITORY}:${VERSION}`).tag({ repo: REPOSITORY, tag: `rm-${suffix}` });
    created.push(extra);
    const removed = await runCli(['image', 'rm', extra, '--json'], { env });
    expect(removed.exitCode, removed.stdout).toBe(0);
    expect(removed.json.removed).toEqual([extra]);
    await expect(docker.getImage(extra).inspect()).rejects.toMatchObject({ statusCode: 404 });

    const foreign = await runCli(['image', 'rm', engines.testImage, '--json'], { env });
    expect(foreign.exitCode).toBe(9);
    expect(foreign.json.error.code).toBe('IMAGE_NOT_AGENTCTL');
    expect((await docker.getImage(engines.testImage).inspect()).Id).toBeTruthy();

    const missing = await runCli(['image', 'rm', `${REPOSITORY}:absent-${suffix}`, '--json'], { env });
    expect(missing.exitCode).toBe(7);
    expect(missing.json.error.code).toBe('IMAGE_NOT_LOCAL');
  });

  it('refuses to remove an image a container uses (IMAGE_IN_USE, exit 8) unless --force', async () => {
    const inUse = `${REPOSITORY}:inuse-${suffix}`;
    const source = await docker.createContainer({
      Image: engines.testImage,
      Cmd: ['true'],
      Labels: { 'io.agentctl.test': suffix },
    });
    let user: Awaited<ReturnType<typeof docker.createContainer>> | undefined;
    try {
      // A commit is an image of its own: `inUse` is its only tag, so removing it would delete it.
      await source.commit({ repo: REPOSITORY, tag: `inuse-${suffix}` });
      created.push(inUse);
      user = await docker.createContainer({ Image: inUse, Cmd: ['true'], Labels: { 'io.agentctl.test': suffix } });
      const refused = await runCli(['image', 'rm', inUse, '--json'], { env });
      expect(refused.exitCode, refused.stdout + refused.stderr).toBe(8);
      expect(refused.json.error).toMatchObject({
        code: 'IMAGE_IN_USE',
        message: `Image ${inUse} is used by a container`,
        hint: 'Remove the container first, or pass --force',
      });
      expect((await docker.getImage(inUse).inspect()).Id).toBeTruthy();
      const forced = await runCli(['image', 'rm', inUse, '--force', '--json'], { env });
      expect(forced.exitCode, forced.stdout + forced.stderr).toBe(0);
      expect(forced.json.removed).toEqual([inUse]);
    } finally {
      await user?.remove({ force: true }).catch(() => undefined);
      await source.remove({ force: true });
    }
  });
});
