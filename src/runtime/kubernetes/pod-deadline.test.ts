import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { isControlled } from './agent-lifecycle.js';
import type { AgentRecord } from './agent-record.js';
import { DEADLINE_ANNOTATION, endedByDeadline, getDeadline, withDeadline } from './pod-deadline.js';

const pod = (): V1Pod => ({
  metadata: { name: 'agentctl-a-0', annotations: { 'io.agentctl.workspace': '/w' } },
  spec: {
    initContainers: [{ name: 'clone-workspace', image: 'img' }],
    containers: [{ name: 'agent', image: 'img', args: ['sleep', '600'] }],
  },
});

describe('the lifetime of an agent on Kubernetes (start --ttl)', () => {
  it('counts the deadline from the start, from the label the core set', () => {
    const now = Date.parse('2026-12-02T08:00:00Z');
    expect(getDeadline({ 'io.agentctl.ttl': '90' }, now)?.toISOString()).toBe('2026-12-02T08:01:30.000Z');
    expect(getDeadline({}, now)).toBeUndefined();
    expect(getDeadline({ 'io.agentctl.ttl': 'soon' }, now)).toBeUndefined();
  });

  it('gives the agent container a liveness probe and a postStart hook that fail once the deadline passed, and the Pod the deadline', () => {
    const deadline = new Date('2026-12-02T08:01:30Z');
    const held = withDeadline(pod(), deadline);
    const agent = held.spec!.containers[0]!;
    const check = ['sh', '-c', `[ "$(date +%s)" -lt ${deadline.getTime() / 1000} ]`];
    expect(agent.livenessProbe).toEqual({
      exec: { command: check },
      periodSeconds: 5,
      timeoutSeconds: 5,
      failureThreshold: 2,
    });
    expect(agent.lifecycle?.postStart).toEqual({ exec: { command: check } });
    expect(agent.args).toEqual(['sleep', '600']);
    // The init steps are not held to it: a clone after the deadline is not the agent's work.
    expect(held.spec!.initContainers![0]).toEqual({ name: 'clone-workspace', image: 'img' });
    expect(held.metadata?.annotations).toEqual({
      'io.agentctl.workspace': '/w',
      [DEADLINE_ANNOTATION]: '2026-12-02T08:01:30.000Z',
    });
  });

  it('the check is a working sh test: true before the deadline, false after it', () => {
    const run = (epoch: number) => {
      const [shell, flag, script] = withDeadline(pod(), new Date(epoch * 1000)).spec!.containers[0]!.livenessProbe!
        .exec!.command!;
      try {
        execFileSync(shell!, [flag!, script!]);
        return true;
      } catch {
        return false;
      }
    };
    const now = Math.floor(Date.now() / 1000);
    expect(run(now + 3600)).toBe(true);
    expect(run(now - 1)).toBe(false);
  });

  it('says an agent was stopped by its deadline only when it ended at or after it', () => {
    const deadline = '2026-12-02T08:01:30.000Z';
    expect(endedByDeadline(deadline, '2026-12-02T08:01:41.000Z')).toBe(true);
    expect(endedByDeadline(deadline, '2026-12-02T08:00:10.000Z')).toBe(false);
    expect(endedByDeadline(undefined, '2026-12-02T08:01:41.000Z')).toBe(false);
    expect(endedByDeadline(deadline, undefined)).toBe(false);
  });
});

describe('which agents have a StatefulSet', () => {
  const record = (labels: Record<string, string>, terminal: boolean) =>
    ({ format: 2, spec: { labels, terminal }, files: [] }) as unknown as AgentRecord;
  it('every agent of start, with a terminal or --no-tty; not the one-shot task of run', () => {
    expect(isControlled(record({}, true))).toBe(true);
    expect(isControlled(record({}, false))).toBe(true);
    expect(isControlled(record({ 'io.agentctl.task': 'true' }, false))).toBe(false);
  });
});
