import path from 'node:path';
import type { Endpoint } from '../endpoint.js';
import type { DetectionStrategy } from './strategy.js';

/**
 * DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH) and Podman's CONTAINER_HOST. Set, they are
 * the only endpoints tried (the docker and podman CLIs never fall back from them either): a dead
 * DOCKER_HOST must not quietly become the default socket's engine and its agents.
 */
export const dockerHostStrategy: DetectionStrategy = {
  name: 'env',
  async candidates({ env, homedir, fs }) {
    const endpoints: Endpoint[] = [];
    if (env.DOCKER_HOST) {
      const endpoint: Endpoint = { url: env.DOCKER_HOST, source: 'DOCKER_HOST' };
      if (env.DOCKER_HOST.startsWith('tcp://')) {
        const verify =
          env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0';
        const certPath = env.DOCKER_CERT_PATH || path.join(homedir, '.docker');
        if (verify) {
          endpoint.tls = { verify, certPath };
          const read = async (name: string) =>
            (await fs.exists(path.join(certPath, name))) ? fs.readFile(path.join(certPath, name)) : undefined;
          endpoint.tls.ca = await read('ca.pem');
          endpoint.tls.cert = await read('cert.pem');
          endpoint.tls.key = await read('key.pem');
        }
      }
      endpoints.push(endpoint);
    }
    if (env.CONTAINER_HOST) {
      endpoints.push({ url: env.CONTAINER_HOST, source: 'CONTAINER_HOST', expectedKind: 'podman' });
    }
    return endpoints.length ? { endpoints, final: true } : { endpoints };
  },
};
