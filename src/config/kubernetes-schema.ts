import { z } from 'zod';

// What Kubernetes itself accepts, checked when the config is read: a typo fails there, naming the
// key, rather than as the API server's refusal at the next start.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const labelKey = z.string().regex(LABEL_KEY, 'a Kubernetes label key (prefix/name)');
const labelValue = z.string().regex(LABEL_VALUE, 'a Kubernetes label value (63 characters of A-Z a-z 0-9 - _ .)');
const objectName = z.string().regex(DNS_SUBDOMAIN, 'a Kubernetes object name (lower case, digits, - and .)');
// agentctl's own keys: the agent's labels and the record's, which commands select on.
const ownKey = (key: string) => /^(io\.agentctl|agentctl\.io)(\/|\.)/.test(key);
const notOwn = { message: 'keys under io.agentctl / agentctl.io are agentctl’s own' };

const toleration = z
  .object({
    key: labelKey.optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: labelValue.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().nonnegative().optional(),
  })
  .strict()
  .refine((entry) => entry.operator !== 'Exists' || entry.value === undefined, {
    message: 'a toleration with operator Exists has no value',
  });

/** Kubernetes' own Affinity object, as in a Pod spec: the API server checks its inside. */
const affinity = z
  .object({
    nodeAffinity: z.record(z.string(), z.unknown()).optional(),
    podAffinity: z.record(z.string(), z.unknown()).optional(),
    podAntiAffinity: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** `kubernetes.pod`: where agents' Pods are placed and who they are, mapped as is into the Pod spec. */
export const kubernetesPodSchema = z
  .object({
    nodeSelector: z.record(labelKey, labelValue).optional().describe('Node labels an agent’s node must have'),
    tolerations: z.array(toleration).optional().describe('Taints the agents tolerate'),
    affinity: affinity.optional().describe('Node and Pod (anti-)affinity, as in a Pod spec'),
    priorityClassName: objectName.optional().describe('PriorityClass of agent Pods'),
    serviceAccountName: objectName
      .optional()
      .describe('Service account of agent Pods (its token is still not mounted)'),
    imagePullSecrets: z.array(objectName).optional().describe('Secrets the nodes pull the image with'),
    labels: z
      .record(labelKey, labelValue)
      .refine((labels) => !Object.keys(labels).some(ownKey), notOwn)
      .optional()
      .describe('Extra labels on agent Pods'),
    annotations: z
      .record(z.string().regex(LABEL_KEY, 'an annotation key (prefix/name)'), z.string())
      .refine((annotations) => !Object.keys(annotations).some(ownKey), notOwn)
      .optional()
      .describe('Extra annotations on agent Pods'),
  })
  .strict();

/** `kubernetes.requests`: what the scheduler reserves, below the limits (--cpus, --memory). */
export const kubernetesRequestsSchema = z
  .object({
    cpus: z.number().positive().max(1024).optional().describe('CPUs requested (default: the --cpus limit)'),
    memory: z
      .string()
      .regex(/^\d+(\.\d+)?\s*([bkmgt]i?b?)?$/i, 'a size such as 256m')
      .optional()
      .describe('Memory requested (default: the --memory limit)'),
  })
  .strict();

export type KubernetesPodSettings = z.infer<typeof kubernetesPodSchema>;
export type KubernetesRequests = z.infer<typeof kubernetesRequestsSchema>;
