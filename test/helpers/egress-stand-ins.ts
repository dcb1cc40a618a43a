import type Docker from 'dockerode';
import { makeStandInCertificate } from './stand-in-certificate.js';

/**
 * Stand-ins for the services an agent behind the egress gateway talks to: HTTPS servers (node in
 * the test's node image) on the gateway's external network, each answering with the headers it
 * received, so a test sees exactly what left the gateway. Their certificate is one of the test's
 * own (stand-in-certificate.ts).
 */

/** Answers every request with {name, url, headers} as JSON. */
const SERVER = `
const https = require('https');
https.createServer({ key: process.env.STANDIN_KEY, cert: process.env.STANDIN_CERT }, (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ name: process.env.STANDIN_NAME, url: req.url, headers: req.headers }));
}).listen(443, () => console.log('listening'));
`;

/**
 * The agent's side, run inside the agent with node: `node client.cjs proxy URL [HEADER=VALUE…]`
 * goes through HTTPS_PROXY (or PROXY_OVERRIDE) with CONNECT, then TLS trusting the agent's CA
 * (NODE_EXTRA_CA_CERTS) and the stand-ins' (STANDIN_CA); `${NAME}` in a value is the agent's own
 * variable. `node client.cjs direct HOST PORT` connects straight, ignoring the proxy. One JSON
 * line: {status, body}, {connect: status} when the proxy refused, or {error}.
 */
export const CLIENT = `
const http = require('http'), tls = require('tls'), net = require('net'), fs = require('fs');
const [mode, target, ...rest] = process.argv.slice(2);
const done = (result) => { process.stdout.write(JSON.stringify(result) + '\\n'); process.exit(0); };
setTimeout(() => done({ error: 'timeout' }), Number(process.env.CLIENT_TIMEOUT_MS || 6000)).unref();
if (mode === 'direct') {
  const socket = net.connect(Number(rest[0]), target);
  socket.on('connect', () => done({ connected: true }));
  socket.on('error', (error) => done({ error: error.code || error.message }));
} else {
  const url = new URL(target);
  const port = Number(url.port || 443);
  const headers = rest.map((item) => {
    const at = item.indexOf('=');
    return item.slice(0, at) + ': ' + item.slice(at + 1).replace(/\\$\\{(\\w+)\\}/g, (_, name) => process.env[name] || '');
  });
  const proxy = new URL(process.env.PROXY_OVERRIDE || process.env.HTTPS_PROXY);
  const auth = proxy.username
    ? { 'proxy-authorization': 'Basic ' + Buffer.from(decodeURIComponent(proxy.username) + ':' + decodeURIComponent(proxy.password)).toString('base64') }
    : {};
  const request = http.request({ host: proxy.hostname, port: Number(proxy.port), method: 'CONNECT', path: url.hostname + ':' + port, headers: auth });
  request.on('error', (error) => done({ error: error.code || error.message }));
  request.on('connect', (response, socket) => {
    if (response.statusCode !== 200) return done({ connect: response.statusCode });
    const ca = [...tls.rootCertificates];
    for (const file of [process.env.NODE_EXTRA_CA_CERTS, process.env.STANDIN_CA]) if (file && fs.existsSync(file)) ca.push(fs.readFileSync(file, 'utf8'));
    const secure = tls.connect({ socket, ca, host: url.hostname, ...(net.isIP(url.hostname) ? {} : { servername: url.hostname }) });
    secure.on('error', (error) => done({ error: 'tls: ' + (error.code || error.message) }));
    secure.on('secureConnect', () => {
      secure.write('GET ' + url.pathname + ' HTTP/1.1\\r\\nHost: ' + url.host + '\\r\\n' + headers.map((line) => line + '\\r\\n').join('') + 'Connection: close\\r\\n\\r\\n');
    });
    const chunks = [];
    secure.on('data', (chunk) => chunks.push(chunk));
    secure.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(text.split(' ')[1]);
      const body = text.slice(text.indexOf('\\r\\n\\r\\n') + 4);
      let parsed; try { parsed = JSON.parse(body); } catch { parsed = body.slice(0, 200); }
      done({ status, body: parsed });
    });
  });
  request.end();
}
`;

export interface StandIns {
  /** The stand-ins' certificate (its own CA), PEM. */
  certPem: string;
  /** Each stand-in's address on the network, by name. */
  addresses: Record<string, string>;
  /** What a stand-in printed (its log), by name. */
  logs(name: string): Promise<string>;
  remove(): Promise<void>;
}

/**
 * Makes NETWORK (a /24 of 10.215.x.0, the first free one; the gateway then uses it as its
 * external network) and one stand-in per name on it, at .10, .11, …; waits until each listens.
 */
export async function startStandIns(
  docker: Docker,
  options: {
    network: string;
    image: string;
    names: string[];
    label: string;
    /** A node script of its own (HTTPS on 443 with STANDIN_KEY / STANDIN_CERT; prints `listening`). */
    server?: string;
  },
): Promise<StandIns> {
  let third = -1;
  for (let attempt = 0; attempt < 40 && third < 0; attempt++) {
    const candidate = (Date.now() + attempt * 7) % 250;
    try {
      await docker.createNetwork({
        Name: options.network,
        Labels: { 'io.agentctl.test': options.label },
        IPAM: { Config: [{ Subnet: `10.215.${candidate}.0/24` }] },
      });
      third = candidate;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409 && /already exists/.test(String(error))) throw error;
    }
  }
  if (third < 0) throw new Error(`no free 10.215.x.0/24 subnet for ${options.network}`);
  const addresses = Object.fromEntries(options.names.map((name, index) => [name, `10.215.${third}.${10 + index}`]));
  const { certPem, keyPem } = makeStandInCertificate(...Object.values(addresses));
  const ids: string[] = [];
  for (const [name, address] of Object.entries(addresses)) {
    const container = await docker.createContainer({
      name: `${options.network}-${name}`,
      Image: options.image,
      Cmd: ['node', '-e', options.server ?? SERVER],
      Env: [`STANDIN_NAME=${name}`, `STANDIN_KEY=${keyPem}`, `STANDIN_CERT=${certPem}`],
      Labels: { 'io.agentctl.test': options.label },
      HostConfig: { NetworkMode: options.network },
      NetworkingConfig: { EndpointsConfig: { [options.network]: { IPAMConfig: { IPv4Address: address } } } },
    });
    ids.push(container.id);
    await container.start();
  }
  for (const id of ids) {
    for (let attempt = 0; ; attempt++) {
      const logs = (await docker.getContainer(id).logs({ stdout: true, stderr: true })).toString();
      if (logs.includes('listening')) break;
      if (attempt > 100) throw new Error(`stand-in ${id.slice(0, 12)} did not listen: ${logs}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const names = Object.keys(addresses);
  return {
    certPem,
    addresses,
    logs: async (name) =>
      (await docker.getContainer(ids[names.indexOf(name)]!).logs({ stdout: true, stderr: true })).toString(),
    async remove() {
      for (const id of ids)
        await docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
    },
  };
}
