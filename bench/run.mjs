// npm run bench — agentctl against the raw engine, in one run, on the same engine and image.
// Prints medians and ratios and writes bench/results/<engine>-<date-time>.json. No thresholds here are
// asserted in tests; targets are printed for reading.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, formatRow } from './measure.mjs';
import { lifecycleBenchmarks } from './lifecycle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = ['node', `${root}bin/agentctl.js`];
const engine = process.env.BENCH_ENGINE ?? 'docker';
const hosts = {
  docker: 'unix:///var/run/docker.sock',
  podman: `unix://${process.env.AGENTCTL_TEST_STATE ?? '/run/agentctl-test'}/podman.sock`,
};
const host = process.env.BENCH_HOST ?? hosts[engine];
const engineCli = ['docker', '-H', host];
const runs = Number(process.env.BENCH_RUNS ?? 9);
// agentctl finds Docker at its default socket by itself, as it does for most users: AGENTCTL_HOST is
// set only for another engine (or BENCH_HOST). HOME is an empty directory: no user config file.
const benchHome = mkdtempSync(join(tmpdir(), 'agentctl-bench-home-'));
const env = { HOME: benchHome, ...(engine === 'docker' && !process.env.BENCH_HOST ? {} : { AGENTCTL_HOST: host }) };
// BENCH_SECTIONS=startup,start,concurrent,count,logs,egress (default: all); BENCH_CONCURRENT=50; BENCH_RUNS,
// BENCH_CONCURRENT_RUNS, BENCH_LOG_RUNS: paired runs per section.
const sections = new Set((process.env.BENCH_SECTIONS ?? 'startup,start,concurrent,count,logs,egress').split(','));
const concurrentRuns = Number(process.env.BENCH_CONCURRENT_RUNS ?? 3);
// Reading 100 MB of logs takes ~20 s per run on a loaded machine: fewer runs by default.
const logRuns = Number(process.env.BENCH_LOG_RUNS ?? 5);

const results = [];
const report = (result, target) => {
  results.push({ ...result, target: target?.text, met: target ? target.check(result.ratioMedian) : undefined });
  console.log(formatRow(result, target));
};

console.log(`agentctl benchmark on ${engine} (${host}; engine CLI: docker -H ${host}), ${runs} paired runs, medians`);
if (sections.has('startup')) {
  const nodeBaseline = { label: 'node -e 0', command: ['node', '-e', '0'] };
  report(
    await compare(
      '--version vs node -e 0',
      { label: 'agentctl --version', command: [...bin, '--version'] },
      nodeBaseline,
      { runs },
    ),
    {
      text: '≤ 1.2×',
      check: (r) => r <= 1.2,
    },
  );
  report(
    await compare('--help vs node -e 0', { label: 'agentctl --help', command: [...bin, '--help'] }, nodeBaseline, {
      runs,
    }),
    {
      text: '≤ 1.2×',
      check: (r) => r <= 1.2,
    },
  );
  report(
    await compare(
      'ls --json vs node -e 0',
      { label: 'agentctl ls --json', command: [...bin, 'ls', '--json'], env },
      nodeBaseline,
      { runs },
    ),
    {
      text: '≤ 1.4×',
      check: (r) => r <= 1.4,
    },
  );
  report(
    await compare(
      'ls --json vs docker ps',
      { label: 'agentctl ls --json', command: [...bin, 'ls', '--json'], env },
      { label: 'docker ps', command: [...engineCli, 'ps', '--filter', 'label=io.agentctl.managed'] },
      { runs },
    ),
  );
}

const lifecycle = lifecycleBenchmarks({
  bin,
  engineCli,
  env,
  runs,
  concurrentRuns,
  logRuns,
  report,
  tag: `${engine.slice(0, 1)}${process.pid}`,
});
try {
  if (sections.has('start')) await lifecycle.single();
  if (sections.has('concurrent')) await lifecycle.concurrent(Number(process.env.BENCH_CONCURRENT ?? 50));
  if (sections.has('count')) await lifecycle.counted(Number(process.env.BENCH_CONCURRENT ?? 50));
  if (sections.has('logs')) await lifecycle.logs();
  if (sections.has('egress')) {
    // The gateway runs node: the test image with node (scripts/provision-test-engines.sh), in a
    // user config of the benchmark's own home; a gateway of the benchmark's own name.
    const engines = JSON.parse(
      readFileSync(`${process.env.AGENTCTL_TEST_STATE ?? '/run/agentctl-test'}/engines.json`, 'utf8'),
    );
    const gateway = `agentctl-bench-egw-${process.pid}`;
    mkdirSync(join(benchHome, '.config', 'agentctl'), { recursive: true });
    writeFileSync(
      join(benchHome, '.config', 'agentctl', 'config.json'),
      JSON.stringify({ egress: { gatewayImage: engines.nodeImage } }),
    );
    await lifecycle.egress({ gateway, egressEnv: { ...env, AGENTCTL_EGRESS_NAME: gateway } });
  }
} finally {
  lifecycle.dispose();
  rmSync(benchHome, { recursive: true, force: true });
}

mkdirSync(`${root}bench/results`, { recursive: true });
const stamp = new Date().toISOString().slice(0, 16).replace(/:/g, '');
const file = `${root}bench/results/${engine}-${stamp}.json`;
const when = new Date().toISOString();
writeFileSync(
  file,
  `${JSON.stringify({ engine, engineCli: 'docker -H <engine socket>', when, runs, concurrentRuns, logRuns, sections: [...sections], load: (await import('node:os')).loadavg(), node: process.version, results }, null, 2)}\n`,
);
console.log(`written: bench/results/${file.split('/').pop()}`);
