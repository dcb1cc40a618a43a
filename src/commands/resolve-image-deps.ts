import type { CommandContext } from './context.js';
import type { Config } from '../config/schema.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { ResolveImageDeps } from '../image/resolve-agent-image.js';
import { createPullProgressDisplay } from '../io/pull-progress-display.js';

/**
 * What image resolution needs from the command's world (start, run, image pull, image resolve):
 * pull progress on the terminal, registry passwords registered for masking, Ctrl-C.
 */
export function resolveImageDeps(context: CommandContext, config: Config, runtime: ContainerRuntime): ResolveImageDeps {
  return {
    runtime,
    config,
    env: context.env,
    homedir: context.homedir,
    signal: context.signal,
    progress: createPullProgressDisplay(context.io),
    secrets: context.io.secrets,
  };
}
