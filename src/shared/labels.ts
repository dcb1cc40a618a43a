/**
 * Labels on every object agentctl creates (containers, volumes, images it builds). `managed` marks
 * an object as agentctl's: ls, rm and prune never touch an object without it.
 */
export const LABELS = {
  managed: 'io.agentctl.managed',
  agent: 'io.agentctl.agent',
  workspace: 'io.agentctl.workspace',
  image: 'io.agentctl.image',
  imageDigest: 'io.agentctl.image-digest',
  imageSource: 'io.agentctl.image-source',
  cliVersion: 'io.agentctl.version',
  branch: 'io.agentctl.branch',
  worktree: 'io.agentctl.worktree',
  repository: 'io.agentctl.repository',
  /** agentctl's directory for the agent's own git repository (src/core/worktree/agent-repository.ts). */
  gitState: 'io.agentctl.git-state',
  /** The commit the agent's branch started at. */
  base: 'io.agentctl.base',
  readOnly: 'io.agentctl.read-only',
  /** Why the engine does not enforce the agent's limits (limits-enforcement.ts); absent when it does. */
  limitsIgnored: 'io.agentctl.limits-ignored',
  kind: 'io.agentctl.kind',
  /** The agent's egress policy (open, allowlist, learn, none); absent on agents made before it: open. */
  egress: 'io.agentctl.egress',
  /** Its allowlist, comma-separated (allowlist and learn). */
  egressAllow: 'io.agentctl.egress-allow',
  /** The agent can resume its session (`start --continue`): where its sessions are under its home, or `-`. */
  resume: 'io.agentctl.resume',
  /** The egress gateway an allowlist or learn agent is registered with (its container's name). */
  egressGateway: 'io.agentctl.egress-gateway',
  /**
   * On the gateway: what its proxy program understands (EGRESS_PROGRAM in src/core/egress/gateway.ts:
   * 2 takes `resolveName` and `ca: "gateway"` in a registration); gateways made before it lack the label (1).
   */
  egressProgram: 'io.agentctl.egress-program',
  /** The agent's maximum lifetime per start, in seconds (`start --ttl`): its backend stops it then. */
  ttl: 'io.agentctl.ttl',
  /** A one-shot task (`agentctl run`): never run again (Kubernetes: a bare Pod, not a StatefulSet). */
  task: 'io.agentctl.task',
} as const;

/**
 * Where the labels a user gives (`start --label KEY=VALUE`) live: `io.agentctl.label.KEY`, a
 * namespace none of agentctl's own labels uses, so a user's key can never set one of them.
 */
export const USER_LABEL_PREFIX = 'io.agentctl.label.';

/** The labels a user gave (`io.agentctl.label.KEY` → `KEY`). */
export function getUserLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels)
      .filter(([key]) => key.startsWith(USER_LABEL_PREFIX))
      .map(([key, value]) => [key.slice(USER_LABEL_PREFIX.length), value])
      .sort(([a], [b]) => a!.localeCompare(b!)),
  );
}

export const CONTAINER_PREFIX = 'agentctl-';
