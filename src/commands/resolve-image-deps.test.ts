import { describe, expect, it } from 'vitest';
import { memoryStreams } from '../../test/helpers/memory-streams.js';
import { Io } from '../io/io.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { CommandContext } from './context.js';
import { resolveImageDeps } from './resolve-image-deps.js';

describe('resolveImageDeps (start, run, image pull and image resolve share it)', () => {
  it("hands over the command's world: env, home, Ctrl-C, masking of registry passwords, pull progress", () => {
    const streams = memoryStreams();
    const controller = new AbortController();
    const context = new CommandContext({
      io: new Io(streams, {}),
      env: { HOME: '/home/u' },
      cwd: '/w',
      homedir: '/home/u',
      signal: controller.signal,
    });
    const runtime = {} as ContainerRuntime;
    const deps = resolveImageDeps(context, {}, runtime);
    expect(deps).toMatchObject({ runtime, config: {}, env: { HOME: '/home/u' }, homedir: '/home/u' });
    expect(deps.signal).toBe(controller.signal);
    deps.secrets!.add('registry-password-9f2');
    context.io.out('token registry-password-9f2');
    expect(streams.output().stdout).not.toContain('registry-password-9f2');
    deps.progress!.begin('ghcr.io/agentctl/agent:1', 'ghcr.io');
    deps.progress!.end(true);
    expect(streams.output().stderr).toContain('ghcr.io/agentctl/agent:1');
  });
});
