import Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const uniqueSuffix = (): string => randomBytes(4).toString('hex');

/** A dockerode client for the engine under test (setup and cleanup only; the CLI is what is tested). */
export function engineClient(host: string): Dockerode {
  return new Dockerode({ socketPath: host.replace(/^unix:\/\//, '') });
}

async function follow(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
      const failed = output?.find((event) => event.error !== undefined);
      if (error) reject(error);
      else if (failed) reject(new Error(failed.error));
      else resolve();
    });
  });
}

/** Tags a local image as `target` and pushes it (to 127.0.0.1:5000 or :5001 with credentials). */
export async function pushAs(
  docker: Dockerode,
  source: string,
  target: string,
  auth?: { username: string; password: string; serveraddress: string },
): Promise<void> {
  const colon = target.lastIndexOf(':');
  await docker.getImage(source).tag({ repo: target.slice(0, colon), tag: target.slice(colon + 1) });
  // dockerd wants an X-Registry-Auth header on push even when anonymous: an encoded {} is one.
  const authconfig = auth ?? { key: Buffer.from('{}').toString('base64') };
  const stream = await docker.getImage(target).push({ authconfig } as object);
  await follow(docker, stream as NodeJS.ReadableStream);
}

/** Removes a local image reference if present (only references a test created). */
export async function removeLocal(docker: Dockerode, reference: string): Promise<void> {
  try {
    await docker.getImage(reference).remove({ force: true });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
}

/** Deletes `path:tag` from a test registry (delete is enabled there). */
export async function deleteFromRegistry(
  registry: string,
  path: string,
  tag: string,
  basic?: { username: string; password: string },
): Promise<void> {
  const headers: Record<string, string> = {
    accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
  };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  const head = await fetch(`http://${registry}/v2/${path}/manifests/${tag}`, { method: 'HEAD', headers });
  const digest = head.headers.get('docker-content-digest');
  if (digest) await fetch(`http://${registry}/v2/${path}/manifests/${digest}`, { method: 'DELETE', headers });
}

/** A temp HOME with a Docker config.json holding `auths` for one registry (or none). */
export async function tempHomeWithDockerAuth(registry?: string, username?: string, password?: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'agentctl-image-home-'));
  await mkdir(join(home, '.docker'), { recursive: true });
  const auths =
    registry === undefined ? {} : { [registry]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({ auths }));
  return home;
}
