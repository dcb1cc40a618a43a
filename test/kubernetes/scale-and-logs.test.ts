import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { clusterSuite } from '../helpers/cluster.js';
import { BIN } from '../helpers/run-cli.js';
import { until } from '../helpers/stream-agents.js';

const { fixture, repo, cli: run, image } = clusterSuite('scale');
// Agents have a TTY: their output lines end in \r\n.
const cli = async (args: string[], options: Parameters<typeof fixture.cli>[1] = {}) => {
  const result = await run(args, options);
  return { ...result, stdout: result.stdout.replace(/\r/g, '') };
};

describe('the Kubernetes backend at scale, and logs', () => {
  it('starts 10 agents at once: every one Ready, each with its own clone; rm leaves nothing', async () => {
    const names = Array.from({ length: 10 }, (_, index) => `many-${index}`);
    const started = await Promise.all(
      names.map((name) =>
        cli(['start', name, '--image', image, '--cpus', '0.05', '--memory', '48m', '--json'], { timeout: 240_000 }),
      ),
    );
    for (const result of started) expect(result.exitCode, result.stderr).toBe(0);

    const pods = await fixture.core.listNamespacedPod({
      namespace: fixture.namespace,
      labelSelector: 'io.agentctl.managed=true',
    });
    expect(pods.items).toHaveLength(10);
    for (const pod of pods.items) {
      expect(pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status, pod.metadata?.name).toBe(
        'True',
      );
    }
    const listed = await cli(['ls', '--json']);
    expect(
      listed.json.agents.map((agent: { name: string; state: string }) => `${agent.name}:${agent.state}`).sort(),
    ).toEqual(names.map((name) => `${name}:running`).sort());

    // Each agent works in its own clone: a file written by one is not seen by another.
    await cli(['exec', 'many-0', '--', 'sh', '-c', 'echo mine > /workspace/only-here']);
    expect((await cli(['exec', 'many-1', '--', 'test', '-e', '/workspace/only-here'])).exitCode).toBe(1);

    const removed = await cli(['rm', '--force', '--volumes', ...names, '--json']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    await until(
      'every object of the 10 agents to go',
      async () => ((await fixture.leftovers()).length === 0 ? true : undefined),
      90_000,
    );
  });

  it('start --count 5 makes five agents in one command, each Running in its own clone', async () => {
    const started = await cli(
      ['start', 'counted', '--count', '5', '--image', image, '--cpus', '0.05', '--memory', '48m', '--json'],
      { timeout: 240_000 },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const names = Array.from({ length: 5 }, (_, index) => `counted-${index + 1}`);
    expect(started.json).toMatchObject({ ok: true, failed: [] });
    expect(started.json.agents.map((agent: { name: string }) => agent.name)).toEqual(names);
    const listed = await cli(['ls', '--json']);
    expect(
      listed.json.agents
        .filter((agent: { name: string }) => agent.name.startsWith('counted-'))
        .map((agent: { name: string; state: string }) => `${agent.name}:${agent.state}`)
        .sort(),
    ).toEqual(names.map((name) => `${name}:running`));
    const removed = await cli(['rm', '--force', '--volumes', ...names, '--json']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    await until(
      'every object of the counted agents to go',
      async () => ((await fixture.leftovers()).length === 0 ? true : undefined),
      90_000,
    );
  });

  it('logs: tail, since, several agents with prefixes, and follow across a restart', async () => {
    const loop = 'echo "boot-$(date +%s%N)"; i=0; while true; do echo "tick-$i"; i=$((i+1)); sleep 0.3; done';
    for (const name of ['talker', 'other']) {
      const started = await cli([
        'start',
        '--detach',
        name,
        '--image',
        image,
        '--cpus',
        '0.1',
        '--memory',
        '64m',
        '--',
        'sh',
        '-c',
        loop,
      ]);
      expect(started.exitCode, started.stderr).toBe(0);
    }
    await until(
      'a few ticks',
      async () => ((await cli(['logs', 'talker'])).stdout.includes('tick-3') ? true : undefined),
      30_000,
    );

    const tail = await cli(['logs', '--tail', '2', 'talker']);
    expect(tail.stdout.split('\n')).toHaveLength(2);
    expect(tail.stdout).toMatch(/^tick-\d+\ntick-\d+$/);
    const since = await cli(['logs', '--since', '1h', '--timestamps', 'talker']);
    expect(since.stdout.split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z boot-\d+$/);
    const both = await cli(['logs', 'talker', 'other']);
    expect(both.stdout).toMatch(/^talker \| tick-0$/m);
    expect(both.stdout).toMatch(/^other {2}\| tick-0$/m);

    // Follow, then restart the agent: the new Pod's output arrives on the same stream.
    const follow = execa(process.execPath, [BIN, 'logs', '--follow', 'talker'], {
      cwd: repo.checkout,
      env: { ...process.env, ...fixture.env, NO_COLOR: '1' },
      reject: false,
    });
    let seen = '';
    follow.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    await until(
      'the first boot in the followed logs',
      () => (seen.match(/boot-\d+/g)?.length === 1 ? true : undefined),
      30_000,
    );
    const restarted = await cli(['restart', 'talker']);
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    await until(
      'a second boot in the followed logs',
      () => ((seen.match(/boot-\d+/g) ?? []).length >= 2 ? true : undefined),
      60_000,
    );
    const boots = seen.match(/boot-\d+/g)!;
    expect(new Set(boots).size).toBe(boots.length);
    expect(seen.slice(seen.lastIndexOf('boot-'))).toMatch(/tick-0/);
    // Removing the agent ends the follow.
    expect((await cli(['rm', '--force', '--volumes', 'talker', 'other'])).exitCode).toBe(0);
    const ended = await follow;
    expect(ended.exitCode).toBe(0);
    await until('no object left', async () => ((await fixture.leftovers()).length === 0 ? true : undefined), 60_000);
  });
});
