// A logging proxy for the engine socket: `node bench/api-proxy.mjs LISTEN.sock ENGINE.sock` prints
// every request line (method, path) with the time it arrived (epoch ms), so the engine
// round trips a command makes can be counted: point the CLI at unix://LISTEN.sock.
import { createServer, connect } from 'node:net';
import { rmSync } from 'node:fs';

const [listen, target] = process.argv.slice(2);
if (!listen || !target) {
  console.error('usage: node bench/api-proxy.mjs LISTEN.sock ENGINE.sock');
  process.exit(2);
}
rmSync(listen, { force: true });
const server = createServer((client) => {
  const upstream = connect(target);
  let upgraded = false;
  client.on('data', (chunk) => {
    if (!upgraded) {
      const text = chunk.toString('latin1');
      for (const match of text.matchAll(/^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r$/gm)) {
        console.log(`${Date.now()}  ${match[1]} ${match[2].slice(0, 100)}`);
        if (/\r\nUpgrade: tcp/i.test(text)) upgraded = true;
      }
    }
    upstream.write(chunk);
  });
  upstream.on('data', (chunk) => client.write(chunk));
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('close', close);
  upstream.on('close', close);
  client.on('error', close);
  upstream.on('error', close);
});
server.listen(listen, () => console.error(`proxy ${listen} → ${target}`));
process.on('SIGTERM', () => {
  server.close();
  rmSync(listen, { force: true });
  process.exit(0);
});
