import { execa, type ResultPromise } from 'execa';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterSuite } from '../helpers/cluster.js';
import { BIN } from '../helpers/run-cli.js';

// Issue 19/20: agentctl port-forward on Kubernetes goes through the same exec relay as on the
// engines (the Pod's exec subresource): nothing is published, no Service is made.
const { fixture, repo, cli } = clusterSuite('pfwd');
const running: ResultPromise[] = [];
const SERVE = ['node', '-e', 'require("http").createServer((q,r)=>r.end("pod-says:"+q.url)).listen(8000,"127.0.0.1")'];

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', () => resolve(''));
    socket.setTimeout(20_000, () => socket.destroy());
  });
}

describe('agentctl port-forward on Kubernetes', () => {
  afterAll(() => {
    for (const child of running) child.kill('SIGKILL');
  });

  it("forwards a local port to a port the agent's Pod serves on its own loopback, and ends with Ctrl-C", async () => {
    const name = 'web';
    const started = await cli([
      'start',
      '--detach',
      name,
      '--image',
      fixture.cluster.nodeImage ?? 'agentctl-test/node:bookworm',
      '--cpus',
      '0.1',
      '--memory',
      '96m',
      '--',
      ...SERVE,
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
    const child = execa(process.execPath, [BIN, 'port-forward', name, '0:8000', '0:8001', '--json'], {
      cwd: repo.checkout,
      env: { ...fixture.env, NO_COLOR: '1' },
      reject: false,
    });
    running.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await expect.poll(() => stdout, { timeout: 30_000 }).toContain('"forwards"');
    const listening = JSON.parse(stdout);
    expect(listening).toMatchObject({ ok: true, agent: name });
    const [served, nothing] = listening.forwards as { localPort: number }[];
    let answer = '';
    for (let attempt = 0; attempt < 40 && !answer.includes('pod-says:/hello'); attempt += 1) {
      answer = await get(served!.localPort, '/hello');
      if (!answer.includes('pod-says')) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(answer).toContain('pod-says:/hello');
    expect(await get(nothing!.localPort, '/')).toBe('');
    await expect.poll(() => stderr, { timeout: 15_000 }).toContain(`Nothing answered on port 8001 in agent "${name}"`);
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(0);
    expect((await cli(['rm', '--force', '--volumes', name])).exitCode).toBe(0);
  });
});
