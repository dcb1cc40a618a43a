import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterSuite } from '../helpers/cluster.js';
import { tmuxAgentctl, until } from '../helpers/stream-agents.js';

const {
  fixture,
  repo,
  cli: run,
  image,
} = clusterSuite('life', { 'README.md': '# project\n', 'hello.txt': 'hello from the host\n' });
const SECRET = `s3cr3t-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 24)}`;
const small = ['--cpus', '0.2', '--memory', '128m'];
const sessions: Array<{ kill: () => Promise<unknown> }> = [];
afterAll(async () => {
  for (const session of sessions) await session.kill();
});

/** Every output of every command run in this file, to look for the secret in. */
const outputs: string[] = [];
async function cli(args: string[], options: Parameters<typeof fixture.cli>[1] = {}) {
  const result = await run(args, options);
  outputs.push(result.stdout, result.stderr);
  return result;
}

describe('the Kubernetes backend: an agent from start to rm on a real cluster', () => {
  const name = 'life';

  it('starts a hardened Pod with its limits, a clone of the workspace and a secret as a file', async () => {
    const started = await cli(['start', name, '--image', image, ...small, '--secret', 'AGENT_TOKEN', '--json'], {
      env: { AGENT_TOKEN: SECRET },
    });
    expect(started.stderr).not.toContain(SECRET);
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.json).toMatchObject({ ok: true, agent: { name, container: `agentctl-${name}`, resumed: false } });

    const pod = await fixture.core.readNamespacedPod({ name: `agentctl-${name}-0`, namespace: fixture.namespace });
    const podText = JSON.stringify(pod);
    expect(podText).not.toContain(SECRET);
    expect(pod.metadata?.labels).toMatchObject({
      'io.agentctl.managed': 'true',
      'io.agentctl.agent': name,
      'io.agentctl.kind': 'agent',
    });
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
    const agent = pod.spec!.containers[0]!;
    expect(agent.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(agent.resources).toEqual({
      limits: { cpu: '200m', memory: String(128 * 1024 * 1024) },
      requests: { cpu: '200m', memory: String(128 * 1024 * 1024) },
    });
    expect(agent.env?.find((entry) => entry.name === 'AGENT_TOKEN')).toBeUndefined();
    expect(agent.env).toContainEqual({ name: 'AGENT_TOKEN_FILE', value: '/run/secrets/AGENT_TOKEN' });
    expect(pod.spec?.volumes?.find((volume) => volume.secret)?.secret?.secretName).toBe(`agentctl-${name}-secrets`);
    expect(pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).toBe('True');

    // The process itself: no capabilities, no new privileges, not root.
    const status = await cli([
      'exec',
      name,
      '--',
      'sh',
      '-c',
      'id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status',
    ]);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^1000$/m);
    expect(status.stdout).toMatch(/CapEff:\s+0+$/m);
    expect(status.stdout).toMatch(/NoNewPrivs:\s+1$/m);

    // The workspace is a clone of the pushed commit, on the branch checked out on the host.
    const workspace = await cli([
      'exec',
      name,
      '--',
      'sh',
      '-c',
      'cd /workspace && git rev-parse HEAD && git symbolic-ref --short HEAD && cat hello.txt && pwd',
    ]);
    expect(workspace.exitCode, workspace.stderr).toBe(0);
    expect(workspace.stdout.split('\n')).toEqual([repo.commit, 'main', 'hello from the host', '/workspace']);

    // The secret is a file the agent can read (compared by hash: its value is never printed).
    const digest = createHash('sha256').update(SECRET).digest('hex');
    const secret = await cli([
      'exec',
      name,
      '--',
      'sh',
      '-c',
      'sha256sum < "$AGENT_TOKEN_FILE" | cut -d" " -f1; env | grep -c s3cr3t || true',
    ]);
    expect(secret.stdout.split('\n')).toEqual([digest, '0']);
  });

  it('lists the agent with its state and limits, in text and --json', async () => {
    const listed = await cli(['ls', '--json']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.json.agents).toEqual([
      expect.objectContaining({
        name,
        state: 'running',
        container: `agentctl-${name}`,
        image,
        limits: { cpus: 0.2, memory: 128 * 1024 * 1024, pidsLimit: null, enforced: true },
      }),
    ]);
    const text = await cli(['ls']);
    expect(text.stdout).toMatch(new RegExp(`^${name}\\s+running\\s`, 'm'));
  });

  it('passes exec exit codes through and runs in a real terminal (TTY, resize, detach)', async () => {
    expect((await cli(['exec', name, '--', 'sh', '-c', 'exit 3'])).exitCode).toBe(3);
    expect((await cli(['exec', name, '--', 'no-such-program'])).exitCode).toBe(127);
    // Kubernetes 1.20 speaks the v4 stream protocol, which cannot tell the end of stdin: the
    // command reads what it needs (one line) rather than up to the end.
    const piped = await cli(['exec', '-i', name, '--', 'sh', '-c', 'head -n 1 | tr a-z A-Z'], {
      input: 'piped input\n',
    });
    expect(piped.stdout).toBe('PIPED INPUT');

    const dir = fixture.tempDir();
    const shell = await tmuxAgentctl(dir, { globals: [], env: fixture.env }, ['shell', name]);
    sessions.push(shell);
    await shell.send('echo "tty-$(tty | cut -c1-8) size-$(stty size | tr " " x)"', 'Enter');
    await shell.waitFor(/tty-\/dev\/pts size-24x80/);
    await shell.resize(100, 30);
    // The kubelet applies a resize (its own channel) apart from the input: a command typed at once
    // may still see the old size, so it is asked again until the new size shows (or time runs out).
    await until('the resized terminal (30x100) in the Pod', async () => {
      await shell.send('echo "resized-$(stty size | tr " " x)"', 'Enter');
      await new Promise((resolve) => setTimeout(resolve, 700));
      return /resized-30x100/.test(await shell.capture()) || undefined;
    });
    await shell.send('exit 4', 'Enter');
    expect(await shell.exitCode()).toBe(4);

    const attach = await tmuxAgentctl(dir, { globals: [], env: fixture.env }, ['attach', name]);
    sessions.push(attach);
    await attach.send('echo attached-$((6*7))', 'Enter');
    await attach.waitFor(/attached-42/);
    // The default detach key (ctrl-\\, docs/user-guide.md) detaches from a Pod as from a container.
    await attach.send('C-\\');
    expect(await attach.exitCode()).toBe(0);
    const still = await cli(['ls', '--json']);
    expect(still.json.agents[0].state).toBe('running');
  });

  it('stop deletes the Pod and keeps the state volume; start brings the agent back with its work', async () => {
    expect(
      (
        await cli([
          'exec',
          name,
          '--',
          'sh',
          '-c',
          'echo work > /workspace/uncommitted.txt && echo state > ~/state.txt',
        ])
      ).exitCode,
    ).toBe(0);
    const stopped = await cli(['stop', name, '--json']);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    await expect(
      fixture.core.readNamespacedPod({ name: `agentctl-${name}-0`, namespace: fixture.namespace }),
    ).rejects.toMatchObject({ code: 404 });
    // The stopped agent's StatefulSet is kept, scaled to 0.
    expect(await fixture.leftovers()).toEqual([
      `configmap/agentctl-${name}`,
      `pvc/agentctl-${name}-home`,
      `secret/agentctl-${name}-secrets`,
      `statefulset/agentctl-${name}`,
    ]);
    const all = await cli(['ls', '--all', '--json']);
    expect(all.json.agents).toEqual([expect.objectContaining({ name, state: 'exited' })]);
    expect((await cli(['ls', '--json'])).json.agents).toEqual([]);

    const again = await cli(['start', name, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json.agent.resumed).toBe(true);
    const kept = await cli([
      'exec',
      name,
      '--',
      'sh',
      '-c',
      'cat /workspace/uncommitted.txt ~/state.txt; sha256sum < "$AGENT_TOKEN_FILE" | cut -c1-8',
    ]);
    expect(kept.stdout.split('\n')).toEqual([
      'work',
      'state',
      createHash('sha256').update(SECRET).digest('hex').slice(0, 8),
    ]);
  });

  it('doctor checks the cluster, the namespace, the permissions agentctl needs and whether the nodes hold an agent of the defaults', async () => {
    const doctor = await cli(['doctor', '--json'], {
      env: { AGENTCTL_IMAGE_REPOSITORY: 'agentctl-test/busybox', AGENTCTL_IMAGE_TAG: '1.0.0' },
    });
    const checks = Object.fromEntries(
      (doctor.json.checks as Array<{ id: string; status: string; message: string }>).map((check) => [check.id, check]),
    );
    expect(checks.engine).toMatchObject({ status: 'ok', message: expect.stringMatching(/^kubernetes 1\.\d+\.\d+/) });
    expect(checks.namespace).toMatchObject({ status: 'ok', message: expect.stringContaining(fixture.namespace) });
    expect(checks.permissions).toMatchObject({ status: 'ok', message: expect.stringMatching(/^all \d+ verbs/) });
    expect(checks.image).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('agentctl-test/busybox:1.0.0'),
    });
    // The node's allocatable resources against an agent of the defaults (2 CPUs, 4g): it holds one.
    expect(checks.capacity).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(
        /^\d+ agents? of the defaults \(2 CPUs, 4\.0 GiB\) fits? in the allocatable resources of 1 node/,
      ),
    });
    // Defaults no node can hold: said before any start stays Pending.
    const huge = await cli(['doctor', '--json'], {
      env: { AGENTCTL_CPUS: '512', AGENTCTL_IMAGE_REPOSITORY: 'agentctl-test/busybox', AGENTCTL_IMAGE_TAG: '1.0.0' },
    });
    expect(huge.json.checks.find((check: { id: string }) => check.id === 'capacity')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('no node can hold an agent of the defaults (512 CPUs'),
      fix: expect.stringContaining('kubernetes.requests'),
    });

    const missing = await cli(['doctor', '--json', '--namespace', 'no-such-namespace']);
    expect(missing.exitCode).toBe(10);
    expect(missing.json.checks.find((check: { id: string }) => check.id === 'namespace')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('kubectl create namespace no-such-namespace'),
    });
  });

  it('rm deletes every object agentctl made for the agent, and no output ever held the secret', async () => {
    const removed = await cli(['rm', '--force', '--volumes', name, '--json']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    await until(
      'the state volume claim to go',
      async () => ((await fixture.leftovers()).length === 0 ? true : undefined),
      60_000,
    );
    expect(outputs.join('\n')).not.toContain(SECRET);
  });
});
