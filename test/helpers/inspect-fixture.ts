import type { ContainerDetails } from '../../src/runtime/container-operations.js';
import { LABELS } from '../../src/shared/labels.js';
import { fakeRuntime } from './fake-runtime.js';

/** An ended agent with a secret, an environment value and user labels (inspect's unit tests). */
export const DETAILS: ContainerDetails = {
  id: 'f'.repeat(64),
  name: 'agentctl-fixer',
  state: 'exited',
  running: false,
  startedAt: '2026-12-01T10:00:00Z',
  finishedAt: '2026-12-01T10:05:00Z',
  exitCode: 137,
  oomKilled: true,
  labels: {
    [LABELS.managed]: 'true',
    [LABELS.agent]: 'fixer',
    [LABELS.workspace]: '/src/app',
    [LABELS.image]: 'ghcr.io/x/agent-node:1.2.3',
    [LABELS.imageDigest]: `sha256:${'a'.repeat(64)}`,
    [LABELS.branch]: 'agent/fixer',
    [LABELS.base]: 'abc123',
    'io.agentctl.label.team': 'web',
    'io.agentctl.label.io.agentctl.managed': 'false',
  },
  image: 'ghcr.io/x/agent-node:1.2.3',
  user: '1000:1000',
  env: ['PATH=/bin', 'API_TOKEN_FILE=/run/secrets/API_TOKEN', 'DEBUG_SETTING=very-secret-value', 'EMPTY='],
  tty: true,
  openStdin: true,
  hostConfig: { nanoCpus: 2e9, memory: 512 * 1024 * 1024, pidsLimit: 100 },
  spec: {
    command: ['claude'],
    network: '',
    mounts: [{ source: '/src/app', target: '/workspace', readOnly: false }],
    addCapabilities: [],
    ports: [{ hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' }],
  },
  raw: {},
};

export const runtime = () =>
  fakeRuntime({
    listContainers: async () => [{ id: DETAILS.id, name: DETAILS.name, state: 'exited', labels: {}, image: '' }],
    inspectContainer: async () => DETAILS,
    fetchOciRuntime: async () => 'runc',
  });
