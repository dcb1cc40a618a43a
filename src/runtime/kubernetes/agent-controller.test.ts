import { describe, expect, it } from 'vitest';
import { buildStatefulSet, controlledPod, controlledPodName } from './agent-controller.js';
import type { AgentRecord } from './agent-record.js';
import { buildPod } from './pod-spec.js';

const owner = { metadata: { name: 'agentctl-a', uid: 'uid-1' } };
const record: AgentRecord = {
  format: 2,
  spec: {
    name: 'agentctl-a',
    image: 'registry.example/agent:1.0.0',
    env: [],
    user: { uid: 1000, gid: 1000, extraGroups: [], keepHostIds: false },
    workingDir: '/workspace',
    labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'a' },
    terminal: true,
    mounts: [{ kind: 'home', volume: 'agentctl-a-home', target: '/home/agent' }],
    limits: { cpus: 1, memoryBytes: 1 << 30, memorySwapBytes: 1 << 30, pids: 512 },
    security: { addCapabilities: [], disableLabel: false },
    network: { mode: 'default' },
  },
  files: [{ dir: '/run/secrets', name: 'TOKEN', key: 'run_secrets_TOKEN' }],
};

describe('the StatefulSet of an agent', () => {
  const pod = buildPod(controlledPodName('agentctl-a'), record, owner);
  const controller = buildStatefulSet('agentctl-a', pod, owner, 1);

  it('is owned by the record, selects its Pods by the record uid and names the claim agentctl made', () => {
    expect(controller.metadata).toMatchObject({
      name: 'agentctl-a',
      labels: { 'io.agentctl.managed': 'true', 'agentctl.io/record': 'agentctl-a' },
      ownerReferences: [{ kind: 'ConfigMap', name: 'agentctl-a', uid: 'uid-1' }],
    });
    expect(controller.spec).toMatchObject({
      replicas: 1,
      serviceName: 'agentctl-a',
      selector: { matchLabels: { 'agentctl.io/record-uid': 'uid-1' } },
    });
    expect(controller.spec?.volumeClaimTemplates).toBeUndefined();
    expect(controller.spec?.template.spec?.volumes).toContainEqual({
      name: 'state',
      persistentVolumeClaim: { claimName: 'agentctl-a-home' },
    });
    // The Secret is the record's (agentctl-a-secrets), not named after the Pod.
    expect(controller.spec?.template.spec?.volumes?.find((volume) => volume.secret)?.secret?.secretName).toBe(
      'agentctl-a-secrets',
    );
    // The template's labels match the selector, as the API server requires.
    expect(controller.spec?.template.metadata?.labels).toMatchObject(controller.spec!.selector.matchLabels!);
  });

  it("restarts the agent's container (a StatefulSet cannot say Never) and keeps the hardening", () => {
    expect(controller.spec?.template.spec?.restartPolicy).toBe('Always');
    expect(controller.spec?.template.spec?.automountServiceAccountToken).toBe(false);
    expect(controller.spec?.template.spec?.containers[0]?.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(controller.spec?.template.metadata).not.toHaveProperty('ownerReferences');
  });

  it('gives admission (a dry run) the Pod the controller will make', () => {
    const admitted = controlledPod(controller);
    expect(admitted.metadata?.name).toBe('agentctl-a-0');
    expect(admitted.spec).toBe(controller.spec?.template.spec);
    expect(admitted.metadata).not.toHaveProperty('ownerReferences');
  });
});
