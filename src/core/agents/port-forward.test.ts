import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseForwardSpec, relayCommand, relayFailure, isExposingAddress } from './port-forward.js';

describe('parseForwardSpec', () => {
  it('takes PORT, LOCALPORT:PORT and 0:PORT / :PORT (a free local port), as kubectl port-forward does', () => {
    expect(parseForwardSpec('3000')).toEqual({ localPort: 3000, port: 3000 });
    expect(parseForwardSpec('8080:3000')).toEqual({ localPort: 8080, port: 3000 });
    expect(parseForwardSpec('0:3000')).toEqual({ localPort: 0, port: 3000 });
    expect(parseForwardSpec(':3000')).toEqual({ localPort: 0, port: 3000 });
  });

  it.each(['', '0', '70000', '80:0', 'http', '1.5', '-1', '1:2:3', '65536:80'])(
    'refuses %j with INVALID_PORT',
    (value) => {
      expect(() => parseForwardSpec(value)).toThrow(expect.objectContaining({ code: 'INVALID_PORT', kind: 'usage' }));
    },
  );
});

describe('the relay run in the agent', () => {
  // The same argv the agent runs, run here with this machine's sh and node: it connects to
  // 127.0.0.1:PORT, sends its stdin, prints the answer.
  const run = (port: number, input: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const [file, ...args] = relayCommand(port);
      const child = execFile(file!, args, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input);
    });

  it('relays a connection both ways and passes the end of its input on as a half-close', async () => {
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => socket.end(`got:${Buffer.concat(chunks).toString()}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const result = await run((server.address() as AddressInfo).port, 'hello');
      expect(result).toEqual({ code: 0, stdout: 'got:hello', stderr: '' });
    } finally {
      server.close();
    }
  });

  it('says ECONNREFUSED when nothing listens, which agentctl words as such', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const result = await run(port, '');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toBe('agentctl-relay: ECONNREFUSED\n');
    expect(relayFailure('web', port, result.stderr, false)).toBe(
      `Nothing answered on port ${port} in agent "web": connection refused (does anything listen there?)`,
    );
  });
});

describe('relayFailure', () => {
  it("words nc's refusal, a missing relay, and an engine's own error", () => {
    expect(
      relayFailure('a', 80, "nc: can't connect to remote host (127.0.0.1): Connection refused\n", false),
    ).toContain('connection refused');
    expect(relayFailure('a', 80, 'agentctl-relay: NO_RELAY\n', false)).toContain('neither node nor nc');
    expect(relayFailure('a', 80, 'read unixpacket: connection reset by peer\n', false)).toBe(
      'Nothing answered on port 80 in agent "a" (does anything listen there?): read unixpacket: connection reset by peer',
    );
    expect(relayFailure('a', 80, 'agentctl-relay: ECONNRESET\n', true)).toBe(
      'The connection to port 80 in agent "a" failed: ECONNRESET',
    );
  });
});

describe('isExposingAddress', () => {
  it('is false for loopback only', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isExposingAddress)).toEqual([false, false, false, false]);
    expect(['0.0.0.0', '::', '192.168.1.5'].map(isExposingAddress)).toEqual([true, true, true]);
  });
});
