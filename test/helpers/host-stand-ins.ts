import { createServer, type Server } from 'node:https';

/**
 * Stand-ins for the services an agent behind the egress gateway talks to, run by the test itself
 * on an address of this machine that the agents' gateway reaches (the cluster node's): HTTPS
 * servers that record the headers of each request and answer with them as JSON. Their certificate
 * is one of the test's own for that address (stand-in-certificate.ts).
 */
export interface HostStandIns {
  certPem: string;
  /** Each stand-in's port, by name. */
  ports: Record<string, number>;
  /** The headers of each request a stand-in received, by name. */
  received: Record<string, Record<string, string | string[] | undefined>[]>;
  close(): void;
}

export async function startHostStandIns(
  host: string,
  certificate: { certPem: string; keyPem: string },
  names: string[],
): Promise<HostStandIns> {
  const servers: Server[] = [];
  const received: HostStandIns['received'] = Object.fromEntries(names.map((name) => [name, []]));
  const ports: Record<string, number> = {};
  for (const name of names) {
    const server = createServer({ key: certificate.keyPem, cert: certificate.certPem }, (request, response) => {
      received[name]!.push(request.headers);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ name, url: request.url, headers: request.headers }));
    });
    servers.push(server);
    ports[name] = await new Promise<number>((resolve) =>
      server.listen(0, host, () => resolve((server.address() as { port: number }).port)),
    );
  }
  return {
    certPem: certificate.certPem,
    ports,
    received,
    close: () => servers.forEach((server) => server.close()),
  };
}
