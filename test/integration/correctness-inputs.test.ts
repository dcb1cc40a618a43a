import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

// Issue 16, "Inputs only the engine catches": the rows the first pass left (each gave exit 5 with
// the engine's text, or made the agent out of someone else's data), on the engine under test.
const f = lifecycleFixture('inp16');
let dir = '';

beforeAll(() => {
  dir = f.workspace();
});
afterAll(() => f.cleanUp());

// Each agent in a directory of its own: a second writer on one checkout is refused (CHECKOUT_IN_USE).
async function start(name: string, args: string[], command: string[] = ['sleep', '60'], cwd = f.workspace()) {
  return f.cli(['start', name, '-d', '--json', '--image', f.image, ...args, '--', ...command], {
    cwd,
    timeout: 60_000,
  });
}

describe(`inputs only the engine caught, the rest (${f.engineName})`, () => {
  it('a workspace path with ":" without a worktree: PATH_HAS_COLON (exit 2), not ENGINE_FAILED, and nothing made', async () => {
    const colon = path.join(dir, 'a:b');
    mkdirSync(colon);
    const name = f.agentName('colon');
    const result = await start(name, ['--no-worktree', '--workspace', colon]);
    expect(result.json?.error?.code ?? result.stdout + result.stderr).toBe('PATH_HAS_COLON');
    expect(result.exitCode).toBe(2);
    expect(result.json.error.message).toBe(`The path ${colon} contains ":", which cannot be mounted`);
    expect(result.json.error.hint).toMatch(/path without ":"/);
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
  });

  it('1 MB of arguments (the engine answered 431: agentctl sent them twice, once in the URL) reach the agent', async () => {
    const name = f.agentName('args');
    const args = Array.from({ length: 9 }, (_, index) => String(index).repeat(120_000));
    const script = 'n=0; for a in "$@"; do n=$((n + ${#a})); done; echo "$# $n"; sleep 60';
    const result = await start(name, [], ['sh', '-c', script, 'sh', ...args]);
    expect(result.exitCode, result.stderr).toBe(0);
    let logs = '';
    for (let tries = 0; tries < 60 && !logs.includes(' '); tries++) {
      logs = (await f.cli(['logs', name])).stdout.trim();
      if (!logs.includes(' ')) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(logs).toBe(`9 ${9 * 120_000}`);
  });

  it('a 1 MB env value (the agent was made and failed: "argument list too long") is INVALID_ENV, exit 2', async () => {
    const file = path.join(dir, 'big.env');
    writeFileSync(file, `BIG=${'v'.repeat(1_000_000)}\n`);
    const name = f.agentName('env');
    const result = await start(name, ['--env-file', file]);
    expect(result.json?.error?.code ?? result.stdout + result.stderr).toBe('INVALID_ENV');
    expect(result.exitCode).toBe(2);
    expect(result.json.error.message).toBe(
      'The environment variable BIG is 977 KiB: Linux takes at most 128 KiB per variable',
    );
    expect(result.stdout + result.stderr).not.toContain('vvvvvvvv');
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
  });

  it('a foreign volume named agentctl-NAME-home was adopted as the home: now VOLUME_NAME_TAKEN, exit 8, the volume untouched', async () => {
    const name = f.agentName('vol');
    const volume = `agentctl-${name}-home`;
    await f.docker.createVolume({ Name: volume, Labels: { owner: 'someone-else' } });
    const result = await start(name, []);
    expect(result.json?.error?.code ?? result.stdout + result.stderr).toBe('VOLUME_NAME_TAKEN');
    expect(result.exitCode).toBe(8);
    expect(result.json.error.message).toBe(`A volume agentctl did not create is named ${volume}`);
    expect(result.json.error.hint).toContain('Choose another agent name');
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect((await f.docker.getVolume(volume).inspect()).Labels).toEqual({ owner: 'someone-else' });
  });

  it("the control: a home volume agentctl kept (rm without --volumes) is the agent's home again", async () => {
    const name = f.agentName('kept');
    expect((await start(name, [])).exitCode).toBe(0);
    expect((await f.cli(['rm', '--force', name])).exitCode).toBe(0);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(true);
    const again = await start(name, []);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await f.cli(['rm', '--force', '--volumes', name])).exitCode).toBe(0);
  });
});
