// The lifecycle sections of the benchmark: `agentctl start -d` against `docker run -d` with the
// same mounts, limits and labels; 50 concurrent starts, then 50 removed; `logs` of 100 MB.
// Setup and cleanup run outside the timed region. The engine CLI is the docker client pointed at
// the engine under test (for Podman: at its Docker-compatible API socket), so both sides talk the
// same API to the same engine.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compare, median, side as summary, timeOnce } from './measure.mjs';

const exec = promisify(execFile);
export const IMAGE = 'agentctl-test/busybox:1.0.0';
const LOG_BYTES = 100 * 1024 * 1024;

/**
 * `docker run -d` flags equal to what `agentctl start NAME -d -- sleep 600` asks the engine for
 * (with `readOnly`: what `--read-only` asks for), its bounded log included.
 */
export function dockerRunArgs(name, workspace, { readOnly = false } = {}) {
  const git = {
    GIT_AUTHOR_NAME: `agentctl agent ${name}`,
    GIT_AUTHOR_EMAIL: `${name}@agents.agentctl.invalid`,
    GIT_COMMITTER_NAME: `agentctl agent ${name}`,
    GIT_COMMITTER_EMAIL: `${name}@agents.agentctl.invalid`,
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'gc.worktreePruneExpire',
    GIT_CONFIG_VALUE_0: 'never',
    GIT_CONFIG_KEY_1: 'safe.directory',
    GIT_CONFIG_VALUE_1: '*',
    HOME: '/home/agent',
    AGENTCTL_AGENT: name,
  };
  const labels = {
    'io.agentctl.managed': 'true',
    'io.agentctl.kind': 'agent',
    'io.agentctl.agent': name,
    'io.agentctl.workspace': workspace,
    'io.agentctl.image': IMAGE,
    'io.agentctl.image-source': 'local',
    'io.agentctl.version': '0.1.0',
    'io.agentctl.read-only': String(readOnly),
  };
  return [
    'run',
    '-d',
    '-t',
    '-i',
    '--name',
    `agentctl-${name}`,
    '-v',
    `${workspace}:/workspace:${readOnly ? 'ro' : 'rw'}`,
    '-v',
    `agentctl-${name}-home:/home/agent:rw`,
    '--user',
    '1000:1000',
    '-w',
    '/workspace',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--cpus',
    '2',
    '--memory',
    '4g',
    '--memory-swap',
    '4g',
    '--pids-limit',
    '512',
    // resources.logSize (20m), 5 files.
    '--log-opt',
    `max-size=${20 * 1024 * 1024}`,
    '--log-opt',
    'max-file=5',
    ...Object.entries(git).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    IMAGE,
    'sleep',
    '600',
  ];
}

export function lifecycleBenchmarks({ bin, engineCli, env, runs, concurrentRuns, logRuns = runs, report, tag }) {
  // One workspace per agent: agentctl refuses a second writing agent on the same directory.
  const root = mkdtempSync(join(tmpdir(), 'agentctl-bench-ws-'));
  const workspaceOf = (name) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const cli = (args, options = {}) =>
    exec(engineCli[0], [...engineCli.slice(1), ...args], { maxBuffer: 1 << 24, ...options });
  let counter = 0;
  const fresh = (side) => `bench-${tag}-${side}-${(counter += 1)}`;
  /** Removes containers and their home volumes (outside the timed region). */
  const cleanUp = async (names) => {
    if (names.length === 0) return;
    await cli(['rm', '-f', ...names.map((n) => `agentctl-${n}`)]).catch(() => undefined);
    await cli(['volume', 'rm', '-f', ...names.map((n) => `agentctl-${n}-home`)]).catch(() => undefined);
  };
  const startAgentctl = (name) =>
    timeOnce([...bin, 'start', name, '-d', '--image', IMAGE, '--', 'sleep', '600'], { env, cwd: workspaceOf(name) });
  const runDocker = (name) => timeOnce([...engineCli, ...dockerRunArgs(name, workspaceOf(name))]);

  async function single() {
    let name;
    const side = (label, starter) => ({
      label,
      before: async () => {
        name = fresh(label === 'docker run -d' ? 'd' : 'a');
      },
      run: async () => {
        const result = await starter(name);
        if (result.code !== 0) throw new Error(`${label} exited ${result.code}: ${result.stderr}`);
        return { peakKiB: result.peakKiB, cpu: result.cpu };
      },
      after: () => cleanUp([name]),
    });
    report(
      await compare(
        'start -d vs docker run -d',
        side('agentctl start -d', startAgentctl),
        side('docker run -d', runDocker),
        { runs },
      ),
      {
        text: '≤ 1.2×',
        check: (r) => r <= 1.2,
      },
    );
  }

  async function concurrent(count = 50) {
    const starts = [];
    const removes = [];
    for (let i = 0; i < concurrentRuns; i += 1) {
      for (const [label, starter, remover] of [
        ['agentctl', startAgentctl, (names) => timeOnce([...bin, 'rm', '-f', ...names], { env })],
        ['docker', runDocker, (names) => timeOnce([...engineCli, 'rm', '-f', ...names.map((n) => `agentctl-${n}`)])],
      ]) {
        const names = Array.from({ length: count }, () => fresh(`${label[0]}${count}`));
        try {
          const t0 = process.hrtime.bigint();
          const results = await Promise.all(names.map((name) => starter(name)));
          const wall = Number(process.hrtime.bigint() - t0) / 1e9;
          const failed = results.filter((r) => r.code !== 0);
          if (failed.length > 0)
            throw new Error(`${label}: ${failed.length} of ${count} starts failed: ${failed[0].stderr}`);
          // Peak: the largest of the 50 processes; CPU: all 50 together.
          const peakKiB = Math.max(...results.map((r) => r.peakKiB));
          const cpu = results.reduce((sum, r) => sum + r.cpu, 0);
          starts.push({ label, wall, cpu, peakKiB });
          const removed = await remover(names);
          if (removed.code !== 0) throw new Error(`${label} rm: ${removed.stderr}`);
          removes.push({ label, wall: removed.wall, cpu: removed.cpu, peakKiB: removed.peakKiB });
        } finally {
          await cleanUp(names);
        }
      }
    }
    const summarize = (name, rows, target) => {
      const a = rows.filter((r) => r.label === 'agentctl');
      const b = rows.filter((r) => r.label === 'docker');
      const ratios = a.map((r, i) => r.wall / b[i].wall);
      report(
        {
          name,
          a: summary(`agentctl ×${count}`, a),
          b: summary(`docker ×${count}`, b),
          ratioMedian: median(ratios),
          ratioOfFastest: Math.min(...a.map((r) => r.wall)) / Math.min(...b.map((r) => r.wall)),
          ratioMin: Math.min(...ratios),
          ratioMax: Math.max(...ratios),
          runs: concurrentRuns,
        },
        target,
      );
    };
    summarize(`${count} concurrent start vs run -d`, starts, { text: '≤ 1.5×', check: (r) => r <= 1.5 });
    summarize(`rm -f ${count} vs docker rm -f ${count}`, removes, { text: '≤ 1.1×', check: (r) => r <= 1.1 });
  }

  /**
   * `start NAME --count N` (one agentctl process) against N concurrent `docker run -d`: the agents
   * share one workspace read-only (N writing agents need N worktrees, which docker run has no
   * counterpart for), so both sides mount it read-only.
   */
  async function counted(count = 50) {
    const rows = [];
    for (let i = 0; i < concurrentRuns; i += 1) {
      const base = fresh(`c${count}`);
      const names = Array.from({ length: count }, (_, index) => `${base}-${index + 1}`);
      const shared = workspaceOf(base);
      try {
        const result = await timeOnce(
          [
            ...bin,
            'start',
            base,
            '--count',
            String(count),
            '-d',
            '--read-only',
            '--image',
            IMAGE,
            '--',
            'sleep',
            '600',
          ],
          { env, cwd: shared },
        );
        if (result.code !== 0) throw new Error(`start --count ${count}: ${result.stderr}`);
        rows.push({ label: 'agentctl', wall: result.wall, cpu: result.cpu, peakKiB: result.peakKiB });
      } finally {
        await cleanUp(names);
      }
      const dockerNames = Array.from({ length: count }, () => fresh(`r${count}`));
      try {
        const t0 = process.hrtime.bigint();
        const results = await Promise.all(
          dockerNames.map((name) => timeOnce([...engineCli, ...dockerRunArgs(name, shared, { readOnly: true })])),
        );
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        const failed = results.filter((r) => r.code !== 0);
        if (failed.length > 0) throw new Error(`docker: ${failed.length} of ${count} runs failed: ${failed[0].stderr}`);
        rows.push({
          label: 'docker',
          wall,
          cpu: results.reduce((sum, r) => sum + r.cpu, 0),
          peakKiB: Math.max(...results.map((r) => r.peakKiB)),
        });
      } finally {
        await cleanUp(dockerNames);
      }
    }
    const a = rows.filter((r) => r.label === 'agentctl');
    const b = rows.filter((r) => r.label === 'docker');
    const ratios = a.map((r, i) => r.wall / b[i].wall);
    report(
      {
        name: `start --count ${count} (one process) vs ${count} concurrent run -d`,
        a: summary(`agentctl start --count ${count}`, a),
        b: summary(`docker ×${count}`, b),
        ratioMedian: median(ratios),
        ratioOfFastest: Math.min(...a.map((r) => r.wall)) / Math.min(...b.map((r) => r.wall)),
        ratioMin: Math.min(...ratios),
        ratioMax: Math.max(...ratios),
        runs: concurrentRuns,
      },
      { text: '≤ 1.0×', check: (r) => r <= 1.0 },
    );
  }

  async function logs() {
    const name = fresh('logs');
    const line = '0123456789abcdef'.repeat(4).slice(0, 63);
    // Agents run with a TTY: the engine stores the output raw (\n becomes \r\n), ~101.6 MB.
    // The agent marks the end in its workspace (a host directory): `logs --tail 1` is no use to
    // wait with, as Podman 4 answers it with far more than one line for a TTY container.
    const workspace = workspaceOf(name);
    chmodSync(workspace, 0o777);
    const script = `yes ${line} | head -c ${LOG_BYTES}; echo; echo BENCH-LOG-DONE; touch /workspace/.done; sleep 3600`;
    // A log of its own size (the default resources.logSize keeps 100 MiB on Docker, 20 MiB on Podman).
    const started = await timeOnce([...bin, 'start', name, '-d', '--image', IMAGE, '--', 'sh', '-c', script], {
      env: { ...env, AGENTCTL_LOG_SIZE: '1g' },
      cwd: workspace,
    });
    if (started.code !== 0) throw new Error(`logs setup: ${started.stderr}`);
    try {
      for (let i = 0; !existsSync(join(workspace, '.done')); i += 1) {
        if (i > 1200) throw new Error('logs setup: the container did not finish writing');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      // Both print the same bytes (checked once, not timed).
      const count = async (argv, options) =>
        (
          await exec('sh', ['-c', `"$@" | wc -c`, 'sh', ...argv], { env: { ...process.env, ...options?.env } })
        ).stdout.trim();
      const sizes = [
        await count([...bin, 'logs', name], { env }),
        await count([...engineCli, 'logs', `agentctl-${name}`]),
      ];
      const result = await compare(
        'logs 100 MB vs docker logs',
        { label: 'agentctl logs', command: [...bin, 'logs', name], env },
        { label: 'docker logs', command: [...engineCli, 'logs', `agentctl-${name}`] },
        { runs: logRuns },
      );
      // Throughput ratio = docker's wall / agentctl's wall (the same bytes).
      report(
        { ...result, throughput: { ratioMedian: 1 / result.ratioMedian, bytes: sizes } },
        { text: 'throughput ≥ 1.0× (wall ≤ 1.0×)', check: (r) => 1 / r >= 1.0 },
      );
    } finally {
      await cleanUp([name]);
    }
  }

  /**
   * `start -d --egress allowlist` against `start -d` (both agentctl, same image): what the egress
   * gateway costs each start (its CA, registration and network), the gateway made before timing.
   */
  async function egress({ gateway, egressEnv }) {
    const allow = (name) =>
      timeOnce(
        [
          ...bin,
          'start',
          name,
          '-d',
          '--image',
          IMAGE,
          '--egress',
          'allowlist',
          '--allow',
          'example.com',
          '--',
          'sleep',
          '600',
        ],
        {
          env: egressEnv,
          cwd: workspaceOf(name),
        },
      );
    const open = (name) =>
      timeOnce([...bin, 'start', name, '-d', '--image', IMAGE, '--', 'sleep', '600'], {
        env: egressEnv,
        cwd: workspaceOf(name),
      });
    const warm = fresh('egw');
    const first = await allow(warm);
    if (first.code !== 0) throw new Error(`egress setup: ${first.stderr}`);
    console.log(`  (the first allowlist start made the gateway ${gateway}: ${Math.round(first.wall * 1000)} ms)`);
    await exec(bin[0], [...bin.slice(1), 'rm', '-f', warm], { env: { ...process.env, ...egressEnv } }).catch(
      () => undefined,
    );
    let name;
    const side = (label, starter) => ({
      label,
      before: async () => {
        name = fresh(label.includes('allowlist') ? 'al' : 'op');
      },
      run: async () => {
        const result = await starter(name);
        if (result.code !== 0) throw new Error(`${label} exited ${result.code}: ${result.stderr}`);
        return { peakKiB: result.peakKiB, cpu: result.cpu };
      },
      // rm through agentctl: the allowlist agent's registration leaves the gateway.
      after: () =>
        exec(bin[0], [...bin.slice(1), 'rm', '-f', '--volumes', name], { env: { ...process.env, ...egressEnv } }).catch(
          () => undefined,
        ),
    });
    try {
      report(
        await compare(
          'start -d --egress allowlist vs start -d',
          side('start -d --egress allowlist', allow),
          side('start -d', open),
          {
            runs,
          },
        ),
        { text: '≤ 1.15×', check: (r) => r <= 1.15 },
      );
    } finally {
      await cli(['rm', '-f', gateway]).catch(() => undefined);
      await cli(['network', 'rm', `${gateway}-internal`, `${gateway}-external`]).catch(() => undefined);
      await cli(['volume', 'rm', '-f', `${gateway}-state`]).catch(() => undefined);
    }
  }

  return {
    single,
    concurrent,
    counted,
    logs,
    egress,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
