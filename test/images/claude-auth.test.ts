import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { agentImage } from './agent-image.js';
import { messagesStub } from './messages-stub.js';

/**
 * The real agent image, built from containers/base, with the real Claude Code: a key passed with
 * `--secret ANTHROPIC_API_KEY` reaches the API (a stand-in on 127.0.0.1 inside the agent's own
 * network namespace; nothing leaves the container) and never the container's configuration.
 *
 * The image is built once and reused while its inputs are unchanged (test/images/agent-image.ts).
 * Skipping is explicit only: AGENTCTL_TEST_SKIP_IMAGES="<why>" skips with that reason.
 */
const skipReason = process.env.AGENTCTL_TEST_SKIP_IMAGES?.trim();
const PORT = 18787;

const STUB = messagesStub('loopback');

/** Starts the stand-in, waits until it listens, runs `claude -p hi` against it, prints its record. */
const ASK_CLAUDE = [
  'export STUB_LOG=/tmp/agentctl-stub.log STUB_PORT=$1',
  'rm -f "$STUB_LOG"; node -e "$0" & stub=$!',
  'i=0; while [ ! -e "$STUB_LOG" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
  'ANTHROPIC_BASE_URL=http://127.0.0.1:$1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 timeout 90 claude -p hi; status=$?',
  'kill $stub; echo "--- requests"; cat "$STUB_LOG"; exit $status',
].join('\n');

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

interface StubRequest {
  method: string;
  url: string;
  apiKey: string | null;
  authorization: string | null;
}

function parseAnswer(output: string): { answer: string; requests: StubRequest[] } {
  const [answer = '', log = ''] = output.split('--- requests\n');
  const requests = log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as StubRequest);
  return { answer, requests };
}

// Skipped only when asked: AGENTCTL_TEST_SKIP_IMAGES="why" (CONTRIBUTING), and the reason is shown in the
// test name. Without it the tier runs, and fails when the engine or the image build is missing.
describe.skipIf(skipReason !== undefined && skipReason !== '')(
  `Claude Code in the base image${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const fixture = lifecycleFixture('claude-auth');
    const key = `sk-ant-test-${randomBytes(12).toString('hex')}`;
    let image = '';

    beforeAll(async () => {
      image = (await agentImage(fixture)).reference;
    }, 900_000);

    afterAll(() => fixture.cleanUp());

    it('sends the key given with --secret to the API; the container configuration holds none', async () => {
      const name = fixture.agentName('secret');
      const started = await fixture.cli(
        [
          'start',
          name,
          '-d',
          '--json',
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
        { env: { ANTHROPIC_API_KEY: key } },
      );
      expect(started.exitCode, started.stderr).toBe(0);

      const asked = await fixture.cli(['exec', name, '--', 'sh', '-c', ASK_CLAUDE, STUB, String(PORT)]);
      expect(asked.exitCode, asked.stderr).toBe(0);
      const { answer, requests } = parseAnswer(asked.stdout);
      expect(answer).toContain('stub-answer');
      const messages = requests.filter(
        (request) => request.method === 'POST' && request.url.startsWith('/v1/messages'),
      );
      expect(messages.length).toBeGreaterThan(0);
      for (const request of messages) {
        expect(request.apiKey).toBe(sha256(key));
        expect(request.authorization).toBe(sha256(`Bearer ${key}`));
      }

      const inspected = await fixture.docker.getContainer(started.json.agent.container).inspect();
      expect(JSON.stringify(inspected)).not.toContain(key);
      expect(inspected.Config.Env).toContain('ANTHROPIC_API_KEY_FILE=/run/secrets/ANTHROPIC_API_KEY');
      expect(inspected.Config.Env.some((entry: string) => entry.startsWith('ANTHROPIC_API_KEY='))).toBe(false);
      // Pinned stays pinned: the image tells Claude Code not to update itself.
      expect(inspected.Config.Env).toContain('DISABLE_AUTOUPDATER=1');
    });

    it("leaves the user's own apiKeyHelper in ~/.claude/settings.json in charge, across a restart", async () => {
      const name = fixture.agentName('own');
      const own = `sk-ant-own-${randomBytes(6).toString('hex')}`;
      const started = await fixture.cli(
        [
          'start',
          name,
          '-d',
          '--json',
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
        { env: { ANTHROPIC_API_KEY: key } },
      );
      expect(started.exitCode, started.stderr).toBe(0);
      const settings = JSON.stringify({ apiKeyHelper: `echo ${own}`, cleanupPeriodDays: 30 });
      const written = await fixture.cli([
        'exec',
        name,
        '--',
        'sh',
        '-c',
        'mkdir -p "$HOME/.claude" && printf "%s\\n" "$0" > "$HOME/.claude/settings.json"',
        settings,
      ]);
      expect(written.exitCode, written.stderr).toBe(0);
      const restarted = await fixture.cli(['restart', name]);
      expect(restarted.exitCode, restarted.stderr).toBe(0);

      const kept = await fixture.cli(['exec', name, '--', 'cat', '/home/agent/.claude/settings.json']);
      expect(JSON.parse(kept.stdout)).toEqual(JSON.parse(settings));
      const asked = await fixture.cli(['exec', name, '--', 'sh', '-c', ASK_CLAUDE, STUB, String(PORT)]);
      expect(asked.exitCode, asked.stderr).toBe(0);
      const { requests } = parseAnswer(asked.stdout);
      const messages = requests.filter((request) => request.method === 'POST');
      expect(messages.length).toBeGreaterThan(0);
      for (const request of messages) expect(request.apiKey).toBe(sha256(own));
    });

    it('with --env ANTHROPIC_API_KEY instead, Claude Code uses that key; an agentctl helper left in the home is taken out', async () => {
      const name = fixture.agentName('env');
      const envKey = `sk-ant-env-${randomBytes(6).toString('hex')}`;
      const started = await fixture.cli(
        [
          'start',
          name,
          '-d',
          '--json',
          '--env',
          'ANTHROPIC_API_KEY',
          '--image',
          image,
          '-w',
          fixture.workspace(),
          '--',
          'sleep',
          'infinity',
        ],
        { env: { ANTHROPIC_API_KEY: envKey } },
      );
      expect(started.exitCode, started.stderr).toBe(0);
      // A home volume that an earlier start with --secret left its helper in.
      const stale = JSON.stringify({
        apiKeyHelper: '/usr/local/bin/agentctl-secret ANTHROPIC_API_KEY',
        cleanupPeriodDays: 30,
      });
      const written = await fixture.cli([
        'exec',
        name,
        '--',
        'sh',
        '-c',
        'mkdir -p "$HOME/.claude" && printf "%s\\n" "$0" > "$HOME/.claude/settings.json"',
        stale,
      ]);
      expect(written.exitCode, written.stderr).toBe(0);
      const restarted = await fixture.cli(['restart', name]);
      expect(restarted.exitCode, restarted.stderr).toBe(0);
      const settings = await fixture.cli(['exec', name, '--', 'cat', '/home/agent/.claude/settings.json']);
      expect(JSON.parse(settings.stdout)).toEqual({ cleanupPeriodDays: 30 });

      const asked = await fixture.cli(['exec', name, '--', 'sh', '-c', ASK_CLAUDE, STUB, String(PORT)]);
      expect(asked.exitCode, asked.stderr).toBe(0);
      const { requests } = parseAnswer(asked.stdout);
      const messages = requests.filter((request) => request.method === 'POST');
      expect(messages.length).toBeGreaterThan(0);
      for (const request of messages) expect(request.apiKey).toBe(sha256(envKey));

      // The helper itself, without a secret: it fails and says how to pass one.
      const helper = await fixture.cli([
        'exec',
        name,
        '--',
        'env',
        '-u',
        'ANTHROPIC_API_KEY',
        'agentctl-secret',
        'ANTHROPIC_API_KEY',
      ]);
      expect(helper.exitCode).toBe(1);
      expect(helper.stdout + helper.stderr).toContain('--secret ANTHROPIC_API_KEY');
    });
  },
);
