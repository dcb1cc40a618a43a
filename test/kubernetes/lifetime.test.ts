import { describe, expect, it } from 'vitest';
import { clusterSuite } from '../helpers/cluster.js';
import { until } from '../helpers/stream-agents.js';

// Issue 20: a maximum lifetime (--ttl) the cluster enforces without agentctl. (--no-tty agents and
// start --continue are in sessions.test.ts, so their waits run beside this one's.)
const { fixture, cli: run, image } = clusterSuite('life');
const small = ['--cpus', '0.05', '--memory', '48m'];
const cli = async (args: string[], options: Parameters<typeof fixture.cli>[1] = {}) => {
  const result = await run(args, options);
  return { ...result, stdout: result.stdout.replace(/\r/g, '') };
};
const readPod = (name: string) =>
  fixture.core.readNamespacedPod({ name, namespace: fixture.namespace }).catch(() => undefined);
const replicas = async (name: string) =>
  (await fixture.apps.readNamespacedStatefulSet({ name: `agentctl-${name}`, namespace: fixture.namespace })).spec
    ?.replicas;
const nothingLeft = () =>
  until('no object left', async () => ((await fixture.leftovers()).length === 0 ? true : undefined), 60_000);

describe('the Kubernetes backend: lifetimes', () => {
  it('--ttl: the kubelet stops the agent at its deadline while no agentctl runs; ls then shows why and scales it to 0; a start gives a new lifetime', async () => {
    const name = 'mortal';
    const podName = `agentctl-${name}-0`;
    const started = await cli([
      'start',
      '--detach',
      name,
      '--image',
      image,
      ...small,
      '--ttl',
      '30s',
      '--json',
      '--',
      'sleep',
      '600',
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
    const first = await readPod(podName);
    const deadline = first?.metadata?.annotations?.['agentctl.io/deadline'];
    expect(deadline).toBeDefined();
    expect(first?.spec?.containers[0]?.livenessProbe?.exec?.command).toBeDefined();
    // From here no agentctl runs until the kubelet has stopped the agent's command.
    const ended = await until(
      'the kubelet to stop the agent at its deadline',
      async () => {
        const status = (await readPod(podName))?.status?.containerStatuses?.[0];
        return status?.state?.terminated ?? status?.lastState?.terminated;
      },
      240_000,
    );
    expect(Date.parse(String(ended.finishedAt))).toBeGreaterThanOrEqual(Date.parse(deadline!));
    const listed = await cli(['ls', '--all', '--json']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.json.agents).toEqual([
      expect.objectContaining({ name, state: 'exited', reason: expect.stringContaining('TTL') }),
    ]);
    expect(await replicas(name)).toBe(0);
    await until('its Pod to go', async () => ((await readPod(podName)) ? undefined : true), 120_000);
    // A different lifetime is a different agent: refused, never dropped.
    const changed = await cli(['start', '--detach', name, '--ttl', '1h', '--json']);
    expect(changed.exitCode).toBe(8);
    expect(changed.json.error.code).toBe('AGENT_SETTINGS_DIFFER');

    const again = await cli(['start', '--detach', name, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const second = await readPod(podName);
    expect(Date.parse(second!.metadata!.annotations!['agentctl.io/deadline']!)).toBeGreaterThan(Date.parse(deadline!));
    expect((await cli(['ls', '--json'])).json.agents).toEqual([
      expect.objectContaining({ name, state: 'running', reason: null }),
    ]);
    expect((await cli(['rm', '--force', '--volumes', name])).exitCode).toBe(0);
    await nothingLeft();
  });
});
