import { describe, expect, it } from 'vitest';
import { buildStatefulSet, controlledPod, controlledPodName } from './agent-controller.js';
import type { AgentRecord } from './agent-record.js';
import { buildPod } from './pod-spec.js';
import { recordedSpec } from '../../../test/helpers/kube-records.js';

const owner = { metadata: { name: 'agentctl-a', uid: 'uid-1' } };
const record: AgentRecord = {
  format: 2,
  spec: recordedSpec({ mounts: [{ kind: 'home', volume: 'agentctl-a-home', target: '/home/agent' }] }),
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
