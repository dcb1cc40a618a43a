import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { registerImageLs } from './image-ls.js';
import { registerImagePull } from './image-pull.js';
import { registerImageResolve } from './image-resolve.js';
import { registerImageBuild } from './image-build.js';
import { registerImageRm } from './image-rm.js';
import { registerImageOutdated } from './image-outdated.js';

/** `agentctl image`: one file per verb (image-<verb>.ts), in the order `image --help` lists them. */
export function registerImage(program: Command, context: CommandContext): void {
  const image = program.command('image').description('List, pull, build and remove agent images');
  registerImageLs(image, context);
  registerImagePull(image, context);
  registerImageResolve(image, context);
  registerImageOutdated(image, context);
  registerImageBuild(image, context);
  registerImageRm(image, context);
}
