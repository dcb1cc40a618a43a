import { posix } from 'node:path';
import { createTar, type TarEntry } from '../shared/tar.js';
import type { AgentFiles, AgentSpec } from './agent-spec.js';

/** An archive for the engine's archive API, and the directory it is extracted at. */
export interface ArchiveUpload {
  path: string;
  archive: Buffer;
}

/** A directory of files, owned by `owner`, as an archive extracted at the directory's parent. */
export async function filesUpload(files: AgentFiles, owner: { uid: number; gid: number }): Promise<ArchiveUpload> {
  const dir = posix.normalize(files.dir).replace(/\/+$/, '');
  const base = posix.basename(dir);
  const entries: TarEntry[] = [
    { name: base, type: 'directory', mode: files.mode, ...owner },
    ...files.files.map((file): TarEntry => ({
      name: `${base}/${file.name}`,
      type: 'file',
      mode: file.mode,
      content: file.content,
      ...owner,
    })),
  ];
  return { path: posix.dirname(dir), archive: await createTar(entries) };
}

/**
 * What goes into a created container before it starts: the home volume's root owned by the agent's
 * user (a fresh volume is root's), then each directory of files.
 */
export async function createUploads(spec: AgentSpec): Promise<ArchiveUpload[]> {
  const owner = { uid: spec.user.uid, gid: spec.user.gid };
  const homes = spec.mounts.flatMap((mount) =>
    mount.kind === 'home' ? [filesUpload({ dir: mount.target, mode: 0o755, files: [] }, owner)] : [],
  );
  return Promise.all([...homes, ...spec.files.map((files) => filesUpload(files, owner))]);
}
