import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteFromRegistry, engineClient, pushAs, removeLocal } from '../helpers/image-registry.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';

// Defects of issue 16 in what agentctl prints (progress, hints, --json), one test each, named after
// the defect, on the engine under test.
const f = lifecycleFixture('out');
const suffix = f.agentName('x').split('-').pop()!;
const engines = { registry: '127.0.0.1:5000' };

afterAll(() => f.cleanUp());

describe('the non-TTY pull printed each phase three times', () => {
  const repository = `agentctl-it/layers-${suffix}`;
  const reference = `${engines.registry}/${repository}:1.0.0`;
  const local = `agentctl-it/layers-src-${suffix}:1.0.0`;
  const docker = engineClient(f.host);

  beforeAll(async () => {
    // Five layers of a few hundred KiB: the engine downloads some while it extracts others.
    const context = mkdtempSync(path.join(tmpdir(), 'agentctl-out-layers-'));
    const runs = [1, 2, 3, 4, 5].map((n) => `RUN dd if=/dev/urandom of=/layer${n} bs=1k count=${200 * n} 2>/dev/null`);
    writeFileSync(path.join(context, 'Dockerfile'), [`FROM ${f.image}`, 'USER 0', ...runs, 'USER 1000', ''].join('\n'));
    const stream = await docker.buildImage({ context, src: ['Dockerfile'] }, { t: local });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
        const failed = output?.find((event) => event.error !== undefined);
        if (error || failed) reject(error ?? new Error(failed!.error));
        else resolve();
      }),
    );
    rmSync(context, { recursive: true, force: true });
    await pushAs(docker, local, reference);
    // Neither name may keep the five layers locally, or the pull finds them there.
    await removeLocal(docker, reference);
    await removeLocal(docker, local);
  }, 180_000);

  afterAll(async () => {
    await removeLocal(docker, reference);
    await removeLocal(docker, local);
    await deleteFromRegistry(engines.registry, repository, '1.0.0');
  });

  it('image pull of a five-layer image says each phase once, in order', async () => {
    const result = await f.cli(['image', 'pull', reference]);
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe(`pulling ${reference} from ${engines.registry}`);
    expect(lines.at(-1)).toBe(`pulled ${reference}`);
    expect(lines).toContain('downloading layers');
    expect(lines.length, result.stderr).toBe(new Set(lines).size);
  });
});

describe('logs --since help text was stale ("a duration (10m, 2h) or RFC 3339 time")', () => {
  const name = f.agentName('since');

  beforeAll(async () => {
    const started = await f.cli([
      '--json',
      'start',
      name,
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--',
      'sh',
      '-c',
      'echo hello; sleep 600',
    ]);
    expect(started.exitCode, started.stdout).toBe(0);
  });

  it('logs --help names every form docker takes, and each example it gives works against a real agent', async () => {
    const help = await f.cli(['logs', '--help']);
    expect(help.exitCode).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    for (const flag of ['--since', '--until']) {
      const description = new RegExp(`${flag} <time> (.*?) (--|-n,)`).exec(text)?.[1] ?? '';
      expect(description).toMatch(/Go duration/);
      expect(description).toMatch(/RFC 3339/);
      expect(description).toMatch(/Unix seconds/);
      const examples = [...description.matchAll(/\(([^)]*)\)/g)].flatMap((match) => match[1]!.split(', '));
      expect(examples.length).toBeGreaterThanOrEqual(5);
      for (const value of examples) {
        const result = await f.cli(['logs', flag, value, name]);
        expect(result.exitCode, `${flag} ${value}: ${result.stderr}`).toBe(0);
      }
    }
    expect(text).toContain('a negative one points into the future');
  });
});
