import { describe, expect, it } from 'vitest';
import type { KubeClient } from './kube-client.js';
import { createKubernetesRuntime, type KubernetesRuntime } from './kubernetes-runtime.js';

function runtimeWithNodeImages(images: Array<{ names: string[] }>): KubernetesRuntime {
  const client = {
    core: {
      listNode: async () => ({ items: [{ status: { images: images.map((image) => ({ ...image, sizeBytes: 1 })) } }] }),
    },
    server: 'https://cluster.example:6443',
    namespace: 'agents',
    context: 'test',
  } as unknown as KubeClient;
  return createKubernetesRuntime(
    client,
    { kind: 'kubernetes', version: '1.30.0', apiVersion: '1.30' },
    { storage: { size: '1Gi' }, env: {} },
  );
}

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('KubernetesRuntime.inspectImage', () => {
  it('pins the digest a node reports for the tag, so that every node runs the same content', async () => {
    const runtime = runtimeWithNodeImages([
      { names: [`registry.example/team/agent@${DIGEST}`, 'registry.example/team/agent:1.2.3'] },
    ]);
    const image = await runtime.inspectImage('registry.example/team/agent:1.2.3');
    expect(image).toMatchObject({
      id: `registry.example/team/agent@${DIGEST}`,
      repoDigests: [`registry.example/team/agent@${DIGEST}`],
    });
  });

  it('keeps the reference when no node knows a digest (an imported image), or when it is one already', async () => {
    const runtime = runtimeWithNodeImages([
      { names: ['docker.io/agentctl-test/debian:bookworm'] },
      { names: [`registry.example/other@${DIGEST}`, 'registry.example/team/agent:2'] },
    ]);
    expect((await runtime.inspectImage('agentctl-test/debian:bookworm'))?.id).toBe('agentctl-test/debian:bookworm');
    expect((await runtime.inspectImage('registry.example/team/agent:2'))?.id).toBe('registry.example/team/agent:2');
    const byDigest = runtimeWithNodeImages([{ names: [`registry.example/team/agent@${DIGEST}`] }]);
    expect((await byDigest.inspectImage(`registry.example/team/agent@${DIGEST}`))?.id).toBe(
      `registry.example/team/agent@${DIGEST}`,
    );
    expect(await byDigest.inspectImage('registry.example/team/agent:9')).toBeUndefined();
  });

  it('finds a Docker Hub image however it is written (index.docker.io, no tag), as the kubelet names it', async () => {
    const runtime = runtimeWithNodeImages([
      { names: [`docker.io/library/debian@${DIGEST}`, 'docker.io/library/debian:latest'] },
    ]);
    // A qualifier of its own once left index.docker.io/… as it was, which no node ever reports.
    for (const written of ['debian', 'library/debian:latest', 'index.docker.io/library/debian']) {
      expect((await runtime.inspectImage(written))?.id, written).toBe(`docker.io/library/debian@${DIGEST}`);
    }
  });
});

describe('KubernetesRuntime.stats', () => {
  it('refuses with KUBERNETES_UNSUPPORTED and names kubectl top', async () => {
    const runtime = runtimeWithNodeImages([]);
    await expect(runtime.stats.fetchStats('agentctl-a')).rejects.toMatchObject({
      code: 'KUBERNETES_UNSUPPORTED',
      hint: expect.stringContaining('kubectl top pod'),
    });
  });
});
