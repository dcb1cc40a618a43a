import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AgentContainerInfo } from './agent-lookup.js';
import { fakeLookup } from '../../../test/helpers/fake-runtime.js';
import { EngineError } from '../../shared/errors.js';
import { execAgent, type StreamDeps } from './exec-agent.js';

const box: AgentContainerInfo = {
  id: 'id-box',
  containerName: 'agentctl-box',
  agent: 'box',
  status: 'running',
  running: true,
  exitCode: undefined,
  tty: false,
  openStdin: false,
  labels: {},
  secretNames: [],
};

/** Podman 4.3 refuses the upgrade (409) when the exec cannot start; its text names no cause. The runtime reports it as EXEC_START_REFUSED. */
function podmanRefusing(exitCode: number, stat?: 'absent' | 'directory' | 'other') {
  const statted: string[] = [];
  const runtime: StreamDeps['runtime'] = {
    ...fakeLookup([box]),
    createExec: async () => 'exec-1',
    startExec: async () => {
      throw new EngineError(
        'EXEC_START_REFUSED',
        'The engine refused to start the command: unable to upgrade to tcp, received 409',
        { hint: 'Check that the command and the -w directory exist in the agent, then run it again' },
      );
    },
    inspectExec: async () => ({ running: false, exitCode }),
    resizeExec: async () => undefined,
    attachContainer: async () => {
      throw new Error('unexpected attach');
    },
    resizeContainer: async () => undefined,
    waitContainerExit: async () => 0,
    ...(stat ? { statContainerPath: async (_id: string, path: string) => (statted.push(path), stat) } : {}),
  };
  const streams = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  return { deps: { runtime, streams, signal: new AbortController().signal }, statted };
}

describe('execAgent when Podman refuses the upgrade (409)', () => {
  const base = { name: 'box', tty: false, interactive: false };

  it('a missing executable: "not found", exit 127', async () => {
    const { deps } = podmanRefusing(127);
    const result = await execAgent(deps, { ...base, command: ['no-such-tool'] });
    expect(result).toMatchObject({
      exitCode: 127,
      failure: { code: 'EXEC_NOT_FOUND', message: 'Command "no-such-tool" not found in agent "box"' },
    });
  });

  it('a -w directory that does not exist (the engine stat says so): the directory is named, exit 126', async () => {
    const { deps, statted } = podmanRefusing(127, 'absent');
    const result = await execAgent(deps, { ...base, command: ['pwd'], workingDir: '/nonexistent' });
    expect(statted).toEqual(['/nonexistent']);
    expect(result).toMatchObject({
      exitCode: 126,
      failure: {
        code: 'EXEC_WORKDIR_INVALID',
        message: 'Working directory "/nonexistent" does not exist in agent "box"',
      },
    });
  });

  it('a -w that is a file: "is not a directory"; a -w that exists: the command is what is missing', async () => {
    const file = podmanRefusing(125, 'other');
    expect(await execAgent(file.deps, { ...base, command: ['pwd'], workingDir: '/etc/passwd' })).toMatchObject({
      failure: { message: 'Working directory "/etc/passwd" is not a directory in agent "box"' },
    });
    const present = podmanRefusing(127, 'directory');
    expect(await execAgent(present.deps, { ...base, command: ['nope'], workingDir: '/tmp' })).toMatchObject({
      exitCode: 127,
      failure: { code: 'EXEC_NOT_FOUND' },
    });
  });
});
