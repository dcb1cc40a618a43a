import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { BIN } from '../helpers/run-cli.js';

const f = lifecycleFixture('pipe');

afterAll(async () => {
  await f.docker
    .getContainer(`agentctl-${f.agentName('run')}`)
    .remove({ force: true, v: true })
    .catch(() => undefined);
});

describe(`agentctl run into a closed pipe on ${f.engineName}`, () => {
  it('stops and removes the agent when the reader goes away (`run … | head -2`)', async () => {
    const name = f.agentName('run');
    const workspace = f.workspace();
    const script = 'i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done';
    const result = await execa(
      'bash',
      [
        '-c',
        `set -o pipefail; node "$0" --host "$1" run "$2" --rm --workspace "$3" --image "$4" -- sh -c "$5" | head -2`,
        BIN,
        f.host,
        name,
        workspace,
        f.image,
        script,
      ],
      { reject: false, timeout: 90_000, env: { NO_COLOR: '1' } },
    );
    expect(result.stdout).toBe('line 1\nline 2');
    // agentctl ends as if terminated (143) instead of running on with nobody reading.
    expect(result.exitCode).toBe(143);
    expect(await f.containerExists(`agentctl-${name}`)).toBe(false);
    expect(await f.volumeExists(`agentctl-${name}-home`)).toBe(false);
  });
});
