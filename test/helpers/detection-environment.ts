import type { DetectionEnvironment } from '../../src/runtime/detect/strategy.js';

/**
 * A DetectionEnvironment over an in-memory file tree: `files` maps a path to its content (a socket
 * is any path with content 'socket'). Directories exist when some file lies under them.
 */
export function fakeEnvironment(options: {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
  uid?: number;
  files?: Record<string, string>;
  runtime?: 'docker' | 'podman';
  host?: string;
  hostSource?: string;
}): DetectionEnvironment {
  const files = options.files ?? {};
  const isDir = (path: string) =>
    Object.keys(files).some((file) =>
      file.startsWith(path.replace(/[\\/]+$/, '') + (path.includes('\\') ? '\\' : '/')),
    );
  return {
    env: options.env ?? {},
    platform: options.platform ?? 'linux',
    homedir: options.homedir ?? '/home/ada',
    uid: options.uid,
    runtime: options.runtime,
    host: options.host,
    hostSource: options.hostSource,
    fs: {
      exists: async (path) => path in files || isDir(path),
      readFile: async (path) => {
        if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return files[path]!;
      },
      readdir: async (path) => {
        const prefix = path.replace(/[\\/]+$/, '') + (path.includes('\\') ? '\\' : '/');
        const names = Object.keys(files)
          .filter((file) => file.startsWith(prefix))
          .map((file) => file.slice(prefix.length).split(/[\\/]/)[0]!);
        if (!names.length) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return [...new Set(names)];
      },
    },
  };
}
