import { rm } from 'node:fs/promises';
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

const { name, host, engines } = testEngine();
const docker = engineClient(host);
const suffix = uniqueSuffix();
const registry = engines.registry;
const localRepo = `agentctl-it/resolve-${suffix}`;
const pulledPath = `agentctl-it/pull-${suffix}`;
const rangePath = `agentctl-it/range-${suffix}`;
const created: string[] = [];
let home: string;

/** The CLI against the engine under test, with a HOME of its own (no user config or logins). */
const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, {
    env: {
      HOME: home,
      AGENTCTL_HOST: host,
      DOCKER_CONFIG: undefined,
      REGISTRY_AUTH_FILE: undefined,
      XDG_RUNTIME_DIR: undefined,
      XDG_CONFIG_HOME: undefined,
      ...env,
    },
  });

beforeAll(async () => {
  home = await tempHomeWithDockerAuth();
  for (const tag of ['dev', '1.0.0']) {
    await docker.getImage(engines.testImage).tag({ repo: localRepo, tag });
    created.push(`${localRepo}:${tag}`);
  }
  await pushAs(docker, engines.testImage, `${registry}/${pulledPath}:1.0.0`);
  created.push(`${registry}/${pulledPath}:1.0.0`);
  for (const tag of ['1.2.0', '1.3.1', '2.0.0']) {
    await pushAs(docker, engines.testImage, `${registry}/${rangePath}:${tag}`);
    created.push(`${registry}/${rangePath}:${tag}`);
  }
  for (const reference of created.filter((ref) => ref.startsWith(registry))) await removeLocal(docker, reference);
}, 120_000);

afterAll(async () => {
  for (const reference of created) await removeLocal(docker, reference);
  await deleteFromRegistry(registry, pulledPath, '1.0.0');
  for (const tag of ['1.2.0', '1.3.1', '2.0.0']) await deleteFromRegistry(registry, rangePath, tag);
  await rm(home, { recursive: true, force: true });
});

describe(`image resolution on ${name}`, () => {
  const pinned = { AGENTCTL_IMAGE_REPOSITORY: localRepo, AGENTCTL_IMAGE_TAG: '1.0.0' };

  it('uses the pinned tag present locally, and the dev image only when asked', async () => {
    const plain = await cli(['image', 'resolve', '--json'], pinned);
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.json.image).toMatchObject({
      reference: `${localRepo}:1.0.0`,
      source: 'local',
      tried: [`${localRepo}:1.0.0 (local)`],
    });

    const dev = await cli(['image', 'resolve', '--use-local-image', '--json'], pinned);
    expect(dev.json.image).toMatchObject({ reference: `${localRepo}:dev`, source: 'dev' });

    const viaEnv = await cli(['image', 'resolve', '--json'], { ...pinned, AGENTCTL_USE_LOCAL_IMAGE: 'true' });
    expect(viaEnv.json.image).toMatchObject({ reference: `${localRepo}:dev`, source: 'dev' });
  });

  it('falls back from a missing dev image to the pinned tag', async () => {
    const repo = `agentctl-it/nodev-${suffix}`;
    await docker.getImage(engines.testImage).tag({ repo, tag: '1.0.0' });
    created.push(`${repo}:1.0.0`);
    const result = await cli(['image', 'resolve', '--use-local-image', '--json'], {
      AGENTCTL_IMAGE_REPOSITORY: repo,
      AGENTCTL_IMAGE_TAG: '1.0.0',
    });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.image).toMatchObject({
      reference: `${repo}:1.0.0`,
      source: 'local',
      tried: [`${repo}:dev (local dev image)`, `${repo}:1.0.0 (local)`],
    });
  });

  it('uses a local image without touching the network (its registry is down)', async () => {
    const offline = `127.0.0.1:5999/agentctl-it/offline-${suffix}`;
    await docker.getImage(engines.testImage).tag({ repo: offline, tag: '1.0.0' });
    created.push(`${offline}:1.0.0`);
    const result = await cli(['image', 'resolve', '--json', '--image', `${offline}:1.0.0`]);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.image).toMatchObject({ reference: `${offline}:1.0.0`, source: 'local' });
  });

  it('pulls a missing image from the registry and reports its digest', async () => {
    const reference = `${registry}/${pulledPath}:1.0.0`;
    const result = await cli(['image', 'resolve', '--json', '--image', reference]);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.image).toMatchObject({
      reference,
      source: 'pulled',
      tried: [`${reference} (local)`, `${reference} (pull from ${registry})`],
    });
    expect(result.json.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.stderr).toBe(''); // --json: nothing but the result

    const again = await cli(['image', 'resolve', '--json', '--image', reference]);
    expect(again.json.image).toMatchObject({ source: 'local', digest: result.json.image.digest });
  });

  it('prints one line per phase while pulling on a non-TTY', async () => {
    const reference = `${registry}/${pulledPath}:1.0.0`;
    await removeLocal(docker, reference);
    const result = await cli(['image', 'pull', reference]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(`pulling ${reference} from ${registry}`);
    expect(result.stderr).toContain(`pulled ${reference}`);
    expect(result.stdout.trim()).toMatch(new RegExp(`^${reference.replace(/[.]/g, '\\.')}@sha256:[0-9a-f]{64}$`));
  });

  it('resolves a semver range in config to the highest matching registry tag', async () => {
    const result = await cli(['image', 'resolve', '--json'], {
      AGENTCTL_IMAGE_REPOSITORY: `${registry}/${rangePath}`,
      AGENTCTL_IMAGE_TAG: '^1.2',
    });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.image).toMatchObject({ reference: `${registry}/${rangePath}:1.3.1`, source: 'pulled' });
  });

  it('image outdated: a newer compatible version in the registry, a newer major apart, and up to date at the top', async () => {
    const repository = `${registry}/${rangePath}`;
    // The configured image (as image.repository / image.tag set it), with no engine at all.
    const behind = await cli(['image', 'outdated', '--json'], {
      AGENTCTL_IMAGE_REPOSITORY: repository,
      AGENTCTL_IMAGE_TAG: '1.2.0',
      AGENTCTL_HOST: 'unix:///nonexistent/agentctl.sock',
    });
    expect(behind.exitCode, behind.stderr).toBe(0);
    expect(behind.json).toEqual({
      ok: true,
      reference: `${repository}:1.2.0`,
      repository,
      current: '1.2.0',
      latestCompatible: '1.3.1',
      latest: '2.0.0',
      outdated: true,
      newerIncompatible: true,
    });
    const text = await cli(['image', 'outdated', `${repository}:1.2.0`]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(`1.3.1 is published (compatible)`);
    expect(text.stdout).toContain(`agentctl image pull ${repository}:1.3.1`);
    const top = await cli(['image', 'outdated', `${repository}:2.0.0`, '--json']);
    expect(top.json).toMatchObject({ outdated: false, newerIncompatible: false, latestCompatible: '2.0.0' });
  });

  it('image outdated refuses a tag that is not a version, and names a repository the registry lacks', async () => {
    const dev = await cli(['image', 'outdated', `${registry}/${rangePath}:dev`, '--json']);
    expect(dev.exitCode).toBe(2);
    expect(dev.json.error.code).toBe('IMAGE_TAG_NOT_VERSION');
    const absent = await cli(['image', 'outdated', `${registry}/agentctl-it/absent-${suffix}:1.0.0`, '--json']);
    expect(absent.exitCode).toBe(6);
    expect(absent.json.error.code).toBe('IMAGE_NOT_FOUND');
    const down = await cli(['image', 'outdated', `127.0.0.1:5999/agentctl-it/down-${suffix}:1.0.0`, '--json']);
    expect(down.exitCode).toBe(6);
    expect(down.json.error.code).toBe('REGISTRY_UNREACHABLE');
  });

  it('fails clearly with --pull never and nothing local, creating no container', async () => {
    const reference = `${registry}/agentctl-it/absent-${suffix}:1.0.0`;
    const result = await cli(['image', 'resolve', '--pull', 'never', '--json', '--image', reference]);
    expect(result.exitCode).toBe(6);
    expect(result.json.error).toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    expect(result.json.error.message).toContain(reference);
    expect(result.json.error.hint).toContain(`agentctl image pull ${reference}`);
    expect(result.json.error.details.tried).toEqual([`${reference} (local)`]);

    const agentName = `img-never-${suffix}`;
    const start = await cli(['start', agentName, '-d', '--pull', 'never', '--image', reference, '--json']);
    expect(start.exitCode).toBe(6);
    expect(start.json.error.code).toBe('IMAGE_NOT_FOUND');
    const containers = await docker.listContainers({ all: true, filters: { name: [agentName] } });
    expect(containers).toEqual([]);
  });

  it('names the image when the registry does not have it', async () => {
    const reference = `${registry}/agentctl-it/absent-${suffix}:1.0.0`;
    const result = await cli(['image', 'resolve', '--json', '--image', reference]);
    expect(result.exitCode).toBe(6);
    expect(result.json.error.code).toBe('IMAGE_NOT_FOUND');
    expect(result.json.error.message).toContain(reference);
  });

  it("reports the pinned image's local presence in version --json (and null without an engine)", async () => {
    const result = await cli(['version', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.json.image.local).toEqual({ present: false, id: null, digest: null });
    const noEngine = await cli(['version', '--json'], { AGENTCTL_HOST: 'unix:///nonexistent/agentctl.sock' });
    expect(noEngine.exitCode).toBe(0);
    expect(noEngine.json.image.local).toBeNull();
  });

  it('names the registry when it is down', async () => {
    const reference = `127.0.0.1:5999/agentctl-it/down-${suffix}:1.0.0`;
    const result = await cli(['image', 'resolve', '--json', '--image', reference]);
    expect(result.exitCode).toBe(6);
    expect(result.json.error.code).toBe('REGISTRY_UNREACHABLE');
    expect(result.json.error.message).toContain('127.0.0.1:5999');
  });
});
