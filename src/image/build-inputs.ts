import { createHash } from 'node:crypto';
import type { TarEntry } from '../shared/tar.js';

/** The label that records what an image was built from (see buildInputsDigest). */
export const BUILD_INPUTS_LABEL = 'io.agentctl.build-inputs';

export interface BuildInputs {
  /** The build context as sent (Dockerfile, scripts, extra CA files). */
  entries: readonly TarEntry[];
  buildArgs: Record<string, string>;
  /** The id of the local image BASE_IMAGE names (a tag alone could point at another image later). */
  baseImageId: string;
  platform?: string;
}

/**
 * A digest of everything a build's result depends on that agentctl can know: every context entry
 * (name, type, mode, content, link target), the build arguments, the base image's id and the
 * platform. Labels that change at every build (created) are not part of it. Two builds with the
 * same digest differ only in what the network gave them (package versions from the mirror).
 */
export function buildInputsDigest(inputs: BuildInputs): string {
  const hash = createHash('sha256');
  const field = (value: string | Buffer) => hash.update(`${Buffer.byteLength(value)}:`).update(value);
  for (const entry of inputs.entries) {
    field(entry.name);
    field(`${entry.type} ${entry.mode.toString(8)}`);
    if (entry.type === 'file') field(entry.content ?? Buffer.alloc(0));
    if (entry.type === 'symlink') field(entry.linkTarget ?? '');
  }
  for (const key of Object.keys(inputs.buildArgs).sort()) field(`arg ${key}=${inputs.buildArgs[key]}`);
  field(`base ${inputs.baseImageId}`);
  field(`platform ${inputs.platform ?? ''}`);
  return `sha256:${hash.digest('hex')}`;
}
