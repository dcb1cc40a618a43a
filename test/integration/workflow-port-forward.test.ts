import { execa, type ResultPromise } from 'execa';
import { createHash } from 'node:crypto';
import { createServer, connect, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { readTestEngines } from '../helpers/engines.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { BIN } from '../helpers/run-cli.js';

const f = lifecycleFixture('wfpf');
const running: ResultPromise[] = [];

// Inside the busybox agent: a 3 MB file of random bytes served by httpd on 127.0.0.1:8000 only
// (so nothing but a relay inside the agent can reach it), and its sha256 next to it.
const SERVE_BUSYBOX = [
  'sh',
  '-c',
  'mkdir -p /tmp/www && head -c 3000000 /dev/urandom > /tmp/www/blob && sha256sum /tmp/www/blob > /tmp/sum && exec httpd -f -p 127.0.0.1:8000 -h /tmp/www',
];
// Inside the node agent: an echo server that answers only once the client has half-closed.
const SERVE_NODE = [
  'node',
  '-e',
  'require("net").createServer({allowHalfOpen:true},(s)=>{const c=[];s.on("data",(d)=>c.push(d));s.on("end",()=>s.end("echo:"+Buffer.concat(c)))}).listen(9000,"127.0.0.1")',
];

/** `agentctl port-forward` running in the background, with its first JSON document (once listening). */
async function forward(args: string[]) {
  const child = execa(process.execPath, [BIN, '--host', f.host, 'port-forward', ...args], {
    reject: false,
    env: { NO_COLOR: '1' },
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (let waited = 0; waited < 30_000; waited += 100) {
    try {
      const listening = JSON.parse(stdout);
      return { child, listening, stderr: () => stderr };
    } catch {
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill();
  throw new Error(`port-forward did not listen: ${stdout} ${stderr}`);
}

/** A raw TCP exchange: writes `send` (then half-closes when asked) and collects all it gets back. */
function exchange(port: number, send: string, halfClose: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('connect', () => {
      socket.write(send);
      if (halfClose) socket.end();
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      socket.end();
      resolve(Buffer.concat(chunks));
    });
    socket.on('error', reject);
    socket.setTimeout(20_000, () => socket.destroy(new Error('timeout')));
  });
}

/** GET path over the forward, retried while the server in the agent is still starting. */
async function getWhenUp(port: number, path: string): Promise<Buffer> {
  let last: Buffer = Buffer.alloc(0);
  for (let attempt = 0; attempt < 40; attempt += 1) {
    last = await exchange(port, `GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`, false).catch(() => Buffer.alloc(0));
    if (last.subarray(0, 15).toString().includes(' 200')) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return last;
}

describe(`agentctl port-forward on ${f.engineName}`, () => {
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await f.cleanUp();
  });

  it('forwards a local port to a port the agent serves on its own loopback, byte for byte, and ends with Ctrl-C (exit 0)', async () => {
    const name = f.agentName('bb');
    const started = await f.cli([
      'start',
      name,
      '-d',
      '--workspace',
      f.workspace(),
      '--image',
      f.image,
      '--',
      ...SERVE_BUSYBOX,
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
    const { child, listening, stderr } = await forward([name, '0:8000', '0:8001', '--json']);
    expect(listening).toMatchObject({
      ok: true,
      agent: name,
      forwards: [
        { address: '127.0.0.1', port: 8000, localPort: expect.any(Number) },
        { address: '127.0.0.1', port: 8001, localPort: expect.any(Number) },
      ],
    });
    const [blob, nothing] = listening.forwards as { localPort: number }[];
    const response = await getWhenUp(blob!.localPort, '/blob');
    const body = response.subarray(response.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBe(3_000_000);
    const sum = await f.exec(`agentctl-${name}`, ['cat', '/tmp/sum']);
    expect(sum.output.split(' ')[0]).toBe(createHash('sha256').update(body).digest('hex'));
    // Nothing listens on 8001 in the agent: the connection is closed, a warning says why, the forward goes on.
    expect((await exchange(nothing!.localPort, 'GET / HTTP/1.0\r\n\r\n', false)).length).toBe(0);
    await expect.poll(stderr, { timeout: 10_000 }).toContain(`Nothing answered on port 8001 in agent "${name}"`);
    expect((await getWhenUp(blob!.localPort, '/blob')).length).toBeGreaterThan(3_000_000);
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(0);
  });

  it('passes a half-close through (node relay): the answer that comes after the client ended its side arrives', async () => {
    const name = f.agentName('node');
    const started = await f.cli([
      'start',
      name,
      '-d',
      '--workspace',
      f.workspace(),
      '--image',
      readTestEngines().nodeImage,
      '--',
      ...SERVE_NODE,
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
    const { child, listening } = await forward([name, '0:9000', '--json']);
    const port = listening.forwards[0].localPort as number;
    let answer = '';
    for (let attempt = 0; attempt < 40 && answer === ''; attempt += 1) {
      answer = (await exchange(port, 'ping-pong', true).catch(() => Buffer.alloc(0))).toString();
      if (answer === '') await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(answer).toBe('echo:ping-pong');
    // The agent stops: the forward ends with AGENT_NOT_RUNNING (exit 8) and says so.
    expect((await f.cli(['stop', '-t', '0', name])).exitCode).toBe(0);
    const ended = await child;
    expect(ended.exitCode).toBe(8);
    expect(JSON.parse(ended.stdout.slice(ended.stdout.indexOf('}\n{') + 2))).toMatchObject({
      ok: false,
      error: { code: 'AGENT_NOT_RUNNING', message: expect.stringContaining(`Agent "${name}" stopped`) },
    });
  });

  it('refuses what it cannot forward: a bad port (exit 2), a stopped agent (exit 8), a taken local port (exit 8), nothing left behind', async () => {
    const bad = await f.cli(['port-forward', 'whatever', '70000', '--json']);
    expect(bad.exitCode).toBe(2);
    expect(bad.json.error.code).toBe('INVALID_PORT');
    const name = f.agentName('stopped');
    expect(
      (await f.cli(['start', name, '-d', '--workspace', f.workspace(), '--image', f.image, '--', 'sleep', '600']))
        .exitCode,
    ).toBe(0);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = await f.cli(['port-forward', name, `${(taken.address() as AddressInfo).port}:80`, '--json']);
    taken.close();
    expect(busy.exitCode, busy.stdout).toBe(8);
    expect(busy.json.error.code).toBe('PORT_IN_USE');
    expect((await f.cli(['stop', '-t', '0', name])).exitCode).toBe(0);
    const stopped = await f.cli(['port-forward', name, '80', '--json']);
    expect(stopped.exitCode, stopped.stdout).toBe(8);
    expect(stopped.json.error.code).toBe('AGENT_NOT_RUNNING');
    const missing = await f.cli(['port-forward', f.agentName('none'), '80', '--json']);
    expect(missing.exitCode).toBe(7);
    expect(missing.json.error.code).toBe('AGENT_NOT_FOUND');
  });
});
