import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engines.js';
import { engineClient, removeLocal, uniqueSuffix } from '../helpers/image-registry.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';

/**
 * A build context that links to files outside it (as a hostile checkout could): `image build`
 * sends the links as links, so the built image never holds what they point to.
 */
const { name, host, engines } = testEngine();
const docker = engineClient(host);
const suffix = uniqueSuffix();
const SECRET = `host-secret-${suffix}-c0ffee`;
const root = mkdtempSync(join(tmpdir(), 'agentctl-build-context-'));
const outside = join(root, 'outside');
const context = join(root, 'ctx');
const REPOSITORY = 'agentctl-test/context';
const climbing = join(root, 'climbing');
let build: CliResult;
let reference = '';

async function imageBytes(image: string): Promise<Buffer> {
  const stream = await docker.getImage(image).get();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

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
  mkdirSync(join(outside, 'keys'), { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
  writeFileSync(join(outside, 'keys', 'id_ed25519'), `${SECRET}-key\n`);
  mkdirSync(join(context, 'sub'), { recursive: true });
  writeFileSync(join(context, 'Dockerfile'), `FROM ${engines.testImage}\nCOPY . /ctx/\n`);
  writeFileSync(join(context, 'sub', 'inside.txt'), 'inside the context\n');
  symlinkSync(join(outside, 'secret.txt'), join(context, 'secret-link'));
  symlinkSync('../Dockerfile', join(context, 'sub', 'relative-link'));
  symlinkSync(join(outside, 'keys'), join(context, 'keys-dir'));
  symlinkSync(join(root, 'nothing-here'), join(context, 'dangling'));
  mkdirSync(climbing);
  writeFileSync(join(climbing, 'Dockerfile'), `FROM ${engines.testImage}\nCOPY . /ctx/\n`);
  symlinkSync('../outside/secret.txt', join(climbing, 'climbing-link'));
  build = await runCli(['image', 'build', context, '--tag', `ctx-${suffix}`, '--repository', REPOSITORY, '--json'], {
    env: { AGENTCTL_HOST: host },
    timeout: 5 * 60_000,
  });
  reference = build.json?.image?.tags?.[0] ?? '';
}, 5 * 60_000);

afterAll(async () => {
  if (reference) await removeLocal(docker, reference);
  rmSync(root, { recursive: true, force: true });
});

describe(`image build of a context with links out of it on ${name}`, () => {
  it('builds, and the image holds the links as links and the context files as files', async () => {
    // Issue 16: `image build DIR --repository R` tagged `R-<dir>`; it tags R.
    expect(build.json?.image?.tags).toEqual([`${REPOSITORY}:ctx-${suffix}`]);
    expect(build.exitCode, build.stdout + build.stderr).toBe(0);
    expect(reference).toBe(`${REPOSITORY}:ctx-${suffix}`);
    const listing = await runIn(
      reference,
      'cat /ctx/sub/inside.txt; for f in secret-link keys-dir dangling sub/relative-link; do [ -L /ctx/$f ] && echo "link $f"; done',
    );
    expect(listing).toContain('inside the context');
    expect(listing).toMatch(/link secret-link/);
    expect(listing).toMatch(/link keys-dir/);
    expect(listing).toMatch(/link dangling/);
    expect(listing).toMatch(/link sub\/relative-link/);
  });

  it('never holds the content of a file outside the context, in any layer', async () => {
    expect(build.exitCode).toBe(0);
    const inside = await runIn(
      reference,
      'cat /ctx/secret-link /ctx/sub/relative-link /ctx/keys-dir/id_ed25519 2>&1; grep -r "host-secret" /ctx 2>/dev/null; echo done',
    );
    expect(inside).not.toContain(SECRET);
    expect(inside).toContain('done');
    expect((await imageBytes(reference)).includes(SECRET)).toBe(false);
  });

  it('refuses a relative link that climbs out of the context, before the engine builds anything', async () => {
    const result = await runCli(
      ['image', 'build', climbing, '--tag', `climb-${suffix}`, '--repository', REPOSITORY, '--json'],
      { env: { AGENTCTL_HOST: host } },
    );
    expect(result.exitCode, result.stdout).toBe(2);
    expect(result.json.error).toMatchObject({
      code: 'IMAGE_CONTEXT_LINK_OUTSIDE',
      message: 'The build context has a link climbing-link -> ../outside/secret.txt that leads out of it',
    });
    await expect(docker.getImage(`${REPOSITORY}-climbing:climb-${suffix}`).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
