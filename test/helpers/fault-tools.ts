import { execa, type ResultPromise } from 'execa';
import { existsSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Tools for the fault suite: an engine socket that can be cut or held, fake registries that fail,
 * and a private Podman API service that can be killed and started again.
 */

async function listen(server: Server | HttpServer, target: string | number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (typeof target === 'number') server.listen(target, '127.0.0.1', () => resolve());
    else server.listen(target, () => resolve());
  });
}

/**
 * A unix-socket proxy in front of an engine socket. It forwards bytes unchanged and watches the
 * requests: `cutOn(pattern)` drops every connection (and refuses new ones until `up()`) as soon as a
 * request line matches; `holdOn(pattern)` keeps a matching request from the engine until `release()`.
 */
export async function engineProxy(targetSocket: string, path: string) {
  const sockets = new Set<Socket>();
  let down = false;
  let cut: { pattern: RegExp; seen: () => void } | undefined;
  let hold: { pattern: RegExp; seen: () => void; release: Promise<void> } | undefined;
  const requests: string[] = [];

  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(targetSocket);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      const line = /^[A-Z]+ \S+ HTTP\/1\.[01]/m.exec(chunk.toString('latin1'))?.[0];
      if (line) requests.push(line);
      if (line && cut?.pattern.test(line)) {
        const seen = cut.seen;
        cut = undefined;
        down = true;
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        seen();
        return;
      }
      if (line && hold?.pattern.test(line)) {
        const { seen, release } = hold;
        hold = undefined;
        client.pause();
        seen();
        void release.then(() => {
          if (!upstream.destroyed) upstream.write(chunk);
          client.resume();
        });
        return;
      }
      upstream.write(chunk);
    });
  });
  if (existsSync(path)) rmSync(path);
  await listen(server, path);

  return {
    host: `unix://${path}`,
    requests,
    /** Resolves when a request matching `pattern` arrives; that request and every connection are dropped. */
    cutOn(pattern: RegExp): Promise<void> {
      return new Promise((resolve) => {
        cut = { pattern, seen: resolve };
      });
    },
    /** Resolves when a request matching `pattern` arrives; it waits until the returned release is called. */
    holdOn(pattern: RegExp): { seen: Promise<void>; release: () => void } {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const seen = new Promise<void>((resolve) => {
        hold = { pattern, seen: resolve, release: released };
      });
      return { seen, release };
    },
    /** The engine is reachable again. */
    up(): void {
      down = false;
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** An HTTP "registry" on 127.0.0.1 that answers 500 to everything, or accepts and never answers. */
export async function fakeRegistry(mode: 'error-500' | 'stall', port = 0) {
  const hanging: Socket[] = [];
  let hits = 0;
  const server = createHttpServer((request, response) => {
    if (mode === 'stall') return;
    hits += 1;
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'registry exploded' }] }));
  });
  // Count connections, not requests: an engine that first tries HTTPS still shows up.
  server.on('connection', (socket: Socket) => {
    if (mode === 'stall') {
      hits += 1;
      hanging.push(socket);
    }
  });
  await listen(server, port);
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    get hits() {
      return hits;
    },
    async close(): Promise<void> {
      for (const socket of hanging) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await listen(server, 0);
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.setTimeout(2000);
    socket.on('connect', () => socket.write('GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => {
      resolve(chunk.toString().startsWith('HTTP/1.1 200'));
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * A private `podman system service` on its own socket (same storage as the test engine), that a
 * test may kill (SIGKILL, as a crash) and start again on the same socket.
 */
export function privatePodmanService(path: string) {
  let child: ResultPromise | undefined;
  const service = {
    host: `unix://${path}`,
    path,
    async start(): Promise<void> {
      if (existsSync(path)) rmSync(path);
      child = execa('podman', ['system', 'service', '--time=0', `unix://${path}`], { reject: false, stdio: 'ignore' });
      const deadline = Date.now() + 30_000;
      while (!(existsSync(path) && (await ping(path)))) {
        if (Date.now() > deadline) throw new Error(`podman system service did not answer on ${path}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async kill(): Promise<void> {
      if (!child) return;
      child.kill('SIGKILL');
      await child;
      child = undefined;
      rmSync(path, { force: true }); // a killed service leaves its socket file behind
    },
  };
  return service;
}
