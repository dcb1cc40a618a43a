import { describe, expect, it } from 'vitest';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { LocalImage } from '../runtime/image-operations.js';
import { pinnedDigestFor, resolveAgentImage, targetImage } from './resolve-agent-image.js';
import { parseImageReference } from '../shared/image-reference.js';

function fakeRuntime(local: Record<string, Partial<LocalImage>>, pulls: string[] = []): ContainerRuntime {
  const image = (ref: string): LocalImage | undefined =>
    local[ref] === undefined
      ? undefined
      : { id: `id-${ref}`, repoTags: [ref], repoDigests: [], labels: {}, size: 1, created: '', ...local[ref] };
  return {
    capabilities: { bindMounts: true, pullsOnStart: false },
    inspectImage: async (ref: string) => image(ref),
    pullImage: async (ref: string) => {
      pulls.push(ref);
      local[ref] = { repoDigests: [`${ref.split(':')[0]}@sha256:feed`] };
    },
  } as unknown as ContainerRuntime;
}

const deps = (runtime: ContainerRuntime, config = {}) => ({ runtime, config, env: {}, homedir: '/nonexistent' });

describe('resolveAgentImage', () => {
  it('targets --image, else the agent profile, else the configured or pinned image', () => {
    const config = { image: { repository: 'r/agent', tag: '2.0.0' }, agents: { codex: { image: 'r/codex:1' } } };
    expect(targetImage(config, { image: 'x/y:1' })).toBe('x/y:1');
    expect(targetImage(config, { agent: 'codex' })).toBe('r/codex:1');
    expect(() => targetImage(config, { agent: 'unknown' })).toThrow(
      expect.objectContaining({ code: 'AGENT_PROFILE_UNKNOWN' }),
    );
    expect(targetImage({}, {})).toMatch(/^ghcr\.io\/agentctl\/agent:\d/);
  });

  it('leaves the pull to a backend that pulls when the agent starts (Kubernetes nodes)', async () => {
    const pulls: string[] = [];
    const runtime = {
      ...fakeRuntime({ 'r/a:1.0.0': {} }, pulls),
      capabilities: { bindMounts: false, pullsOnStart: true },
    } as ContainerRuntime;
    const config = { image: { repository: 'r/a', tag: '1.0.0' } };
    expect(await resolveAgentImage(deps(runtime, config), {})).toMatchObject({
      source: 'local',
      reference: 'r/a:1.0.0',
    });
    expect(await resolveAgentImage(deps(runtime, config), { image: 'r/a:2.0.0' })).toEqual({
      reference: 'r/a:2.0.0',
      source: 'cluster',
      id: 'r/a:2.0.0',
      digest: null,
      labels: {},
      tried: ['r/a:2.0.0 (local)', 'r/a:2.0.0 (pulled by the cluster when the agent starts)'],
    });
    await expect(resolveAgentImage(deps(runtime, config), { image: 'r/a:2.0.0', pull: 'never' })).rejects.toMatchObject(
      { code: 'IMAGE_NOT_FOUND' },
    );
    await expect(resolveAgentImage(deps(runtime), { image: 'c47be6aa6b45', pull: 'always' })).rejects.toMatchObject({
      code: 'IMAGE_ARGUMENT_INVALID',
      kind: 'usage',
    });
    expect(pulls).toEqual([]);
  });

  it('prefers dev only when asked, then local, then pulls', async () => {
    const pulls: string[] = [];
    const runtime = fakeRuntime({ 'r/a:dev': {}, 'r/a:1.0.0': {} }, pulls);
    const config = { image: { repository: 'r/a', tag: '1.0.0' } };
    expect(await resolveAgentImage(deps(runtime, config), {})).toMatchObject({
      source: 'local',
      reference: 'r/a:1.0.0',
    });
    expect(await resolveAgentImage(deps(runtime, config), { useLocal: true })).toMatchObject({
      source: 'dev',
      reference: 'r/a:dev',
    });
    expect(await resolveAgentImage(deps(runtime, config), { image: 'r/a:2.0.0' })).toMatchObject({
      source: 'pulled',
      digest: 'sha256:feed',
      tried: ['r/a:2.0.0 (local)', 'r/a:2.0.0 (pull from docker.io)'],
    });
    expect(pulls).toEqual(['r/a:2.0.0']);
  });

  it('pulls even when present with --pull always, and never pulls with --pull never', async () => {
    const pulls: string[] = [];
    const runtime = fakeRuntime({ 'r/a:1.0.0': {} }, pulls);
    expect(await resolveAgentImage(deps(runtime), { image: 'r/a:1.0.0', pull: 'always' })).toMatchObject({
      source: 'pulled',
    });
    await expect(resolveAgentImage(deps(runtime), { image: 'r/a:9.9.9', pull: 'never' })).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      hint: expect.stringContaining('agentctl image pull r/a:9.9.9'),
    });
    expect(pulls).toEqual(['r/a:1.0.0']);
  });

  it('rejects an invalid --image as a usage error, an invalid configured image as a config error', async () => {
    await expect(resolveAgentImage(deps(fakeRuntime({})), { image: 'Not A Ref' })).rejects.toMatchObject({
      code: 'IMAGE_ARGUMENT_INVALID',
      kind: 'usage',
    });
    await expect(resolveAgentImage(deps(fakeRuntime({})), { image: 'x@sha256:xyz' })).rejects.toMatchObject({
      code: 'IMAGE_ARGUMENT_INVALID',
      kind: 'usage',
      message: '"x@sha256:xyz" is not a valid image reference',
      hint: expect.stringContaining('sha256:<64 hex digits>'),
    });
    await expect(
      resolveAgentImage(deps(fakeRuntime({}), { image: { repository: 'Not A Ref', tag: '1' } }), {}),
    ).rejects.toMatchObject({ code: 'IMAGE_REFERENCE_INVALID', kind: 'config' });
  });

  it('reads a short image id as a local image, never as a docker.io name to pull', async () => {
    const pulls: string[] = [];
    const runtime = fakeRuntime({ c47be6aa6b45: { id: 'sha256:c47be6aa6b45fff' } }, pulls);
    expect(await resolveAgentImage(deps(runtime), { image: 'c47be6aa6b45' })).toMatchObject({
      reference: 'c47be6aa6b45',
      source: 'local',
      id: 'sha256:c47be6aa6b45fff',
    });
    await expect(resolveAgentImage(deps(runtime), { image: 'deadbeef0123' })).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      kind: 'image',
      message: 'No local image has the id deadbeef0123',
    });
    await expect(resolveAgentImage(deps(runtime), { image: 'c47be6aa6b45', pull: 'always' })).rejects.toMatchObject({
      code: 'IMAGE_ARGUMENT_INVALID',
      kind: 'usage',
    });
    expect(pulls).toEqual([]);
  });
});

describe('a release that pinned digests', () => {
  const pin = `sha256:${'a'.repeat(64)}`;
  const nodePin = `sha256:${'b'.repeat(64)}`;
  const pins = { repository: 'r/a', tag: '1.0.0', digests: { base: pin, node: nodePin } };
  const config = { image: { repository: 'r/a', tag: '1.0.0' } };
  const pinnedDeps = (runtime: ContainerRuntime) => ({ ...deps(runtime, config), pins });

  it('knows the digest of the pinned tag of each stack, and of nothing else', () => {
    const ref = (text: string) => parseImageReference(text)!;
    expect(pinnedDigestFor(ref('r/a:1.0.0'), pins)).toBe(pin);
    expect(pinnedDigestFor(ref('docker.io/r/a-node:1.0.0'), pins)).toBe(nodePin);
    expect(pinnedDigestFor(ref('r/a:1.0.1'), pins)).toBeUndefined();
    expect(pinnedDigestFor(ref('r/a-go:1.0.0'), pins)).toBeUndefined();
    expect(pinnedDigestFor(ref('r/a:1.0.0'), { ...pins, digests: {} })).toBeUndefined();
  });

  it('uses a local image only when it has the pinned digest', async () => {
    const pulls: string[] = [];
    const runtime = fakeRuntime({ [`r/a@${pin}`]: { repoDigests: [`r/a@${pin}`] } }, pulls);
    expect(await resolveAgentImage(pinnedDeps(runtime), {})).toMatchObject({
      source: 'local',
      reference: `r/a@${pin}`,
      digest: pin,
    });
    expect(pulls).toEqual([]);
  });

  it('pulls the pinned digest, not the tag, when the local tag has another digest', async () => {
    const pulls: string[] = [];
    const local: Record<string, Partial<LocalImage>> = {
      'r/a:1.0.0': { repoDigests: [`r/a@sha256:${'c'.repeat(64)}`] },
    };
    const runtime = fakeRuntime(local, pulls);
    runtime.pullImage = async (ref: string) => {
      pulls.push(ref);
      local[ref] = { repoDigests: [ref] };
    };
    const result = await resolveAgentImage(pinnedDeps(runtime), {});
    expect(result).toMatchObject({ source: 'pulled', reference: `r/a@${pin}`, digest: pin });
    expect(result.tried).toContain(
      `r/a:1.0.0 (local, digest sha256:${'c'.repeat(64)} is not the pinned one: not used)`,
    );
    expect(pulls).toEqual([`r/a@${pin}`]);
  });

  it('fails with --pull never when the pinned digest is not local, and keeps the dev image override', async () => {
    const runtime = fakeRuntime({ 'r/a:1.0.0': {}, 'r/a:dev': {} });
    await expect(resolveAgentImage(pinnedDeps(runtime), { pull: 'never' })).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
    });
    expect(await resolveAgentImage(pinnedDeps(runtime), { useLocal: true })).toMatchObject({
      source: 'dev',
      reference: 'r/a:dev',
    });
  });

  it('rejects a pull whose result does not carry the pinned digest', async () => {
    const local: Record<string, Partial<LocalImage>> = {};
    const runtime = fakeRuntime(local);
    runtime.pullImage = async (ref: string) => {
      local[ref] = { repoDigests: [`r/a@sha256:${'d'.repeat(64)}`] };
    };
    await expect(resolveAgentImage(pinnedDeps(runtime), {})).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
  });
});
