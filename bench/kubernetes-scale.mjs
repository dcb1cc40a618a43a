// The 50-agent part of `npm run bench:kubernetes` (issue 20's goal): `agentctl start --count N`
// against one `kubectl apply` of N equivalent Pods (same image, command, limits, user), one after
// the other in the same run on the same cluster (the node cannot hold both at once), each timed
// until every Pod runs; then `agentctl ls --json` of the N agents against `kubectl get pods` of
// them. agentctl makes more per agent than the bare Pods: a ConfigMap (the record), a claim, a
// StatefulSet, and two init steps (the state volume's owner, the clone of the workspace).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sh = (command, args, options = {}) => execFileSync(command, args, { encoding: 'utf8', ...options });

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A pushed checkout the cluster can clone: a git daemon on the node's address (the test cluster). */
export async function benchWorkspace(nodeIp) {
  const base = mkdtempSync(join(tmpdir(), 'agentctl-bench-git-'));
  const port = await freePort();
  sh('git', ['init', '-q', '--bare', join(base, 'repo.git')]);
  const daemon = spawn(
    'git',
    ['daemon', '--reuseaddr', '--export-all', `--base-path=${base}`, `--listen=${nodeIp}`, `--port=${port}`, base],
    { stdio: 'ignore' },
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const checkout = join(base, 'checkout');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@example.com',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@example.com',
  };
  sh('git', ['init', '-q', '-b', 'main', checkout], { env });
  writeFileSync(join(checkout, 'README.md'), '# bench\n');
  sh('git', ['-C', checkout, 'add', '.'], { env });
  sh('git', ['-C', checkout, 'commit', '-q', '-m', 'bench'], { env });
  sh('git', ['-C', checkout, 'remote', 'add', 'origin', `git://${nodeIp}:${port}/repo.git`], { env });
  // git daemon refuses pushes by default: the bare repository is filled from the file system.
  sh('git', ['-C', checkout, 'push', '-q', join(base, 'repo.git'), 'main'], { env });
  sh('git', ['-C', checkout, 'fetch', '-q', 'origin'], { env });
  return {
    checkout,
    close() {
      daemon.kill();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** N Pods as a List, equivalent to N agents' (image, command, limits = requests, non-root user). */
function rawPods(count, image, cpus, memoryBytes) {
  const items = Array.from({ length: count }, (_, index) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `raw-${index + 1}`, labels: { bench: 'raw' } },
    spec: {
      restartPolicy: 'Always',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      securityContext: {
        runAsUser: 1000,
        runAsGroup: 1000,
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'agent',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', '3600'],
          resources: {
            limits: { cpu: `${Math.round(cpus * 1000)}m`, memory: String(memoryBytes) },
            requests: { cpu: `${Math.round(cpus * 1000)}m`, memory: String(memoryBytes) },
          },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  }));
  return { apiVersion: 'v1', kind: 'List', items };
}

const seconds = (since) => Number(process.hrtime.bigint() - since) / 1e9;

/**
 * Runs the scale comparison; returns rows for the report. `kubectl(...args)` is argv for the
 * namespace, `agentctl` argv of the CLI, `env` agentctl's environment.
 */
export async function scaleComparison({ count, image, kubectl, agentctl, env, nodeIp, compare }) {
  const cpus = 0.02;
  const memory = 64 * 1024 * 1024;
  const rows = [];
  const manifest = join(mkdtempSync(join(tmpdir(), 'agentctl-bench-')), 'pods.json');
  writeFileSync(manifest, JSON.stringify(rawPods(count, image, cpus, memory)));
  const [kc, ...kargs] = kubectl();

  let started = process.hrtime.bigint();
  sh(kc, [...kargs, 'apply', '-f', manifest], { stdio: 'ignore' });
  sh(kc, [...kargs, 'wait', '--for=condition=Ready', 'pod', '-l', 'bench=raw', '--timeout=900s'], { stdio: 'ignore' });
  const raw = seconds(started);
  sh(kc, [...kargs, 'delete', 'pod', '-l', 'bench=raw', '--wait=true', '--timeout=600s'], { stdio: 'ignore' });

  const workspace = await benchWorkspace(nodeIp);
  try {
    started = process.hrtime.bigint();
    const [node, ...cli] = agentctl;
    sh(
      node,
      [
        ...cli,
        'start',
        'bench',
        '--count',
        String(count),
        '--image',
        image,
        '--cpus',
        String(cpus),
        '--memory',
        '64m',
        '--wait-timeout',
        '15m',
        '--json',
        '--',
        'sleep',
        '3600',
      ],
      { cwd: workspace.checkout, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const agents = seconds(started);
    rows.push({
      name: `${count} agents Running: start --count ${count} vs kubectl apply of ${count} Pods`,
      a: { label: `agentctl start --count ${count}`, wall: agents },
      b: { label: `kubectl apply + wait (${count} Pods)`, wall: raw },
      ratio: agents / raw,
    });
    rows.push(
      await compare(
        `ls of ${count} agents vs kubectl get pods`,
        { label: 'agentctl ls --json', command: [...agentctl, 'ls', '--json'], env },
        {
          label: 'kubectl get pods -o json',
          command: kubectl('get', 'pods', '-l', 'io.agentctl.managed=true', '-o', 'json'),
        },
        { runs: 5 },
      ),
    );
    sh(node, [...cli, 'rm', '--force', '--volumes', ...Array.from({ length: count }, (_, i) => `bench-${i + 1}`)], {
      cwd: workspace.checkout,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
  } finally {
    workspace.close();
  }
  return rows;
}
