import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterSuite } from '../helpers/cluster.js';
import { until } from '../helpers/stream-agents.js';

// Issue 20: an agent whose Pod goes (kubectl delete pod: a drain, an eviction, a lost node) comes
// back by itself, with its state, under its StatefulSet.
const { fixture, cli: run, image } = clusterSuite('ctl');
const small = ['--cpus', '0.05', '--memory', '48m'];
const cli = async (args: string[], options: Parameters<typeof fixture.cli>[1] = {}) => {
  const result = await run(args, options);
  return { ...result, stdout: result.stdout.replace(/\r/g, '') };
};

describe('the Kubernetes backend: each agent under a controller', () => {
  it('an agent whose Pod is deleted comes back Running with its workspace and home; stop, start and rm leave nothing', async () => {
    const name = 'phoenix';
    const podName = `agentctl-${name}-0`;
    const started = await cli(['start', '--detach', name, '--image', image, ...small, '--json']);
    expect(started.exitCode, started.stderr).toBe(0);
    const controller = await fixture.apps.readNamespacedStatefulSet({
      name: `agentctl-${name}`,
      namespace: fixture.namespace,
    });
    expect(controller.spec?.replicas).toBe(1);
    expect(controller.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ConfigMap', name: `agentctl-${name}` });
    const written = await cli([
      'exec',
      name,
      '--',
      'sh',
      '-c',
      'echo work > /workspace/uncommitted.txt && echo state > ~/state.txt',
    ]);
    expect(written.exitCode, written.stderr).toBe(0);

    const first = await fixture.core.readNamespacedPod({ name: podName, namespace: fixture.namespace });
    await fixture.core.deleteNamespacedPod({ name: podName, namespace: fixture.namespace, gracePeriodSeconds: 1 });
    // A new Pod (new uid), running: the StatefulSet put it back without agentctl.
    await until(
      'the Pod to be put back',
      async () => {
        const pod = await fixture.core
          .readNamespacedPod({ name: podName, namespace: fixture.namespace })
          .catch(() => undefined);
        return pod &&
          pod.metadata?.uid !== first.metadata?.uid &&
          !pod.metadata?.deletionTimestamp &&
          pod.status?.containerStatuses?.[0]?.state?.running
          ? pod
          : undefined;
      },
      120_000,
    );
    const listed = await cli(['ls', '--json']);
    expect(listed.json.agents).toEqual([expect.objectContaining({ name, state: 'running' })]);
    const kept = await cli(['exec', name, '--', 'sh', '-c', 'cat /workspace/uncommitted.txt ~/state.txt']);
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(kept.stdout.trim().split('\n')).toEqual(['work', 'state']);

    // stop: the StatefulSet stays, scaled to 0, and puts no Pod back.
    expect((await cli(['stop', '--timeout', '1', name])).exitCode).toBe(0);
    expect(
      (await fixture.apps.readNamespacedStatefulSet({ name: `agentctl-${name}`, namespace: fixture.namespace })).spec
        ?.replicas,
    ).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await fixture.leftovers()).toEqual([
      `configmap/agentctl-${name}`,
      `pvc/agentctl-${name}-home`,
      `statefulset/agentctl-${name}`,
    ]);
    expect((await cli(['ls', '--all', '--json'])).json.agents).toEqual([
      expect.objectContaining({ name, state: 'exited' }),
    ]);

    const again = await cli(['start', '--detach', name, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const resumed = await cli(['exec', name, '--', 'cat', '/workspace/uncommitted.txt']);
    expect(resumed.stdout.trim()).toBe('work');

    expect((await cli(['rm', '--force', '--volumes', name])).exitCode).toBe(0);
    await until('no object left', async () => ((await fixture.leftovers()).length === 0 ? true : undefined), 60_000);
  });

  it('an agent whose command ends is shown exited with its code, and is not run again', async () => {
    const name = 'ends';
    const start = await cli([
      'start',
      '--detach',
      name,
      '--image',
      image,
      ...small,
      '--',
      'sh',
      '-c',
      'sleep 2; exit 7',
    ]);
    expect(start.exitCode, start.stderr).toBe(0);
    const waited = await cli(['wait', name, '--json']);
    expect(waited.json).toMatchObject({ exitCode: 7 });
    const listed = await cli(['ls', '--all', '--json']);
    expect(listed.json.agents).toEqual([expect.objectContaining({ name, state: 'exited', exitCode: 7 })]);
    expect(
      (await fixture.apps.readNamespacedStatefulSet({ name: `agentctl-${name}`, namespace: fixture.namespace })).spec
        ?.replicas,
    ).toBe(0);
    // Its claim holds its clone: --volumes needs --force (review.test.ts checks the refusal).
    expect((await cli(['rm', '--force', '--volumes', name])).exitCode).toBe(0);
    await until('no object left', async () => ((await fixture.leftovers()).length === 0 ? true : undefined), 60_000);
  });

  it('places Pods by kubernetes.pod from the config: a nodeSelector that matches runs, one that does not fails at once with the scheduler’s reason', async () => {
    const config = (pod: unknown) => {
      const home = fixture.tempDir();
      mkdirSync(join(home, 'agentctl'));
      writeFileSync(
        join(home, 'agentctl', 'config.json'),
        JSON.stringify({ kubernetes: { pod, requests: { cpus: 0.01, memory: '16m' } } }),
      );
      return { XDG_CONFIG_HOME: home };
    };
    const matching = config({
      nodeSelector: { 'kubernetes.io/hostname': fixture.cluster.node },
      labels: { team: 'platform' },
    });
    const placed = await cli(['start', '--detach', 'placed', '--image', image, ...small, '--json'], { env: matching });
    expect(placed.exitCode, placed.stderr).toBe(0);
    const pod = await fixture.core.readNamespacedPod({ name: 'agentctl-placed-0', namespace: fixture.namespace });
    expect(pod.spec?.nodeSelector).toEqual({ 'kubernetes.io/hostname': fixture.cluster.node });
    expect(pod.metadata?.labels).toMatchObject({ team: 'platform' });
    expect(pod.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '10m', memory: String(16 * 1024 * 1024) });
    expect((await cli(['rm', '--force', '--volumes', 'placed'])).exitCode).toBe(0);

    const nowhere = config({ nodeSelector: { 'agentctl-test/pool': 'none' } });
    const refused = await cli(['start', '--detach', 'nowhere', '--image', image, ...small, '--json'], {
      env: nowhere,
    });
    expect(refused.exitCode, refused.stderr).toBe(5);
    expect(refused.json.error).toMatchObject({ code: 'POD_UNSCHEDULABLE' });
    expect(refused.json.error.message).toMatch(/node selector|affinity/i);
    await until('no object left', async () => ((await fixture.leftovers()).length === 0 ? true : undefined), 60_000);
  });
});
