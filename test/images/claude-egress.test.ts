import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIns, type StandIns } from '../helpers/egress-stand-ins.js';
import { readTestEngines } from '../helpers/engines.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { agentImage } from './agent-image.js';
import { messagesStub } from './messages-stub.js';

/**
 * The real Claude Code behind the egress gateway (`--egress allowlist`): its key never enters the
 * agent, and its requests to the Messages API (a stand-in over HTTPS on the gateway's external
 * network, bound to the key in config) carry the real key. Skipped only when asked
 * (AGENTCTL_TEST_SKIP_IMAGES="<why>").
 */
const skipReason = process.env.AGENTCTL_TEST_SKIP_IMAGES?.trim();

const MESSAGES = messagesStub('tls');

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

describe.skipIf(skipReason !== undefined && skipReason !== '')(
  `Claude Code behind the egress gateway${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const fixture = lifecycleFixture('claude-egw');
    const suffix = randomBytes(3).toString('hex');
    const gateway = `agentctl-cegw-${suffix}`;
    const key = `sk-ant-test-${randomBytes(12).toString('hex')}`;
    const root = fixture.workspace();
    const env = {
      AGENTCTL_EGRESS_NAME: gateway,
      XDG_CONFIG_HOME: join(root, 'config'),
      XDG_DATA_HOME: join(root, 'data'),
      AGENTCTL_EGRESS_UPSTREAM_CA: join(root, 'upstream-ca.pem'),
      ANTHROPIC_API_KEY: key,
    };
    let image = '';
    let standIns: StandIns;
    let api = '';

    beforeAll(async () => {
      image = (await agentImage(fixture)).reference;
      standIns = await startStandIns(fixture.docker, {
        network: `${gateway}-external`,
        image: readTestEngines().nodeImage,
        names: ['messages'],
        label: suffix,
        server: MESSAGES,
      });
      api = standIns.addresses.messages!;
      writeFileSync(env.AGENTCTL_EGRESS_UPSTREAM_CA, standIns.certPem);
      mkdirSync(join(env.XDG_CONFIG_HOME, 'agentctl'), { recursive: true });
      // The built-in binding of ANTHROPIC_API_KEY, to the stand-in's address instead of the real API.
      writeFileSync(
        join(env.XDG_CONFIG_HOME, 'agentctl', 'config.json'),
        JSON.stringify({
          egress: {
            secrets: {
              ANTHROPIC_API_KEY: {
                hosts: [api],
                header: 'x-api-key',
                also: [{ header: 'authorization', format: 'Bearer {value}' }],
              },
            },
          },
        }),
      );
    }, 900_000);

    afterAll(async () => {
      await fixture.cleanUp();
      await fixture.docker
        .getContainer(gateway)
        .remove({ force: true })
        .catch(() => undefined);
      await standIns?.remove();
      for (const network of [`${gateway}-internal`, `${gateway}-external`])
        await fixture.docker
          .getNetwork(network)
          .remove()
          .catch(() => undefined);
      await fixture.docker
        .getVolume(`${gateway}-state`)
        .remove()
        .catch(() => undefined);
    }, 120_000);

    it('answers through the gateway with the real key, which is nowhere in the agent', async () => {
      const name = fixture.agentName('allow');
      const started = await fixture.cli(
        [
          'start',
          name,
          '-d',
          '--json',
          '--egress',
          'allowlist',
          '--allow',
          api,
          '--secret',
          'ANTHROPIC_API_KEY',
          '--image',
          image,
          '-w',
          fixture.workspace(),
          '--',
          'sleep',
          'infinity',
        ],
        { env },
      );
      expect(started.exitCode, started.stdout + started.stderr).toBe(0);

      const asked = await fixture.cli(
        [
          'exec',
          name,
          '--',
          'sh',
          '-c',
          `ANTHROPIC_BASE_URL=https://${api} CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 timeout 90 claude -p hi`,
        ],
        { env },
      );
      expect(asked.exitCode, asked.stdout + asked.stderr).toBe(0);
      expect(asked.stdout).toContain('stub-answer');
      const requests = (await standIns.logs('messages'))
        .split('\n')
        .map((line) => /\{.*\}/.exec(line)?.[0])
        .filter((line): line is string => line !== undefined)
        .map((line) => JSON.parse(line) as { method: string; url: string; apiKey: string; authorization: string });
      const messages = requests.filter(
        (request) => request.method === 'POST' && request.url.startsWith('/v1/messages'),
      );
      expect(messages.length, JSON.stringify(requests)).toBeGreaterThan(0);
      for (const request of messages) {
        expect(request.apiKey).toBe(sha256(key));
        expect(request.authorization).toBe(sha256(`Bearer ${key}`));
      }

      // Inside: the placeholder only (environment, secret file, every process's environment).
      const inside = await fixture.exec(`agentctl-${name}`, [
        'sh',
        '-c',
        'env; cat /run/secrets/ANTHROPIC_API_KEY; cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n"',
      ]);
      expect(inside.output).toContain('agentctl-placeholder-anthropic-api-key-');
      expect(inside.output).not.toContain(key);
      expect(JSON.stringify(await fixture.docker.getContainer(`agentctl-${name}`).inspect())).not.toContain(key);
      for (const output of fixture.outputs) expect(output).not.toContain(key);
      expect(readFileSync(env.AGENTCTL_EGRESS_UPSTREAM_CA, 'utf8')).not.toContain(key);
    });
  },
);
