import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fakeLookup } from '../../../test/helpers/fake-runtime.js';
import { isConnectionFailure } from '../../shared/errors.js';
import { attachAgent } from './attach-agent.js';
import type { StreamDeps } from './exec-agent.js';

const lost = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/** A connection that prints `text` and ends, as an attach does when its container (or the engine) goes. */
function endingConnection(text: string): Duplex {
  const connection = new PassThrough();
  setImmediate(() => connection.end(text));
  return connection;
}

function deps(runtime: Partial<StreamDeps['runtime']>): { deps: StreamDeps; stdout: PassThrough } {
  const stdout = new PassThrough();
  const full: StreamDeps['runtime'] = {
    ...fakeLookup([{ agent: 'box', tty: false, openStdin: false }]),
    createExec: async () => 'exec',
    startExec: async () => new PassThrough(),
    resizeExec: async () => undefined,
    inspectExec: async () => ({ running: false, exitCode: 0 }),
    attachContainer: async () => endingConnection('tick\n'),
    resizeContainer: async () => undefined,
    waitContainerExit: async () => 0,
    ...runtime,
  };
  return {
    deps: {
      runtime: full,
      streams: { stdin: new PassThrough(), stdout, stderr: new PassThrough() },
      signal: new AbortController().signal,
    },
    stdout,
  };
}

describe('attachAgent: how the exit code is found once the stream ends', () => {
  it("the wait's exit code, when the wait answers", async () => {
    const { deps: d } = deps({ waitContainerExit: async () => 7 });
    expect(await attachAgent(d, { name: 'box' })).toBe(7);
  });

  it('the engine gone (the wait and the inspect both fail): the connection failure, not a clean exit 0', async () => {
    let lookups = 0;
    const lookup = fakeLookup([{ agent: 'box', tty: false, openStdin: false }]);
    const { deps: d } = deps({
      waitContainerExit: async () => {
        throw lost();
      },
      // The first lookup (finding the agent) works; the engine dies during the session.
      listContainers: async (options) => {
        lookups += 1;
        if (lookups > 1) throw lost();
        return lookup.listContainers(options);
      },
    });
    const error = await attachAgent(d, { name: 'box' }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(isConnectionFailure(error)).toBe(true);
  });

  it('a failed wait with the engine still there: the exit code the inspect reads', async () => {
    let lookups = 0;
    const running = fakeLookup([{ agent: 'box', tty: false, openStdin: false }]);
    const exited = fakeLookup([{ agent: 'box', tty: false, openStdin: false, running: false, exitCode: 3 }]);
    const { deps: d } = deps({
      waitContainerExit: async () => {
        throw new Error('wait refused');
      },
      listContainers: async (options) => ((lookups += 1) > 1 ? exited : running).listContainers(options),
      inspectContainer: async (id) => (lookups > 1 ? exited : running).inspectContainer(id),
    });
    expect(await attachAgent(d, { name: 'box' })).toBe(3);
  });
});
