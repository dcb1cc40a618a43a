import { z } from 'zod';
import { kubernetesPodSchema, kubernetesRequestsSchema } from './kubernetes-schema.js';

/** Sizes like 512m, 4g, 1.5G, 1024 (bytes). */
export const SIZE_PATTERN = /^\d+(\.\d+)?\s*([bkmgt]i?b?)?$/i;

const argv = z.array(z.string());
const hostPattern = z.string().min(1);
const homePath = z
  .string()
  .regex(/^(?!\/)(?!(.*\/)?\.\.(\/|$)).+$/, 'a path relative to the home directory, without ..');
const egressPolicy = z.enum(['open', 'allowlist', 'learn', 'none']);
const allowList = z
  .array(z.string().min(1))
  .describe('Hosts an allowlist agent may reach: example.com, *.example.com, with :port');

const alsoHeaders = z
  .array(z.object({ header: z.string().min(1), format: z.string().min(1).optional() }).strict())
  .describe('More request headers that carry the same secret (each with its format)');

const agentProfile = z
  .object({
    description: z.string().optional().describe('What this agent is (shown in listings)'),
    image: z.string().min(1).optional().describe('Image reference for this agent (repository:tag); wins over stack'),
    stack: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a stack name such as base or codex')
      .optional()
      .describe('Image stack: base is <repository>:<tag>, any other S is <repository>-S:<tag>'),
    command: argv.optional().describe('Command run in the container instead of the image default'),
    env: z.record(z.string(), z.string()).optional().describe('Extra environment variables'),
    secrets: z.array(z.string()).optional().describe('Names of host variables passed as secrets'),
    credentials: z
      .record(
        z.string(),
        z
          .object({
            hosts: z.array(hostPattern).describe('Hosts whose requests carry this secret'),
            header: z.string().min(1).describe('Request header that carries it (lower case)'),
            format: z.string().min(1).describe('How the header value is written: {value} stands for the secret'),
            also: alsoHeaders.optional(),
          })
          .strict(),
      )
      .optional()
      .describe('The service each secret is for'),
    capabilities: z.array(z.string()).optional().describe('Linux capabilities this agent needs'),
    taskCommand: argv.optional().describe('How a task is handed over: argv with {prompt} / {input} placeholders'),
    resumeCommand: argv.optional().describe('Command that resumes the last session (start --continue)'),
    state: z.array(homePath).optional().describe('Where the agent keeps its state, relative to its home'),
    sessions: homePath.optional().describe('Where its sessions are, relative to its home (start --continue)'),
    egress: z
      .object({
        policy: egressPolicy.optional().describe("This agent's egress policy (over egress.policy)"),
        allow: z.array(hostPattern).optional().describe('Hosts the agent service needs'),
      })
      .strict()
      .optional(),
  })
  .strict();

const task = z
  .object({
    agent: z.string().min(1),
    prompt: z.string().optional(),
    command: z.array(z.string()).optional(),
  })
  .strict();

/** The whole configuration. Unknown keys are errors (strict objects). */
export const configSchema = z
  .object({
    runtime: z.enum(['docker', 'podman']).optional().describe('Only use this engine kind'),
    host: z.string().min(1).optional().describe('Engine endpoint (unix://, tcp://, npipe://)'),
    backend: z.enum(['engine', 'kubernetes']).optional().describe('Where agents run'),
    image: z
      .object({
        repository: z.string().min(1).optional(),
        tag: z.string().min(1).optional(),
        useLocal: z.boolean().optional(),
        devTag: z.string().min(1).optional(),
        pull: z.enum(['missing', 'always', 'never']).optional(),
      })
      .strict()
      .optional(),
    defaultAgent: z.string().min(1).optional(),
    agents: z.record(z.string(), agentProfile).optional(),
    tasks: z.record(z.string(), task).optional(),
    resources: z
      .object({
        cpus: z.number().positive().optional(),
        memory: z.string().regex(SIZE_PATTERN, 'a size such as 512m or 4g').optional(),
        pidsLimit: z.number().int().positive().optional(),
        logSize: z.string().regex(SIZE_PATTERN, 'a size such as 20m or 1g').optional(),
      })
      .strict()
      .optional(),
    secrets: z.array(z.string()).optional().describe('Host variables always offered as secrets'),
    worktree: z.enum(['auto', 'always', 'never']).optional(),
    worktreeDir: z.string().min(1).optional(),
    git: z
      .object({
        name: z.string().min(1).optional().describe('Commit author/committer name of agents ({agent} = agent name)'),
        email: z.string().min(1).optional().describe('Commit author/committer email of agents ({agent} = agent name)'),
      })
      .strict()
      .optional(),
    dataDir: z.string().min(1).optional(),
    // Only which keys detach `attach` (docker's --detach-keys syntax): a convenience setting, not a
    // security one; checked by the attach command, which names this key when it is malformed.
    detachKeys: z.string().min(1).optional().describe('Keys that detach `attach` and `start` (default "ctrl-\\")'),
    network: z.string().min(1).optional(),
    egress: z
      .object({
        policy: egressPolicy.optional().describe('open (default), allowlist, learn or none'),
        allow: allowList.optional(),
        secrets: z
          .record(
            z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a secret name'),
            z
              .object({
                hosts: z.array(z.string().min(1)).min(1),
                header: z.string().min(1),
                format: z.string().min(1).optional(),
                also: alsoHeaders.optional(),
              })
              .strict(),
          )
          .optional()
          .describe('More secrets bound to services: the gateway injects them into requests to these hosts'),
        gatewayImage: z.string().min(1).optional().describe('Image (with node) the egress gateway runs'),
      })
      .strict()
      .optional(),
    ociRuntime: z.string().min(1).optional(),
    kubernetes: z
      .object({
        context: z.string().min(1).optional().describe('kubeconfig context (default: the current context)'),
        namespace: z.string().min(1).optional().describe("Namespace of agents (default: the context's, else default)"),
        storageClass: z
          .string()
          .min(1)
          .optional()
          .describe('StorageClass of state volumes (default: the cluster default)'),
        storageSize: z
          .string()
          .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a quantity such as 1Gi')
          .optional()
          .describe('Size of each state volume (default 1Gi)'),
        workspace: z
          .enum(['clone', 'upload'])
          .optional()
          .describe(
            "How an agent gets its workspace: clone (default) its origin remote at the pushed commit, or upload the checkout's commit and its history through the API (no remote needed)",
          ),
        pod: kubernetesPodSchema.optional().describe('Placement and identity of agent Pods'),
        requests: kubernetesRequestsSchema.optional().describe('Requests below the limits'),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type AgentProfile = z.infer<typeof agentProfile>;
