// Whole-process timing for the benchmark: runs commands under GNU time (/usr/bin/time) to get wall
// time, CPU time (user + system) and peak RSS, alternating A and B so drift of the machine hits
// both, and reports medians, the per-pair ratio A/B, and the ratio of the fastest runs (on a loaded
// machine the fastest run is the closest to what the command costs on an idle one).
import { spawn } from 'node:child_process';

const TIME_MARK = '@@agentctl-bench';

/** Runs one command (argv array, or a shell string) and returns { wall, cpu, peakKiB, code }. */
export function timeOnce(command, options = {}) {
  const argv = Array.isArray(command) ? command : ['sh', '-c', command];
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', `${TIME_MARK} %e %M %U %S`, ...argv], {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'],
      cwd: options.cwd,
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.length > 1_000_000) stderr = stderr.slice(-10_000);
    });
    const started = process.hrtime.bigint();
    child.on('error', reject);
    child.on('close', (code) => {
      const wallNs = Number(process.hrtime.bigint() - started);
      const match = new RegExp(`${TIME_MARK} ([\\d.]+) (\\d+) ([\\d.]+) ([\\d.]+)`).exec(stderr);
      const cpu = match ? Number(match[3]) + Number(match[4]) : NaN;
      resolve({ wall: wallNs / 1e9, cpu, peakKiB: match ? Number(match[2]) : NaN, code, stderr: stderr.slice(-2000) });
    });
  });
}

export function median(values) {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Times A against B: `warmup` unpaired runs each, then `runs` pairs A,B,A,B… Each side may have a
 * `before` hook (setup outside the timed region) and `after` hook (cleanup).
 */
export async function compare(name, a, b, { runs = 7, warmup = 1 } = {}) {
  const one = async (side) => {
    if (side.before) await side.before();
    const result = typeof side.run === 'function' ? await timeFn(side.run) : await timeOnce(side.command, side);
    if (side.after) await side.after();
    if (result.code !== 0 && result.code !== undefined) {
      throw new Error(`${name}: ${side.label} exited ${result.code}: ${result.stderr ?? ''}`);
    }
    return result;
  };
  for (let i = 0; i < warmup; i += 1) {
    await one(a);
    await one(b);
  }
  const rows = [];
  for (let i = 0; i < runs; i += 1) {
    const ra = await one(a);
    const rb = await one(b);
    rows.push({ a: ra, b: rb, ratio: ra.wall / rb.wall });
  }
  return {
    name,
    a: side(
      a.label,
      rows.map((r) => r.a),
    ),
    b: side(
      b.label,
      rows.map((r) => r.b),
    ),
    ratioMedian: median(rows.map((r) => r.ratio)),
    ratioOfFastest: Math.min(...rows.map((r) => r.a.wall)) / Math.min(...rows.map((r) => r.b.wall)),
    ratioMin: Math.min(...rows.map((r) => r.ratio)),
    ratioMax: Math.max(...rows.map((r) => r.ratio)),
    runs,
  };
}

/** Medians of one side's runs: wall, CPU (user + system), peak RSS; and its fastest wall. */
export function side(label, results) {
  return {
    label,
    wallMedian: median(results.map((r) => r.wall)),
    wallMin: Math.min(...results.map((r) => r.wall)),
    cpuMedian: median(results.map((r) => r.cpu)),
    peakMiBMedian: median(results.map((r) => r.peakKiB / 1024)),
  };
}

/** Times an async function that itself runs processes (e.g. 50 concurrent starts). */
async function timeFn(fn) {
  const started = process.hrtime.bigint();
  const extra = (await fn()) ?? {};
  return {
    wall: Number(process.hrtime.bigint() - started) / 1e9,
    cpu: extra.cpu ?? NaN,
    peakKiB: extra.peakKiB ?? NaN,
    code: 0,
  };
}

export function formatRow(result, target) {
  const pad = (s, n) => String(s).padEnd(n);
  const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
  const verdict = target ? (target.check(result.ratioMedian) ? `meets ${target.text}` : `MISSES ${target.text}`) : '';
  const cpu = Number.isFinite(result.a.cpuMedian) ? `  cpu ${ms(result.a.cpuMedian)} vs ${ms(result.b.cpuMedian)}` : '';
  const fastest = Number.isFinite(result.ratioOfFastest) ? `  fastest ${result.ratioOfFastest.toFixed(2)}×` : '';
  return `${pad(result.name, 34)} ${pad(ms(result.a.wallMedian), 9)} vs ${pad(ms(result.b.wallMedian), 9)} ratio ${result.ratioMedian.toFixed(2)}× (${result.ratioMin.toFixed(2)}–${result.ratioMax.toFixed(2)})${fastest}${cpu}  peak ${result.a.peakMiBMedian.toFixed(0)} / ${result.b.peakMiBMedian.toFixed(0)} MiB  ${verdict}`;
}
