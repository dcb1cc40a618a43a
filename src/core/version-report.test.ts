import { describe, expect, it } from 'vitest';
import { BUILD_INFO } from '../shared/build-info.js';
import { RuntimeNotFoundError } from '../shared/errors.js';
import { fetchVersionReport } from './version-report.js';

const pinned = `${BUILD_INFO.image.repository}:${BUILD_INFO.image.tag}`;

/** An engine that has exactly the images in `images` (reference → id and digests); records every lookup. */
function fakeEngine(images: Record<string, { id: string; repoDigests: string[] }>) {
  const lookups: string[] = [];
  return {
    lookups,
    fetchEngine: async () => ({
      version: { kind: 'docker' as const, version: '20.10.24', apiVersion: '1.41' },
      endpoint: 'unix:///var/run/docker.sock',
      source: 'default-socket',
      inspectImage: async (reference: string) => (lookups.push(reference), images[reference]),
    }),
  };
}

describe('fetchVersionReport', () => {
  it('reports the pinned image when nothing is configured', async () => {
    const engine = fakeEngine({});
    const report = await fetchVersionReport({
      nodeVersion: 'v20.0.0',
      fetchEngine: engine.fetchEngine,
      configuredImage: {},
    });
    expect(report.image).toEqual({
      repository: BUILD_INFO.image.repository,
      tag: BUILD_INFO.image.tag,
      reference: pinned,
      source: { repository: 'pinned', tag: 'pinned' },
      pinned,
      pinnedDigest: null,
      pinnedDigests: {},
      local: { present: false, id: null, digest: null },
    });
    expect(engine.lookups).toEqual([pinned]);
  });

  it('reports the pinned digest of a release, and looks the image up by it', async () => {
    const digest = `sha256:${'e'.repeat(64)}`;
    const engine = fakeEngine({ [`r/agent@${digest}`]: { id: 'sha256:1d', repoDigests: [`r/agent@${digest}`] } });
    const report = await fetchVersionReport({
      nodeVersion: 'v20.0.0',
      fetchEngine: engine.fetchEngine,
      pins: { repository: 'r/agent', tag: '2.0.0', digests: { base: digest, node: 'sha256:other' } },
    });
    expect(report.image).toMatchObject({
      reference: 'r/agent:2.0.0',
      pinnedDigest: digest,
      pinnedDigests: { base: digest, node: 'sha256:other' },
      local: { present: true, id: 'sha256:1d', digest },
    });
    expect(engine.lookups).toEqual([`r/agent@${digest}`]);
  });

  it('reports (and looks up) the configured image, as doctor and `image resolve` use it, with where it came from', async () => {
    const engine = fakeEngine({
      'registry.example/team/agent:7.1.0': {
        id: 'sha256:abc',
        repoDigests: ['registry.example/team/agent@sha256:def'],
      },
    });
    const report = await fetchVersionReport({
      nodeVersion: 'v20.0.0',
      fetchEngine: engine.fetchEngine,
      configuredImage: {
        repository: 'registry.example/team/agent',
        tag: '7.1.0',
        sources: { repository: '/repo/.agentctlrc.json', tag: 'env AGENTCTL_IMAGE_TAG' },
      },
    });
    expect(report.image).toEqual({
      repository: 'registry.example/team/agent',
      tag: '7.1.0',
      reference: 'registry.example/team/agent:7.1.0',
      source: { repository: '/repo/.agentctlrc.json', tag: 'env AGENTCTL_IMAGE_TAG' },
      pinned,
      pinnedDigest: null,
      pinnedDigests: {},
      local: { present: true, id: 'sha256:abc', digest: 'sha256:def' },
    });
    expect(engine.lookups).toEqual(['registry.example/team/agent:7.1.0']);
  });

  it('keeps the pinned repository when only the tag is configured', async () => {
    const report = await fetchVersionReport({
      nodeVersion: 'v20.0.0',
      fetchEngine: fakeEngine({}).fetchEngine,
      configuredImage: { tag: '9.9.9', sources: { tag: 'env AGENTCTL_IMAGE_TAG' } },
    });
    expect(report.image).toMatchObject({
      reference: `${BUILD_INFO.image.repository}:9.9.9`,
      source: { repository: 'pinned', tag: 'env AGENTCTL_IMAGE_TAG' },
    });
  });

  it('still reports the configured image when no engine answers', async () => {
    const report = await fetchVersionReport({
      nodeVersion: 'v20.0.0',
      fetchEngine: async () => {
        throw new RuntimeNotFoundError('RUNTIME_NOT_FOUND', 'No container engine found', { hint: 'Start one' });
      },
      configuredImage: { repository: 'registry.example/agent', tag: '2.0.0' },
    });
    expect(report.image).toMatchObject({
      reference: 'registry.example/agent:2.0.0',
      source: { repository: 'config', tag: 'config' },
      local: null,
    });
    expect(report.engine).toEqual({
      reachable: false,
      error: { code: 'RUNTIME_NOT_FOUND', message: 'No container engine found', hint: 'Start one' },
    });
  });
});
