import type { RecordedSpec } from '../../src/runtime/kubernetes/agent-record.js';

/** An agent's spec as its Kubernetes record keeps it: agent `a`, uid 1000, a TTY, no mounts. */
export function recordedSpec(extra: Partial<RecordedSpec> = {}): RecordedSpec {
  return {
    name: 'agentctl-a',
    image: 'registry.example/agent:1.0.0',
    env: [],
    user: { uid: 1000, gid: 1000, extraGroups: [], keepHostIds: false },
    workingDir: '/workspace',
    labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'a' },
    terminal: true,
    mounts: [],
    limits: { cpus: 1, memoryBytes: 1024 ** 3, memorySwapBytes: 1024 ** 3, pids: 512 },
    security: { addCapabilities: [], disableLabel: false },
    network: { mode: 'default' },
    ...extra,
  };
}
