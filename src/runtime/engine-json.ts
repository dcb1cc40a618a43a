import type { Endpoint } from './endpoint.js';
import { createEngineHttp, type EngineHttp, type EngineRequest } from './engine-http.js';

/** GET requests whose answer is one JSON document, without loading dockerode. */
export interface EngineJsonClient {
  /**
   * Resolves with the parsed body of a 2xx answer; rejects with an EngineResponseError
   * (`statusCode`, `json`, the engine's message) otherwise, which the runtime reads as it reads
   * dockerode's failures.
   */
  get(path: string, query?: Record<string, string | boolean>): Promise<unknown>;
  /** Any request whose answer is empty or one JSON document; the same answers and errors as `get`. */
  send(request: EngineRequest): Promise<unknown>;
}

/**
 * A JSON client over the endpoint's transport (engine-http.ts: sockets, TCP, TLS, ssh://), with
 * the HTTP client under it (`http`, for streams); undefined only for a malformed URL. No timeout,
 * like the runtime's dockerode client.
 */
export function createEngineJsonClient(endpoint: Endpoint): (EngineJsonClient & { http: EngineHttp }) | undefined {
  let http;
  try {
    http = createEngineHttp(endpoint);
  } catch {
    return undefined;
  }
  return {
    http,
    get(path, query = {}) {
      const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)])).toString();
      return http.fetchJson({ method: 'GET', path: search ? `${path}?${search}` : path });
    },
    send: (request) => http.fetchJson(request),
  };
}
