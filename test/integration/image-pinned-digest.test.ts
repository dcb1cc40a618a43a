import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engines.js';
import {
  deleteFromRegistry,
  engineClient,
  pushAs,
  removeLocal,
  tempHomeWithDockerAuth,
  uniqueSuffix,
} from '../helpers/image-registry.js';
import { runCli } from '../helpers/run-cli.js';

// A release build pins its agent images by digest (`agentImage.digests`, written by the release
// workflow). This file builds agentctl as a release would, with a digest of an image it pushed to
// the test registry, then checks from the outside what a user's commands do with that pin: the
// pinned tag runs as repository@digest, and a local image under the pinned tag with another
// content is never used.

const { name: engineName, host, engines } = testEngine();
const docker = engineClient(host);
const suffix = uniqueSuffix();
const path = `agentctl-it/pinned-${suffix}`;
const repository = `${engines.registry}/${path}`;
const version = '7.7.7';
const tagged = `${repository}:${version}`;
const checkout = fileURLToPath(new URL('../..', import.meta.url));
let build: string;
let home: string;
let digest: string;
let other: string;
const ids: string[] = [];
const bare = (id: string) => id.replace(/^sha256:/, '');
const agents: string[] = [];

/** The release build's CLI against the engine under test, with a HOME of its own. */
const cli = (args: string[]) =>
  runCli([join(build, 'bin/agentctl.js'), '--host', host, ...args], {
    bin: process.execPath,
    env: {
      HOME: home,
      DOCKER_CONFIG: undefined,
      REGISTRY_AUTH_FILE: undefined,
      XDG_CONFIG_HOME: undefined,
      AGENTCTL_IMAGE_REPOSITORY: undefined,
      AGENTCTL_IMAGE_TAG: undefined,
      AGENTCTL_USE_LOCAL_IMAGE: undefined,
    },
  });

async function registryDigest(): Promise<string> {
  const head = await fetch(`http://${engines.registry}/v2/${path}/manifests/${version}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
    },
  });
  const found = head.headers.get('docker-content-digest');
  if (!head.ok || !found) throw new Error(`the registry has no ${tagged} (${head.status})`);
  return found;
}

/**
 * An image of this test's own (the busybox test image with one label more): never the shared test
 * image itself, whose ID other tests use (Podman removes every tag of an image removed by digest).
 */
async function imageOfOurOwn(label: string): Promise<string> {
  const container = await docker.createContainer({ Image: engines.testImage, Cmd: ['true'] });
  try {
    const made = (await container.commit({
      changes: [`LABEL io.agentctl.test.pinned=${suffix}-${label}`],
    } as object)) as {
      Id: string;
    };
    ids.push(made.Id);
    return made.Id;
  } finally {
    await container.remove({ force: true });
  }
}

beforeAll(async () => {
  home = await tempHomeWithDockerAuth();
  // The image the release pushed, by digest.
  await pushAs(docker, await imageOfOurOwn('pushed'), tagged);
  digest = await registryDigest();
  await removeLocal(docker, tagged);
  // A release build of this checkout, pinned to that digest (as the release workflow writes it).
  build = mkdtempSync(join(tmpdir(), 'agentctl-pinned-build-'));
  for (const part of ['bin', 'src', 'scripts', 'tsconfig.json'])
    cpSync(join(checkout, part), join(build, part), { recursive: true });
  symlinkSync(join(checkout, 'node_modules'), join(build, 'node_modules'));
  const pkg = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8'));
  pkg.agentImage = { repository, version, digests: { base: digest } };
  writeFileSync(join(build, 'package.json'), JSON.stringify(pkg, null, 2));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: build, stdio: 'pipe' });
  // Under the pinned tag, locally: other content, as a re-pushed tag or a local build under the
  // release's name would give.
  other = await imageOfOurOwn('other');
  await docker.getImage(other).tag({ repo: repository, tag: version });
}, 180_000);

afterAll(async () => {
  if (agents.length > 0) await cli(['rm', '--force', '--volumes', ...agents]);
  // Only this test's own images (by ID: every tag and digest of them goes).
  for (const id of ids) await removeLocal(docker, id);
  await deleteFromRegistry(engines.registry, path, version);
  rmSync(build, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe(`a release pinned by digest on ${engineName}`, () => {
  it('`version` shows the pinned digest', async () => {
    const result = await cli(['version', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json.image).toMatchObject({ pinned: tagged, pinnedDigest: digest, pinnedDigests: { base: digest } });
    const text = await cli(['version']);
    expect(text.stdout).toContain(digest);
  });

  it('pulls the pinned digest rather than use a local tag with other content, and says why', async () => {
    const result = await cli(['image', 'resolve', '--json']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.image).toMatchObject({ reference: `${repository}@${digest}`, source: 'pulled', digest });
    expect(result.json.image.tried).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${tagged.replace(/[.]/g, '\\.')} \\(local, digest .* not used\\)$`)),
      ]),
    );
    // The local tag is left as it was: agentctl never retags or removes a user's image.
    expect(bare((await docker.getImage(tagged).inspect()).Id)).toBe(bare(other));

    const again = await cli(['image', 'resolve', '--json']);
    expect(again.json.image).toMatchObject({ reference: `${repository}@${digest}`, source: 'local', digest });
  });

  it('runs an agent from the pinned digest, and `ls --json` shows it', async () => {
    const agent = `pinned-${suffix}`;
    agents.push(agent);
    const workspace = mkdtempSync(join(tmpdir(), 'agentctl-pinned-ws-'));
    try {
      const started = await runCli(
        [join(build, 'bin/agentctl.js'), '--host', host, 'start', agent, '-d', '--', 'sleep', '600'],
        {
          bin: process.execPath,
          cwd: workspace,
          env: {
            HOME: home,
            DOCKER_CONFIG: undefined,
            AGENTCTL_IMAGE_REPOSITORY: undefined,
            AGENTCTL_IMAGE_TAG: undefined,
          },
        },
      );
      expect(started.exitCode, started.stderr).toBe(0);
      const container = await docker.getContainer(`agentctl-${agent}`).inspect();
      const pinned = await docker.getImage(`${repository}@${digest}`).inspect();
      expect(container.Image).toBe(pinned.Id);
      expect(bare(pinned.Id)).not.toBe(bare(other));
      expect(ids.map(bare)).toContain(bare(pinned.Id));
      const listed = await cli(['ls', '--json']);
      const entry = listed.json.agents.find((item: { name: string }) => item.name === agent);
      expect(entry).toMatchObject({ imageDigest: digest });
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
