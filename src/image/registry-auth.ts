import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryAuth } from '../runtime/image-operations.js';
import { DOCKER_HUB, type ImageReference } from '../shared/image-reference.js';

/** Runs `docker-credential-<helper> get` with `input` on stdin; resolves to its stdout. */
export type CredentialHelperRunner = (helper: string, input: string) => Promise<string>;

export interface RegistryAuthDeps {
  env: NodeJS.ProcessEnv;
  homedir: string;
  runHelper?: CredentialHelperRunner;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The server address credential stores use for Docker Hub (a historical URL). */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** The config.json / auth.json files looked at, in order: explicit first, then Docker's, then Podman's. */
export function authFiles(deps: Pick<RegistryAuthDeps, 'env' | 'homedir'>): string[] {
  const { env, homedir } = deps;
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  files.push(join(env.DOCKER_CONFIG || join(homedir, '.docker'), 'config.json'));
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(join(env.XDG_CONFIG_HOME || join(homedir, '.config'), 'containers', 'auth.json'));
  return files;
}

/** `https://host:port/v1/` or `host/namespace` → { host, path }; Docker Hub aliases → docker.io. */
export function normaliseAuthKey(key: string): { host: string; path: string } {
  let text = key.replace(/^[a-z]+:\/\//i, '');
  const slash = text.indexOf('/');
  let path = slash >= 0 ? text.slice(slash + 1).replace(/\/+$/, '') : '';
  text = slash >= 0 ? text.slice(0, slash) : text;
  if (text === 'index.docker.io' || text === 'registry-1.docker.io') {
    text = DOCKER_HUB;
    if (path === 'v1' || path === 'v2') path = '';
  }
  if (/^v[12]$/.test(path)) path = '';
  return { host: text.toLowerCase(), path };
}

function matchAuthKey(
  auths: Record<string, AuthEntry>,
  ref: Pick<ImageReference, 'registry' | 'path'>,
): AuthEntry | undefined {
  let best: { entry: AuthEntry; length: number } | undefined;
  for (const [key, entry] of Object.entries(auths)) {
    const { host, path } = normaliseAuthKey(key);
    if (host !== ref.registry.toLowerCase()) continue;
    if (path !== '' && ref.path !== path && !ref.path.startsWith(`${path}/`)) continue;
    if (best === undefined || path.length > best.length) best = { entry, length: path.length };
  }
  return best?.entry;
}

function fromEntry(entry: AuthEntry, serveraddress: string): RegistryAuth | undefined {
  if (entry.identitytoken) return { identitytoken: entry.identitytoken, serveraddress };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password, serveraddress };
  return undefined;
}

async function fromHelper(
  deps: RegistryAuthDeps,
  helper: string,
  serveraddress: string,
): Promise<RegistryAuth | undefined> {
  const run = deps.runHelper ?? runCredentialHelper;
  let output: string;
  try {
    output = await run(helper, serveraddress);
  } catch {
    return undefined; // "credentials not found" is a non-zero exit; a missing helper the same
  }
  try {
    const doc = JSON.parse(output) as { Username?: string; Secret?: string };
    if (!doc.Secret) return undefined;
    if (doc.Username === '<token>') return { identitytoken: doc.Secret, serveraddress };
    return { username: doc.Username ?? '', password: doc.Secret, serveraddress };
  } catch {
    return undefined;
  }
}

export const runCredentialHelper: CredentialHelperRunner = async (helper, input) => {
  const { execa } = await import('execa');
  const result = await execa(`docker-credential-${helper}`, ['get'], {
    input,
    timeout: 15_000,
    stripFinalNewline: true,
  });
  return result.stdout;
};

async function readAuthFile(file: string): Promise<AuthFile | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as AuthFile;
  } catch {
    return undefined;
  }
}

/**
 * Credentials for the registry of `ref` from the user's existing logins: per-registry credential
 * helpers, inline `auths` entries (base64 `user:password`), then the default credential store.
 * Undefined when none applies (anonymous pull).
 */
export async function lookupRegistryAuth(
  deps: RegistryAuthDeps,
  ref: Pick<ImageReference, 'registry' | 'path'>,
): Promise<RegistryAuth | undefined> {
  const serveraddress = ref.registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : ref.registry;
  for (const file of authFiles(deps)) {
    const doc = await readAuthFile(file);
    if (doc === undefined) continue;
    const helper = Object.entries(doc.credHelpers ?? {}).find(
      ([key]) => normaliseAuthKey(key).host === ref.registry,
    )?.[1];
    if (helper) {
      const found = await fromHelper(deps, helper, serveraddress);
      if (found) return found;
    }
    const entry = matchAuthKey(doc.auths ?? {}, ref);
    const inline = entry === undefined ? undefined : fromEntry(entry, serveraddress);
    if (inline) return inline;
    if (doc.credsStore) {
      const found = await fromHelper(deps, doc.credsStore, serveraddress);
      if (found) return found;
    }
  }
  return undefined;
}
