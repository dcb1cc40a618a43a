/**
 * The parts of @kubernetes/client-node agentctl uses. The build bundles this file on its own,
 * minified, into dist/lazy-kubernetes.mjs (scripts/build.mjs): the client is large and only the
 * Kubernetes backend loads it.
 */
export {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  Log,
  NetworkingV1Api,
  StorageV1Api,
  VersionApi,
} from '@kubernetes/client-node';
export { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
