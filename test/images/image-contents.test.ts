import { chownSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { agentImage } from './agent-image.js';

/**
 * What the shipped images are, checked on the real images (built once, reused while their inputs
 * are unchanged): their size against the budget in docs/images.md, the user, tini as init, the
 * health check agentctl runs at start, the auto-updater kept off, the key helper, Node.js LTS
 * instead of Debian's, nothing left of apt's downloads, and Claude Code run through agentctl.
 */
const skipReason = process.env.AGENTCTL_TEST_SKIP_IMAGES?.trim();
const docs = readFileSync(fileURLToPath(new URL('../../docs/images.md', import.meta.url)), 'utf8');
const dockerfile = readFileSync(fileURLToPath(new URL('../../containers/base/Dockerfile', import.meta.url)), 'utf8');
const budget = /Budget: base ≤ (\d+) MB, node ≤ (\d+) MB/.exec(docs);
const argument = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(dockerfile)?.[1];

// Skipped only when asked: AGENTCTL_TEST_SKIP_IMAGES="why" (CONTRIBUTING), the reason shown in the
// test name. Without it the tier runs, and fails when the engine or the image build is missing.
describe.skipIf(skipReason !== undefined && skipReason !== '')(
  `the agent images${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const fixture = lifecycleFixture('images');
    let base = '';
    let node = '';

    beforeAll(async () => {
      base = (await agentImage(fixture, 'base')).reference;
      node = (await agentImage(fixture, 'node')).reference;
    }, 1_800_000);

    afterAll(() => fixture.cleanUp());

    /** Starts an agent of `image` running `sleep infinity` on a workspace the agent's user owns. */
    async function started(image: string, label: string, extra: string[] = []) {
      const name = fixture.agentName(label);
      // A project belongs to a regular user: agentctl runs the agent as the workspace's owner.
      const workspace = fixture.workspace();
      chownSync(workspace, 1000, 1000);
      const result = await fixture.cli([
        'start',
        name,
        '-d',
        '--json',
        '--image',
        image,
        '-w',
        workspace,
        ...extra,
        '--',
        'sleep',
        'infinity',
      ]);
      expect(result.exitCode, result.stderr).toBe(0);
      return { name, agent: result.json.agent };
    }

    async function inAgent(name: string, script: string) {
      const result = await fixture.cli(['exec', name, '--', 'sh', '-c', script]);
      expect(result.exitCode, `${script}\n${result.stdout}${result.stderr}`).toBe(0);
      return result.stdout.trim();
    }

    it('stays within the size budget documented in docs/images.md', async () => {
      expect(budget, 'docs/images.md states "Budget: base ≤ N MB, node ≤ N MB"').not.toBeNull();
      const size = async (reference: string) => (await fixture.docker.getImage(reference).inspect()).Size / 1e6;
      const [baseSize, nodeSize] = [await size(base), await size(node)];
      console.log(`sizes: base ${baseSize.toFixed(0)} MB, node ${nodeSize.toFixed(0)} MB`);
      expect(baseSize).toBeLessThanOrEqual(Number(budget![1]));
      expect(nodeSize).toBeLessThanOrEqual(Number(budget![2]));
    });

    it('runs as UID 1000 under tini, with a health check that start ran at once (the engine keeps its own)', async () => {
      const { name, agent } = await started(base, 'health');
      // The container's, not the image's: Podman 4.3's compatible image inspect leaves Healthcheck out.
      const config = (await fixture.docker.getContainer(agent.container).inspect()).Config as {
        Entrypoint: string[];
        Healthcheck?: { Test?: string[] };
      };
      expect(config.Entrypoint[0]).toBe('/usr/bin/tini');
      // Kept in the image (Podman's OCI format would drop it).
      expect(config.Healthcheck?.Test).toEqual(['CMD', '/usr/local/bin/agentctl-health']);
      // The check the engine runs only after its interval: agentctl ran it itself right after the start.
      expect(agent.health).toBe('healthy');
      expect(await inAgent(name, 'id -u; id -g; cat /proc/1/comm')).toBe('1000\n1000\ntini');
      expect(await inAgent(name, 'agentctl-health')).toMatch(
        /^ok: main process \d+ \(sleep\) runs; \/workspace is writable$/,
      );
      const listed = await fixture.cli(['ls', '--json']);
      const entry = listed.json.agents.find((item: { name: string }) => item.name === name);
      expect(['starting', 'healthy']).toContain(entry.health);
    });

    it('reports a workspace the agent cannot write, and accepts one mounted read-only on purpose', async () => {
      const { name } = await started(base, 'writable');
      // Someone else than the workspace's owner (as a start that got the user wrong would run).
      const other = await fixture.cli(['exec', name, '--user', '4321', '--', 'agentctl-health']);
      expect(other.exitCode).toBe(1);
      expect(other.stderr).toContain('/workspace is not writable for uid 4321');
      const readOnly = await started(base, 'ro', ['--read-only']);
      expect(await inAgent(readOnly.name, 'agentctl-health')).toContain('/workspace is mounted read-only');
      expect(readOnly.agent.health).toBe('healthy');
    });

    it('keeps the auto-updater off: in the environment and in managed settings an agent cannot change', async () => {
      const { name, agent } = await started(base, 'updater');
      const inspected = await fixture.docker.getContainer(agent.container).inspect();
      expect(inspected.Config.Env).toContain('DISABLE_AUTOUPDATER=1');
      const managed = await inAgent(
        name,
        'cat /etc/claude-code/managed-settings.json; stat -c "%u %a" /etc/claude-code/managed-settings.json',
      );
      const [json, owner] = [
        managed.slice(0, managed.lastIndexOf('}') + 1),
        managed.slice(managed.lastIndexOf('}') + 1).trim(),
      ];
      expect(JSON.parse(json)).toEqual({ env: { DISABLE_AUTOUPDATER: '1' } });
      expect(owner).toBe('0 644');
      expect(
        await inAgent(name, 'test -w /etc/claude-code/managed-settings.json && echo writable || echo read-only'),
      ).toBe('read-only');
    });

    it('runs Claude Code through agentctl, on Node.js LTS from the image (no Debian Node, no .deb files, no docs)', async () => {
      const { name } = await started(base, 'contents');
      const version = await fixture.cli(['exec', name, '--', 'claude', '--version']);
      expect(version.exitCode, version.stderr).toBe(0);
      expect(version.stdout.trim()).toBe(`${argument('CLAUDE_CODE_VERSION')} (Claude Code)`);
      expect(await inAgent(name, 'node --version')).toBe(`v${argument('NODE_VERSION')}`);
      expect(Number(argument('NODE_VERSION')!.split('.')[0]) % 2).toBe(0); // an even major: an LTS line
      expect(await inAgent(name, 'dpkg-query -W -f "\\${Status}" nodejs 2>/dev/null || echo absent')).toBe('absent');
      expect(await inAgent(name, 'ls /var/cache/apt/archives | grep -c "\\.deb$" || true')).toBe('0');
      expect(await inAgent(name, 'find /usr/share/doc /usr/share/man -type f ! -name copyright | wc -l')).toBe('0');
      // The key helper is there (test/images/claude-auth.test.ts proves it end to end).
      expect(await inAgent(name, 'command -v agentctl-secret')).toBe('/usr/local/bin/agentctl-secret');
    });

    it('node stack: npm of the registry on the same Node.js, build tools, nothing root-owned in the home', async () => {
      const { name } = await started(node, 'node');
      expect(await inAgent(name, 'npm --version')).toBe(argument('NPM_VERSION') ?? 'no NPM_VERSION in base');
      expect(await inAgent(name, 'node --version')).toBe(`v${argument('NODE_VERSION')}`);
      expect(await inAgent(name, 'for tool in gcc make python3; do command -v $tool; done')).toBe(
        '/usr/bin/gcc\n/usr/bin/make\n/usr/bin/python3',
      );
      expect(await inAgent(name, 'find /home/agent ! -user agent | wc -l')).toBe('0');
      expect(await inAgent(name, 'dpkg-query -W -f "\\${Status}" nodejs 2>/dev/null || echo absent')).toBe('absent');
    });
  },
);
