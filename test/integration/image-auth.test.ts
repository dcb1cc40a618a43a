import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engines.js';
import {
  deleteFromRegistry,
  engineClient,
  pushAs,
  removeLocal,
  tempHomeWithDockerAuth,
  uniqueSuffix,
} from '../helpers/image-registry.js';
import { runCli } from '../helpers/run-cli.js';

const { name, host, engines } = testEngine();
const docker = engineClient(host);
const { address, username, password } = engines.authRegistry;
const suffix = uniqueSuffix();
const path = `agentctl-it/auth-${suffix}`;
const reference = `${address}/${path}:1.0.0`;
const wrongPassword = `wrong-${suffix}-password`;
const homes: string[] = [];

async function cliWithLogin(args: string[], login?: { username: string; password: string }) {
  const home = await tempHomeWithDockerAuth(login ? address : undefined, login?.username, login?.password);
  homes.push(home);
  return runCli(args, {
    env: {
      HOME: home,
      AGENTCTL_HOST: host,
      DOCKER_CONFIG: undefined,
      REGISTRY_AUTH_FILE: undefined,
      XDG_RUNTIME_DIR: undefined,
      XDG_CONFIG_HOME: undefined,
    },
  });
}

beforeAll(async () => {
  await pushAs(docker, engines.testImage, reference, { username, password, serveraddress: address });
  await removeLocal(docker, reference);
}, 120_000);

afterAll(async () => {
  await removeLocal(docker, reference);
  await deleteFromRegistry(address, path, '1.0.0', { username, password });
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

describe(`registry credentials on ${name}`, () => {
  it('pulls from a registry with basic auth using the Docker config login, never printing the password', async () => {
    const result = await cliWithLogin(['image', 'resolve', '--json', '--verbose', '--image', reference], {
      username,
      password,
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.json.image).toMatchObject({ reference, source: 'pulled' });
    expect(result.json.image.digest).toMatch(/^sha256:/);
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  it('gets the credentials from a credential helper (credsStore → docker-credential-<name> get)', async () => {
    await removeLocal(docker, reference);
    const dir = await mkdtemp(join(tmpdir(), 'agentctl-helper-'));
    homes.push(dir);
    const helper = `agentctl-test-${suffix}`;
    const script = join(dir, `docker-credential-${helper}`);
    // Answers like a real helper: the server URL on stdin, JSON on stdout.
    await writeFile(
      script,
      `#!/bin/sh\nread server\n[ "$1" = get ] && [ "$server" = "${address}" ] || exit 1\necho '{"ServerURL":"${address}","Username":"${username}","Secret":"${password}"}'\n`,
    );
    await chmod(script, 0o755);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: helper }));
    const result = await runCli(['image', 'pull', reference, '--json'], {
      env: {
        HOME: dir,
        DOCKER_CONFIG: dir,
        PATH: `${dir}:${process.env.PATH}`,
        AGENTCTL_HOST: host,
        REGISTRY_AUTH_FILE: undefined,
        XDG_RUNTIME_DIR: undefined,
        XDG_CONFIG_HOME: undefined,
      },
    });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.image).toMatchObject({ reference, source: 'pulled' });
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  it('fails clearly with wrong credentials, naming the registry, without printing either password', async () => {
    await removeLocal(docker, reference);
    for (const args of [['--json'], []]) {
      const result = await cliWithLogin(['image', 'pull', reference, '--verbose', ...args], {
        username,
        password: wrongPassword,
      });
      expect(result.exitCode).toBe(6);
      const output = result.stdout + result.stderr;
      if (args.length > 0) expect(result.json.error.code).toBe('REGISTRY_AUTH_FAILED');
      expect(output).toContain(address);
      expect(output).toContain(`docker login ${address}`);
      expect(output).not.toContain(wrongPassword);
      expect(output).not.toContain(password);
    }
  });

  it('fails clearly without any login', async () => {
    const result = await cliWithLogin(['image', 'pull', reference, '--json']);
    expect(result.exitCode).toBe(6);
    expect(result.json.error.code).toBe('REGISTRY_AUTH_FAILED');
    expect(result.json.error.message).toContain(address);
  });
});
