import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterSuite } from '../helpers/cluster.js';
import { until } from '../helpers/stream-agents.js';

// Issue 20: --no-tty agents under a StatefulSet like the others, and start --continue on Kubernetes.
const { fixture, cli: run, image } = clusterSuite('sess');
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

describe('the Kubernetes backend: --no-tty and --continue', () => {
  it('an agent started with --no-tty is under a StatefulSet too: its Pod is put back when deleted', async () => {
    const name = 'quiet';
    const podName = `agentctl-${name}-0`;
    const started = await cli([
      'start',
      '--detach',
      '--no-tty',
      name,
      '--image',
      image,
      ...small,
      '--json',
      '--',
      'sh',
      '-c',
      'echo out; sleep 600',
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
    expect(await replicas(name)).toBe(1);
    const first = await readPod(podName);
    // The API leaves out a false tty and stdin.
    expect(first?.spec?.containers[0]).toMatchObject({ name: 'agent' });
    expect(first?.spec?.containers[0]?.tty ?? false).toBe(false);
    expect(first?.spec?.containers[0]?.stdin ?? false).toBe(false);
    await fixture.core.deleteNamespacedPod({ name: podName, namespace: fixture.namespace, gracePeriodSeconds: 1 });
    await until(
      'the Pod to be put back',
      async () => {
        const pod = await readPod(podName);
        return pod &&
          pod.metadata?.uid !== first?.metadata?.uid &&
          !pod.metadata?.deletionTimestamp &&
          pod.status?.containerStatuses?.[0]?.state?.running
          ? pod
          : undefined;
      },
      120_000,
    );
    expect((await cli(['ls', '--json'])).json.agents).toEqual([expect.objectContaining({ name, state: 'running' })]);
    expect((await cli(['rm', '--force', '--volumes', name])).exitCode).toBe(0);
    await nothingLeft();
  });

  it('start --continue resumes the session once, with the profile’s resume command; the start after it is fresh again', async () => {
    const home = fixture.tempDir();
    mkdirSync(join(home, 'agentctl'));
    writeFileSync(
      join(home, 'agentctl', 'config.json'),
      JSON.stringify({
        agents: {
          resumer: {
            image,
            command: ['sh', '-c', 'mkdir -p "$HOME/.sessions"; echo "session: fresh"; exec sleep 600'],
            resumeCommand: ['sh', '-c', 'echo "session: resumed"; exec sleep 600'],
            sessions: '.sessions',
          },
        },
      }),
    );
    const env = { XDG_CONFIG_HOME: home };
    const name = 'resumer';
    const session = async () =>
      until(
        'the session line in its log',
        async () => {
          const logs = await cli(['logs', name], { env });
          return /session: (\w+)/.exec(logs.stdout)?.[1];
        },
        60_000,
      );
    const started = await cli(['start', '--detach', name, '--agent', 'resumer', ...small, '--json'], { env });
    expect(started.exitCode, started.stderr).toBe(0);
    expect(await session()).toBe('fresh');
    expect((await cli(['stop', '--timeout', '1', name], { env })).exitCode).toBe(0);

    const resumed = await cli(['start', '--detach', name, '--continue', '--json'], { env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(await session()).toBe('resumed');
    expect((await cli(['stop', '--timeout', '1', name], { env })).exitCode).toBe(0);

    const fresh = await cli(['start', '--detach', name, '--json'], { env });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(await session()).toBe('fresh');
    expect((await cli(['rm', '--force', '--volumes', name], { env })).exitCode).toBe(0);
    await nothingLeft();
  });
});
