import { describe, expect, it } from 'vitest';
import type { LocalImage } from '../runtime/image-operations.js';
import { ConflictError } from '../shared/errors.js';
import { removeAgentImages } from './remove-agent-images.js';

const scope = { repository: 'ghcr.io/agentctl/agent', profileImages: ['ghcr.io/acme/claude:1'] };

function image(repoTags: string[], labels: Record<string, string> = {}): LocalImage {
  return { id: 'sha256:1', repoTags, repoDigests: [], labels, size: 1, created: '2026-01-01T00:00:00Z' };
}

/** An engine with these images; removeImage fails with `failure` for the references named in it. */
function engine(images: Record<string, LocalImage>, failure: Record<string, Error> = {}) {
  const removed: Array<{ reference: string; force: boolean }> = [];
  return {
    removed,
    runtime: {
      inspectImage: async (reference: string) => images[reference],
      removeImage: async (reference: string, options?: { force?: boolean }) => {
        if (!(reference in images)) throw new Error(`unexpected removeImage ${reference}`);
        const error = failure[reference];
        if (error) throw error;
        removed.push({ reference, force: options?.force ?? false });
      },
    },
  };
}

describe('removeAgentImages', () => {
  it("removes agentctl's images in order (its repository, a stack sibling, a profile's, a labelled one)", async () => {
    const { runtime, removed } = engine({
      'ghcr.io/agentctl/agent:1': image(['ghcr.io/agentctl/agent:1']),
      'ghcr.io/agentctl/agent-node:1': image(['ghcr.io/agentctl/agent-node:1']),
      'ghcr.io/acme/claude:1': image(['ghcr.io/acme/claude:1']),
      'local/built:x': image(['local/built:x'], { 'io.agentctl.stack': 'base' }),
    });
    const seen: string[] = [];
    const references = [
      'ghcr.io/agentctl/agent:1',
      'ghcr.io/agentctl/agent-node:1',
      'ghcr.io/acme/claude:1',
      'local/built:x',
    ];
    const result = await removeAgentImages(runtime, scope, {
      references,
      force: true,
      onRemoved: (reference) => seen.push(reference),
    });
    expect(result).toEqual(references);
    expect(seen).toEqual(references);
    expect(removed).toEqual(references.map((reference) => ({ reference, force: true })));
  });

  it("refuses an image that is not agentctl's, before removing anything after it", async () => {
    const { runtime, removed } = engine({
      'ghcr.io/agentctl/agent:1': image(['ghcr.io/agentctl/agent:1']),
      'debian:12': image(['debian:12']),
      'ghcr.io/agentctl/agent:2': image(['ghcr.io/agentctl/agent:2']),
    });
    await expect(
      removeAgentImages(runtime, scope, {
        references: ['ghcr.io/agentctl/agent:1', 'debian:12', 'ghcr.io/agentctl/agent:2'],
        force: false,
      }),
    ).rejects.toMatchObject({
      code: 'IMAGE_NOT_AGENTCTL',
      kind: 'unsafe',
      message: 'Image debian:12 is not an agentctl image',
    });
    expect(removed.map((entry) => entry.reference)).toEqual(['ghcr.io/agentctl/agent:1']);
  });

  it('names a reference the engine does not have', async () => {
    const { runtime } = engine({});
    await expect(
      removeAgentImages(runtime, scope, { references: ['ghcr.io/agentctl/agent:9'], force: false }),
    ).rejects.toMatchObject({ code: 'IMAGE_NOT_LOCAL', kind: 'not-found' });
  });

  it("passes the runtime's typed conflict on (an image a container uses)", async () => {
    const conflict = new ConflictError('IMAGE_IN_USE', 'Image ghcr.io/agentctl/agent:1 is used by a container', {
      hint: 'Remove the container first, or pass --force',
    });
    const { runtime } = engine(
      { 'ghcr.io/agentctl/agent:1': image(['ghcr.io/agentctl/agent:1']) },
      { 'ghcr.io/agentctl/agent:1': conflict },
    );
    await expect(
      removeAgentImages(runtime, scope, { references: ['ghcr.io/agentctl/agent:1'], force: false }),
    ).rejects.toBe(conflict);
  });
});
