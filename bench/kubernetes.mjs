// npm run bench:kubernetes — agentctl's Kubernetes backend against kubectl, in one run, on the same
// cluster (the test cluster of scripts/provision-test-cluster.sh unless KUBECONFIG says otherwise).
// Prints medians and ratios and writes bench/results/kubernetes-<date-time>.json. No thresholds are
// asserted; kubectl (a Go binary) is the raw client here as the docker CLI is for the engines.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { compare, formatRow } from './measure.mjs';
import { scaleComparison } from './kubernetes-scale.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const state = process.env.AGENTCTL_TEST_STATE ?? '/run/agentctl-test';
const cluster = process.env.KUBECONFIG ? undefined : JSON.parse(readFileSync(`${state}/cluster.json`, 'utf8'));
const kubeconfig = process.env.KUBECONFIG ?? cluster.kubeconfig;
// BENCH_COUNT=0 skips the many-agent comparison; it needs the test cluster (its git remote on the node's address).
const count = Number(process.env.BENCH_COUNT ?? 50);
const namespace = process.env.BENCH_NAMESPACE ?? `agentctl-bench-${process.pid}`;
const runs = Number(process.env.BENCH_RUNS ?? 9);
const env = { KUBECONFIG: kubeconfig, AGENTCTL_BACKEND: 'kubernetes', AGENTCTL_NAMESPACE: namespace };
const kubectl = (...args) => ['kubectl', '--kubeconfig', kubeconfig, '-n', namespace, ...args];
const bin = ['node', `${root}bin/agentctl.js`];

const results = [];
const report = (result) => {
  results.push(result);
  console.log(formatRow(result));
};

console.log(`agentctl (--backend kubernetes) against kubectl, namespace ${namespace}, ${runs} paired runs, medians`);
execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'create', 'namespace', namespace], { stdio: 'ignore' });
try {
  report(
    await compare(
      'ls --json vs kubectl get',
      { label: 'agentctl ls --json', command: [...bin, 'ls', '--json'], env },
      {
        label: 'kubectl get cm,pods -o json',
        command: kubectl('get', 'configmaps,pods', '-l', 'io.agentctl.managed=true', '-o', 'json'),
      },
      { runs },
    ),
  );
  report(
    await compare(
      'doctor vs kubectl auth can-i',
      {
        label: 'agentctl doctor --json',
        command: [...bin, 'doctor', '--json'],
        env: { ...env, AGENTCTL_IMAGE_REPOSITORY: 'agentctl-test/busybox', AGENTCTL_IMAGE_TAG: '1.0.0' },
      },
      { label: 'kubectl auth can-i create pods', command: kubectl('auth', 'can-i', 'create', 'pods') },
      { runs },
    ),
  );
  if (count > 0) {
    if (!cluster)
      throw new Error('the many-agent comparison runs on the test cluster: unset KUBECONFIG, or BENCH_COUNT=0');
    const rows = await scaleComparison({
      count,
      image: cluster.gitImage,
      kubectl: (...args) => kubectl(...args),
      agentctl: bin,
      env,
      nodeIp: cluster.nodeIp,
      compare,
    });
    for (const row of rows) {
      if (row.ratioMedian !== undefined) report(row);
      else {
        results.push(row);
        console.log(`${row.name}: ${row.a.wall.toFixed(1)} s vs ${row.b.wall.toFixed(1)} s (${row.ratio.toFixed(2)}×)`);
      }
    }
  }
} finally {
  execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'delete', 'namespace', namespace, '--wait=false'], {
    stdio: 'ignore',
  });
}

mkdirSync(`${root}bench/results`, { recursive: true });
const stamp = new Date().toISOString().slice(0, 16).replace(/:/g, '');
const file = `${root}bench/results/kubernetes-${stamp}.json`;
writeFileSync(
  file,
  `${JSON.stringify({ backend: 'kubernetes', rawClient: 'kubectl', when: new Date().toISOString(), runs, load: loadavg(), node: process.version, results }, null, 2)}\n`,
);
console.log(`written: bench/results/${file.split('/').pop()}`);
