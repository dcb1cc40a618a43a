import { afterAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

const f = lifecycleFixture('egr');

describe(`egress policies on ${f.engineName}`, () => {
  afterAll(() => f.cleanUp());

  it('--egress none: no network at all, recorded and shown by ls', async () => {
    const name = f.agentName('none');
    const result = await f.cli([
      'start',
      name,
      '-d',
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--egress',
      'none',
      '--',
      'sleep',
      '600',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const info = await f.docker.getContainer(`agentctl-${name}`).inspect();
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.Config.Labels['io.agentctl.egress']).toBe('none');
    // Only the loopback interface inside.
    const links = await f.exec(`agentctl-${name}`, ['cat', '/proc/net/dev']);
    expect(links.output).toContain('lo:');
    expect(links.output).not.toMatch(/eth\d|tap\d/);
    const listed = await f.cli(['ls', '--json']);
    const agent = (listed.json.agents as { name: string; egress: unknown }[]).find((item) => item.name === name);
    expect(agent?.egress).toEqual({ policy: 'none', allow: [] });
    expect((await f.cli(['ls'])).stdout).toMatch(/EGRESS/);
  });

  it('refuses a malformed --allow, --allow without an allowlist and --network next to a policy (exit 2)', async () => {
    const ws = f.workspace();
    const base = ['start', f.agentName('bad'), '-d', '--workspace', ws, '--image', f.image];
    const malformed = await f.cli([...base, '--egress', 'allowlist', '--allow', 'exa mple.com', '--json']);
    expect(malformed.exitCode).toBe(2);
    expect(malformed.json.error.code).toBe('INVALID_ALLOW_ENTRY');
    const open = await f.cli([...base, '--allow', 'deb.debian.org', '--json']);
    expect(open.exitCode).toBe(2);
    expect(open.json.error.code).toBe('EGRESS_CONFLICT');
    const network = await f.cli([...base, '--egress', 'allowlist', '--network', 'host', '--json']);
    expect(network.exitCode).toBe(2);
    expect(network.json.error.code).toBe('EGRESS_CONFLICT');
    const policy = await f.cli([...base, '--egress', 'closed']);
    expect(policy.exitCode).toBe(2);
    expect(await f.containerExists(`agentctl-${f.agentName('bad')}`)).toBe(false);
  });
});
