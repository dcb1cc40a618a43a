import { describe, expect, it } from 'vitest';
import type { ContainerDetails } from '../../runtime/container-operations.js';
import { removeAgents } from './remove-agent.js';
import type { LifecycleRuntime } from './stop-agent.js';

const ID = 'c936d217f4c82802069a584f1702da2b8d5c621555c543cfe1cbec813f3175f6';

/** One agent "x", "stopping" as an interrupted stop leaves it on Podman, with process 4242. */
function fake(options: { removeKeepsProcess: boolean }) {
  const calls: string[] = [];
  let record: ContainerDetails | undefined = {
    id: ID,
    name: 'agentctl-x',
    state: 'stopping',
    running: false,
    pid: 4242,
    image: 'img',
    user: '1000:1000',
    env: [],
    tty: true,
    openStdin: true,
    labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'x' },
    hostConfig: { nanoCpus: 0, memory: 0, pidsLimit: 0 },
    spec: { network: '', mounts: [], addCapabilities: [] },
    raw: {},
  };
  let processRuns = true;
  const runtime = {
    async inspectContainer() {
      return record;
    },
    async stopContainer(id: string, timeout: number) {
      calls.push(`stop ${timeout}`);
      if (!options.removeKeepsProcess) {
        processRuns = false;
        record = { ...record!, state: 'exited', running: false, pid: undefined };
      }
    },
    async removeContainer(_id: string, removeOptions?: { force?: boolean }) {
      calls.push(`remove force=${removeOptions?.force}`);
      record = undefined;
    },
  } as unknown as LifecycleRuntime;
  const processProbe = async (pid: number, id: string) => {
    calls.push(`probe ${pid}`);
    return processRuns && pid === 4242 && id === ID;
  };
  return { runtime, calls, processProbe, sleep: async () => undefined };
}

describe('removeAgents', () => {
  it('refuses a "stopping" agent without --force: its process still runs', async () => {
    const { runtime, calls } = fake({ removeKeepsProcess: false });
    await expect(
      removeAgents({ runtime }, { names: ['x'], all: false, force: false, volumes: false }),
    ).rejects.toMatchObject({ code: 'AGENT_RUNNING', kind: 'conflict' });
    expect(calls).toEqual([]);
  });

  it('--force kills it first, then removes it, and checks that its process is gone', async () => {
    const deps = fake({ removeKeepsProcess: false });
    expect(await removeAgents(deps, { names: ['x'], all: false, force: true, volumes: false })).toEqual([
      { name: 'x', volume: null },
    ]);
    expect(deps.calls).toEqual(['stop 0', 'remove force=true', 'probe 4242']);
  });

  it('--force fails (AGENT_STILL_RUNNING, with the pid) when the engine dropped the container but its process runs on', async () => {
    const deps = fake({ removeKeepsProcess: true });
    const failure = removeAgents(deps, { names: ['x'], all: false, force: true, volumes: false });
    await expect(failure).rejects.toMatchObject({
      code: 'AGENT_STILL_RUNNING',
      kind: 'engine',
      details: { agent: 'x', pid: 4242 },
    });
    await expect(failure).rejects.toMatchObject({ hint: expect.stringContaining('kill -9 4242') });
  });

  it('on a backend that clones (Kubernetes), --volumes of an agent with a writable clone is refused unless --force', async () => {
    const calls: string[] = [];
    const labels = { 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'k', 'io.agentctl.workspace': '/w' };
    const runtime = {
      async inspectContainer() {
        return { id: 'k', name: 'agentctl-k', state: 'exited', running: false, labels } as unknown as ContainerDetails;
      },
      async removeContainer() {
        calls.push('remove');
      },
      async inspectVolume(name: string) {
        return { name, labels: { 'io.agentctl.managed': 'true' } };
      },
      async removeVolume(name: string) {
        calls.push(`remove ${name}`);
      },
    } as unknown as LifecycleRuntime;
    const selection = { names: ['k'], all: false, force: false, volumes: true };
    await expect(removeAgents({ runtime, clones: true }, selection)).rejects.toMatchObject({
      code: 'AGENT_CLONE_MAY_HOLD_WORK',
      kind: 'unsafe',
      details: { agents: ['k'] },
    });
    expect(calls).toEqual([]);
    // Without --volumes the claim (and the clone) stay: nothing is lost.
    expect(await removeAgents({ runtime, clones: true }, { ...selection, volumes: false })).toEqual([
      { name: 'k', volume: null },
    ]);
    expect(await removeAgents({ runtime, clones: true }, { ...selection, force: true })).toEqual([
      { name: 'k', volume: 'agentctl-k-home' },
    ]);
    // The engines mount the workspace from this machine: the volume is only the agent's home.
    expect(await removeAgents({ runtime }, selection)).toEqual([{ name: 'k', volume: 'agentctl-k-home' }]);
  });

  it('--force --volumes of a running agent with a clone keeps its work in your repository first', async () => {
    const labels = { 'io.agentctl.managed': 'true', 'io.agentctl.agent': 'k', 'io.agentctl.workspace': '/w' };
    const calls: string[] = [];
    const running = (): LifecycleRuntime => {
      let gone = false;
      return {
        async inspectContainer() {
          return gone
            ? undefined
            : ({ id: 'k', name: 'agentctl-k', state: 'running', running: true, labels } as unknown as ContainerDetails);
        },
        async stopContainer() {
          calls.push('stop');
        },
        async removeContainer() {
          calls.push('remove');
          gone = true;
        },
        async inspectVolume(name: string) {
          return { name, labels: { 'io.agentctl.managed': 'true' } };
        },
        async removeVolume(name: string) {
          calls.push(`remove ${name}`);
        },
      } as unknown as LifecycleRuntime;
    };
    const selection = { names: ['k'], all: false, force: true, volumes: true };
    const saveWork = async (name: string) => {
      calls.push(`save ${name}`);
      return { ref: 'refs/agentctl/k/work', commit: 'c'.repeat(40) };
    };
    expect(await removeAgents({ runtime: running(), clones: true, saveWork }, selection)).toEqual([
      { name: 'k', volume: 'agentctl-k-home', savedWork: { ref: 'refs/agentctl/k/work', commit: 'c'.repeat(40) } },
    ]);
    expect(calls).toEqual(['save k', 'stop', 'remove', 'remove agentctl-k-home']);
    // --force means it goes anyway; what stopped the save is said.
    const failing = async () => {
      throw new Error('its checkout is not on this machine');
    };
    expect(await removeAgents({ runtime: running(), clones: true, saveWork: failing }, selection)).toEqual([
      { name: 'k', volume: 'agentctl-k-home', savedWork: { error: 'its checkout is not on this machine' } },
    ]);
  });
});
