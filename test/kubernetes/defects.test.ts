import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterSuite } from '../helpers/cluster.js';
import { BIN } from '../helpers/run-cli.js';
import { until } from '../helpers/stream-agents.js';

// Issue 20's defects, each as a user meets it on the one-node test cluster (2 CPUs).
const { fixture, repo, cli: run, image } = clusterSuite('defects');
const small = ['--cpus', '0.05', '--memory', '48m'];
const cli = async (args: string[], options: Parameters<typeof fixture.cli>[1] = {}) => {
  const result = await run(args, options);
  return { ...result, stdout: result.stdout.replace(/\r/g, '') };
};
const gitEnv = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};

/** A user config whose state volumes ask for a storage class the cluster lacks: the claim never binds, the Pod stays Pending. */
function unbindableStorage(): Record<string, string> {
  const home = fixture.tempDir();
  mkdirSync(join(home, 'agentctl'));
  writeFileSync(
    join(home, 'agentctl', 'config.json'),
    JSON.stringify({ kubernetes: { storageClass: 'no-such-class' } }),
  );
  return { XDG_CONFIG_HOME: home };
}

/** `agentctl start` as a separate process (to signal), in the repository's checkout. */
function startInBackground(args: string[], env: Record<string, string>) {
  return execa(process.execPath, [BIN, ...args], {
    cwd: repo.checkout,
    env: { ...process.env, ...fixture.env, ...env, NO_COLOR: '1' },
    reject: false,
  });
}

async function podOf(name: string) {
  return fixture.core
    .readNamespacedPod({ name: `agentctl-${name}-0`, namespace: fixture.namespace })
    .catch(() => undefined);
}

describe('the Kubernetes backend: the defects of issue 20', () => {
  it('Ctrl-C and SIGTERM while the Pod waits stop the start at once and remove all it made', async () => {
    const env = unbindableStorage();
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const name = `abort-${signal.toLowerCase()}`;
      const start = startInBackground(
        ['start', name, '--image', image, ...small, '--wait-timeout', '5m', '--json'],
        env,
      );
      // The Pod exists and the scheduler has said why it waits: the start is inside its wait.
      await until(
        `the Pod of ${name} to be Pending`,
        async () =>
          (await podOf(name))?.status?.conditions?.some(
            (condition) => condition.type === 'PodScheduled' && condition.status === 'False',
          ),
        60_000,
      );
      start.kill(signal);
      const ended = await start;
      expect(ended.exitCode, ended.stderr).toBe(code);
      expect(JSON.parse(ended.stdout).error.code).toBe(signal === 'SIGINT' ? 'CANCELLED' : 'TERMINATED');
      // Nothing is left, at the moment the command has exited (not after a while).
      expect(await fixture.leftovers()).toEqual([]);
    }
  });

  it('--wait-timeout is honoured, and ls shows why a Pod waits', async () => {
    const env = unbindableStorage();
    const waiting = startInBackground(
      ['start', 'waits', '--image', image, ...small, '--wait-timeout', '5m', '--json'],
      env,
    );
    const listed = await until(
      'ls to give the reason',
      async () => {
        const result = await cli(['ls', '--all', '--json']);
        const agent = result.json?.agents?.find((item: { name: string }) => item.name === 'waits');
        return agent?.reason ? agent : undefined;
      },
      60_000,
    );
    expect(listed).toMatchObject({
      state: 'created',
      reason: expect.stringMatching(/^Unschedulable: .*unbound immediate PersistentVolumeClaims/),
    });
    const text = await cli(['ls', '--all']);
    expect(text.stdout).toMatch(/^waits\s+created \(Unschedulable\)\s/m);
    expect(text.stderr).toContain('waits: Unschedulable:');
    waiting.kill('SIGTERM');
    expect((await waiting).exitCode).toBe(143);

    const timedOut = await cli(['start', 'short', '--image', image, ...small, '--wait-timeout', '3s', '--json'], {
      env,
    });
    expect(timedOut.exitCode, timedOut.stderr).toBe(124);
    expect(timedOut.json.error).toMatchObject({
      code: 'POD_START_TIMEOUT',
      message: expect.stringMatching(/within 3 s .*unbound immediate PersistentVolumeClaims/),
      hint: expect.stringContaining('--wait-timeout'),
    });
    expect(await fixture.leftovers()).toEqual([]);
  });

  it("a Pod no node can run fails the start at once with the scheduler's reason (not after 5 minutes)", async () => {
    const result = await cli([
      'start',
      'toobig',
      '--image',
      image,
      '--cpus',
      // One more than the node has (the node is this machine: the test cluster, or kind in CI).
      String(availableParallelism() + 1),
      '--memory',
      '48m',
      '--wait-timeout',
      '10m',
      '--json',
    ]);
    expect(result.exitCode, result.stderr).toBe(5);
    expect(result.json.error).toMatchObject({
      code: 'POD_UNSCHEDULABLE',
      message: expect.stringContaining('Insufficient cpu'),
      hint: expect.stringContaining('--cpus'),
    });
    expect(result.json.error.details).toMatchObject({ agent: 'toobig', reason: 'Unschedulable' });
    expect(await fixture.leftovers()).toEqual([]);
  });

  it('a runtime class the cluster lacks is a usage error that says so, not a permission problem', async () => {
    const result = await cli(['start', 'rc', '--image', image, ...small, '--oci-runtime', 'no-such-runtime', '--json']);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.json.error).toMatchObject({
      code: 'OCI_RUNTIME_UNKNOWN',
      message: expect.stringContaining('RuntimeClass "no-such-runtime"'),
      hint: expect.stringContaining('kubectl get runtimeclass'),
    });
    expect(result.json.error.hint).not.toContain('permission');
    expect(await fixture.leftovers()).toEqual([]);
  });

  it('a full quota and an admission policy are named as such, not as missing permissions', async () => {
    const namespace = fixture.namespace;
    await fixture.core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'tiny' }, spec: { hard: { 'requests.cpu': '20m' } } },
    });
    try {
      // The quota controller fills in what is used first: until then admission refuses every Pod.
      await until(
        'the quota to be counted',
        async () =>
          (await fixture.core.readNamespacedResourceQuota({ name: 'tiny', namespace })).status?.used ? true : undefined,
        30_000,
      );
      const quota = await cli(['start', 'quota', '--image', image, ...small, '--json']);
      expect(quota.exitCode, quota.stderr).toBe(5);
      expect(quota.json.error).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        message: expect.stringContaining('exceeded quota: tiny'),
        hint: expect.stringContaining('describe resourcequota'),
      });
      expect(await fixture.leftovers()).toEqual([]);
    } finally {
      await fixture.core.deleteNamespacedResourceQuota({ name: 'tiny', namespace });
    }
    await fixture.core.createNamespacedLimitRange({
      namespace,
      body: { metadata: { name: 'small' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } },
    });
    try {
      const big = await cli(['start', 'limited', '--image', image, '--cpus', '1.5', '--memory', '48m', '--json']);
      expect(big.exitCode, big.stderr).toBe(5);
      expect(big.json.error).toMatchObject({
        code: 'KUBERNETES_REJECTED',
        message: expect.stringContaining('maximum cpu usage per Container is 1'),
      });
      expect(big.json.error.hint).not.toContain('permissions');
      expect(await fixture.leftovers()).toEqual([]);
    } finally {
      await fixture.core.deleteNamespacedLimitRange({ name: 'small', namespace });
    }
  });

  it('a checkout without a commit is a usage error', async () => {
    const empty = fixture.tempDir();
    await execa('git', ['init', '-q', '-b', 'main', empty]);
    await execa('git', ['-C', empty, 'remote', 'add', 'origin', repo.remote]);
    const result = await cli(['start', 'nocommit', '--image', image, ...small, '--json'], { cwd: empty });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.json.error).toMatchObject({ code: 'WORKSPACE_NO_COMMIT', hint: expect.stringContaining('git push') });
    expect(await fixture.leftovers()).toEqual([]);
  });

  it('ls --json gives each agent its own id, kept across stop and start, new for a new agent of the same name', async () => {
    const names = ['same-prefix-agent-a', 'same-prefix-agent-b'];
    const started = await Promise.all(
      names.map((name) => cli(['start', '--detach', name, '--image', image, ...small, '--json'])),
    );
    for (const result of started) expect(result.exitCode, result.stderr).toBe(0);
    const ids = async () =>
      Object.fromEntries(
        ((await cli(['ls', '--all', '--json'])).json.agents as Array<{ name: string; id: string }>).map((agent) => [
          agent.name,
          agent.id,
        ]),
      );
    const first = await ids();
    expect(first[names[0]!]).toMatch(/^[0-9a-f]{12}$/);
    expect(first[names[0]!]).not.toBe(first[names[1]!]);
    expect(started[0]!.json.agent.id.startsWith(first[names[0]!])).toBe(true);

    const stopped = await cli(['stop', names[0]!]);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    const again = await cli(['start', '--detach', names[0]!]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await ids())[names[0]!]).toBe(first[names[0]!]);

    expect((await cli(['rm', '--force', '--volumes', names[0]!])).exitCode).toBe(0);
    expect((await cli(['start', '--detach', names[0]!, '--image', image, ...small])).exitCode).toBe(0);
    expect((await ids())[names[0]!]).not.toBe(first[names[0]!]);
    expect((await cli(['rm', '--force', '--volumes', ...names])).exitCode).toBe(0);
    await until('no object left', async () => ((await fixture.leftovers()).length === 0 ? true : undefined), 60_000);
  });

  it("the agent's clone tracks its branch on origin: a plain git push works, and ls shows the branch", async () => {
    const name = 'pusher';
    expect((await cli(['start', '--detach', name, '--image', image, ...small])).exitCode).toBe(0);
    const listed = (await cli(['ls', '--json'])).json.agents.find((agent: { name: string }) => agent.name === name);
    expect(listed.branch).toBe('main');
    expect((await cli(['ls'])).stdout).toMatch(new RegExp(`^${name}\\s.*\\smain\\s`, 'm'));

    const upstream = await cli([
      'exec',
      name,
      '--',
      'git',
      '-C',
      '/workspace',
      'rev-parse',
      '--abbrev-ref',
      '--symbolic-full-name',
      '@{u}',
    ]);
    expect(upstream.stdout, upstream.stderr).toBe('origin/main');
    const pushed = await cli([
      'exec',
      name,
      '--',
      'sh',
      '-c',
      'cd /workspace && echo from-agent > agent.txt && git add agent.txt && git -c user.name=a -c user.email=a@example.com commit -q -m "from the agent" && git push -q && git rev-parse HEAD',
    ]);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const remote = await execa('git', ['-C', repo.checkout, 'ls-remote', 'origin', 'refs/heads/main'], { env: gitEnv });
    expect(remote.stdout.split('\t')[0]).toBe(pushed.stdout.trim());
    expect((await cli(['rm', '--force', '--volumes', name])).exitCode).toBe(0);
    await until('no object left', async () => ((await fixture.leftovers()).length === 0 ? true : undefined), 60_000);
  });

  it('logs --follow across a stop and a start carries only what the agent printed (no kubelet error)', async () => {
    const name = 'follow';
    const loop = 'echo "boot-$(date +%s%N)"; i=0; while true; do echo "tick-$i"; i=$((i+1)); sleep 0.2; done';
    expect((await cli(['start', '--detach', name, '--image', image, ...small, '--', 'sh', '-c', loop])).exitCode).toBe(
      0,
    );
    const follow = execa(process.execPath, [BIN, 'logs', '--follow', name], {
      cwd: repo.checkout,
      env: { ...process.env, ...fixture.env, NO_COLOR: '1' },
      reject: false,
    });
    let seen = '';
    follow.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    await until('the first boot', () => (seen.includes('tick-2') ? true : undefined), 30_000);
    // A short grace period: the kubelet removes the container while the log stream is still open.
    expect((await cli(['stop', '--timeout', '1', name])).exitCode).toBe(0);
    expect((await cli(['start', '--detach', name])).exitCode).toBe(0);
    await until('the second boot', () => ((seen.match(/boot-\d+/g) ?? []).length >= 2 ? true : undefined), 60_000);
    expect((await cli(['rm', '--force', '--volumes', name])).exitCode).toBe(0);
    const ended = await follow;
    expect(ended.exitCode).toBe(0);
    expect(seen, seen.slice(-400)).not.toContain('rpc error');
    // Every line is one the agent printed.
    for (const line of seen.replace(/\r/g, '').split('\n').filter(Boolean))
      expect(line).toMatch(/^(boot-\d+|tick-\d+)$/);
    await until('no object left', async () => ((await fixture.leftovers()).length === 0 ? true : undefined), 60_000);
  });
});
