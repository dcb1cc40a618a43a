import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { agentImage } from './agent-image.js';

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

/**
 * The Messages API stand-in: records each request's auth headers (as SHA-256 digests, so that no key
 * is printed and output masking cannot hide what arrived), answers one text message.
 */
const STUB = String.raw`
const http = require('node:http');
const fs = require('node:fs');
const digest = (value) => (value === undefined ? null : require('node:crypto').createHash('sha256').update(value).digest('hex'));
const log = process.env.STUB_LOG;
const message = { id: 'msg_stub', type: 'message', role: 'assistant', model: 'claude-stub', content: [{ type: 'text', text: 'stub-answer' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } };
http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    fs.appendFileSync(log, JSON.stringify({ method: req.method, url: req.url, apiKey: digest(req.headers['x-api-key']), authorization: digest(req.headers.authorization) }) + '\n');
    if (req.method !== 'POST' || !req.url.startsWith('/v1/messages')) { res.writeHead(404, { 'content-type': 'application/json' }); return res.end('{"type":"error","error":{"type":"not_found_error","message":"stub"}}'); }
    let stream = false;
    try { stream = JSON.parse(body).stream === true; } catch {}
    if (!stream) { res.writeHead(200, { 'content-type': 'application/json' }); return res.end(JSON.stringify(message)); }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (type, data) => res.write('event: ' + type + '\ndata: ' + JSON.stringify({ type, ...data }) + '\n\n');
    send('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 0 } } });
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'stub-answer' } });
    send('content_block_stop', { index: 0 });
    send('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } });
    send('message_stop', {});
    res.end();
  });
}).listen(Number(process.env.STUB_PORT), '127.0.0.1', () => fs.writeFileSync(log, ''));
`;

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
