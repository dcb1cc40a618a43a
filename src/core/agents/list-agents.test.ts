import { describe, expect, it } from 'vitest';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import { formatState, imageNameOf, toListing } from './list-agents.js';

const details = (extra: Partial<ContainerDetails>): ContainerDetails => ({
  id: 'c1c1c1c1c1c1c1',
  name: 'agentctl-x',
  state: 'running',
  running: true,
  image: 'sha256:abc',
  user: '1000:1000',
  env: [],
  tty: true,
  openStdin: true,
  labels: {
    'io.agentctl.managed': 'true',
    'io.agentctl.agent': 'x',
    'io.agentctl.image': 'ghcr.io/agentctl/agent-node:1.2.3',
  },
  hostConfig: { nanoCpus: 2e9, memory: 4 * 1024 ** 3, pidsLimit: 512 },
  spec: { network: '', mounts: [], addCapabilities: [] },
  raw: {},
  startedAt: '2026-12-01T10:00:00Z',
  ...extra,
});

describe('ls', () => {
  it('an exited agent shows its exit code and end, and no health (Docker keeps the last check as "unhealthy")', () => {
    const listing = toListing(
      details({
        state: 'exited',
        running: false,
        exitCode: 3,
        finishedAt: '2026-12-01T10:05:00Z',
        health: 'unhealthy',
      }),
      Date.parse('2026-12-01T11:00:00Z'),
    );
    expect(listing).toMatchObject({
      state: 'exited',
      exitCode: 3,
      finishedAt: '2026-12-01T10:05:00Z',
      oomKilled: false,
      health: null,
    });
    expect(formatState(listing)).toBe('exited (3)');
  });

  it('an OOM kill is told apart from a plain exit', () => {
    const listing = toListing(
      details({ state: 'exited', running: false, exitCode: 137, oomKilled: true, finishedAt: '2026-12-01T10:05:00Z' }),
      0,
    );
    expect(listing).toMatchObject({ exitCode: 137, oomKilled: true });
    expect(formatState(listing)).toBe('exited (137, OOM killed)');
  });

  it('a running, a stopping and a never-started agent have no exit code', () => {
    for (const state of [
      details({}),
      details({ state: 'stopping', running: false }),
      details({ state: 'created', running: false, startedAt: undefined, exitCode: 0 }),
    ]) {
      const listing = toListing(state, 0);
      expect(listing.exitCode).toBeNull();
      expect(formatState(listing)).toBe(state.state);
    }
    expect(toListing(details({ health: 'healthy' }), 0).health).toBe('healthy');
  });

  it("IMAGE is the repository's last path part with the tag, so node, python and base agents differ", () => {
    expect(imageNameOf('ghcr.io/agentctl/agent-node:1.2.3')).toBe('agent-node:1.2.3');
    expect(imageNameOf('ghcr.io/agentctl/agent-python:1.2.3')).toBe('agent-python:1.2.3');
    expect(imageNameOf('localhost:5000/agent-base')).toBe('agent-base:latest');
    expect(imageNameOf('busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef')).toBe(
      'busybox@sha256:0123456789ab',
    );
    expect(toListing(details({}), 0)).toMatchObject({ imageName: 'agent-node:1.2.3', imageVersion: '1.2.3' });
  });

  it('shows the image digest recorded at creation, and none for an image that had none (its id was recorded)', () => {
    const digest = `sha256:${'f'.repeat(64)}`;
    const labels = details({}).labels;
    expect(toListing(details({ labels: { ...labels, 'io.agentctl.image-digest': digest } }), 0).imageDigest).toBe(
      digest,
    );
    expect(
      toListing(details({ labels: { ...labels, 'io.agentctl.image-digest': 'sha256:abc' } }), 0).imageDigest,
    ).toBeNull();
  });
});
