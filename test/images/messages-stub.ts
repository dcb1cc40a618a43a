/**
 * The Messages API stand-in of the images tier, as a node script: records each request's auth
 * headers as SHA-256 digests (so that no key is printed and output masking cannot hide what
 * arrived) and answers one text message, streamed or not.
 * - `loopback`: plain HTTP on 127.0.0.1:$STUB_PORT inside the agent, records appended to $STUB_LOG
 *   (created empty once it listens).
 * - `tls`: HTTPS on port 443 with $STANDIN_KEY / $STANDIN_CERT (test/helpers/egress-stand-ins.ts),
 *   records on stdout, `listening` once it listens.
 */
export function messagesStub(transport: 'loopback' | 'tls'): string {
  const record =
    transport === 'loopback'
      ? "(line) => require('node:fs').appendFileSync(process.env.STUB_LOG, line + '\\n')"
      : '(line) => console.log(line)';
  const server =
    transport === 'loopback'
      ? "require('node:http').createServer(handle).listen(Number(process.env.STUB_PORT), '127.0.0.1', () => require('node:fs').writeFileSync(process.env.STUB_LOG, ''));"
      : "require('node:https').createServer({ key: process.env.STANDIN_KEY, cert: process.env.STANDIN_CERT }, handle).listen(443, () => console.log('listening'));";
  return String.raw`
const digest = (value) => (value === undefined ? null : require('node:crypto').createHash('sha256').update(value).digest('hex'));
const record = ${record};
const message = { id: 'msg_stub', type: 'message', role: 'assistant', model: 'claude-stub', content: [{ type: 'text', text: 'stub-answer' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } };
function handle(req, res) {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    record(JSON.stringify({ method: req.method, url: req.url, apiKey: digest(req.headers['x-api-key']), authorization: digest(req.headers.authorization) }));
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
}
${server}
`;
}
