import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { deadSocket, temporaryHome } from '../helpers/detection-home.js';
import { testEngine } from '../helpers/engines.js';
import { runCli } from '../helpers/run-cli.js';

const { name, host, engines, setup } = testEngine();
// Rootless Podman here is on cgroup v1: it keeps no limits, which doctor says (a warning, not a failure).
const rootless = setup === 'podman-rootless';
const [repository, tag] = [
  engines.testImage.slice(0, engines.testImage.lastIndexOf(':')),
  engines.testImage.slice(engines.testImage.lastIndexOf(':') + 1),
];

let sandbox: ReturnType<typeof temporaryHome>;
beforeEach(() => {
  sandbox = temporaryHome();
});
afterEach(() => sandbox.remove());

/** doctor in a clean environment, with the test image as the agent image (it is present in both engines). */
function doctor(args: string[], env: Record<string, string> = {}) {
  return runCli(['doctor', ...args], {
    cleanEnv: true,
    cwd: sandbox.home,
    env: { HOME: sandbox.home, AGENTCTL_IMAGE_REPOSITORY: repository, AGENTCTL_IMAGE_TAG: tag, ...env },
  });
}

const check = (json: { checks: { id: string }[] }, id: string) =>
  json.checks.find((c) => c.id === id) as Record<string, any>;

describe(`agentctl doctor against ${name}`, () => {
  it('passes on a healthy setup and reports how the engine was found (exit 0, one JSON document)', async () => {
    const result = await doctor(['--json', '--host', host]);
    expect(result.exitCode).toBe(0);
    expect(result.json.ok).toBe(true);
    expect(result.json.checks.map((c: { id: string }) => c.id)).toEqual([
      'engine',
      'socket',
      'image',
      'disk',
      'limits',
      'egress',
      'workspace',
      'config',
      'git',
      'ssh-agent',
    ]);
    // Rootful engines enforce limits; an agent started here (as the tests' user) can write it.
    expect(check(result.json, 'limits')).toMatchObject(
      rootless ? { status: 'warn', details: { enforced: false } } : { status: 'ok', details: { enforced: true } },
    );
    expect(check(result.json, 'workspace')).toMatchObject({ status: 'ok', details: { workspace: sandbox.home } });
    expect(check(result.json, 'engine')).toMatchObject({
      status: 'ok',
      details: { strategy: 'explicit', endpoint: host, kind: name, rootless },
    });
    expect(check(result.json, 'engine').details.apiVersion).toMatch(/^\d+\.\d+$/);
    expect(check(result.json, 'socket').status).toBe('ok');
    expect(check(result.json, 'image')).toMatchObject({
      status: 'ok',
      details: { reference: engines.testImage, present: true },
    });
    expect(check(result.json, 'disk').details.freeBytes).toBeGreaterThan(0);
    expect(check(result.json, 'git')).toMatchObject({ status: 'ok', message: expect.stringMatching(/^git version/) });
    // The clean environment has no ssh-agent: a warning, which does not fail doctor.
    expect(check(result.json, 'ssh-agent')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('ssh-agent'),
    });
  });

  it('prints one line per check with its mark, and the fix under warnings', async () => {
    const result = await doctor(['--host', host]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^ok +Container engine +${name} `, 'm'));
    expect(result.stdout).toMatch(/^warn +ssh-agent +SSH_AUTH_SOCK is not set/m);
    expect(result.stdout).toMatch(/^ +fix: Start one and add your key/m);
  });

  it('fails (exit 10) on a broken setup: no engine and an invalid config, each with its fix', async () => {
    const dead = await deadSocket(path.join(sandbox.runtimeDir, 'engine.sock'));
    const broken = await doctor(['--json', '--host', dead]);
    expect(broken.exitCode).toBe(10);
    expect(broken.json.ok).toBe(false);
    expect(check(broken.json, 'engine')).toMatchObject({
      status: 'fail',
      details: { code: 'RUNTIME_NOT_FOUND' },
      fix: expect.any(String),
    });
    expect(check(broken.json, 'image').status).toBe('skip');

    writeFileSync(path.join(sandbox.home, '.agentctlrc.json'), JSON.stringify({ runtime: 'rkt' }));
    const invalid = await doctor(['--json'], { DOCKER_HOST: host });
    expect(invalid.exitCode).toBe(10);
    expect(check(invalid.json, 'config')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('.agentctlrc.json'),
      fix: expect.any(String),
    });
    expect(check(invalid.json, 'engine').status).toBe('skip');
  });

  it('fails the image check when the image is missing and its registry is unreachable', async () => {
    const result = await doctor(['--json', '--host', host], {
      AGENTCTL_IMAGE_REPOSITORY: '127.0.0.1:9/agentctl-test/missing',
    });
    expect(result.exitCode).toBe(10);
    expect(check(result.json, 'image')).toMatchObject({
      status: 'fail',
      details: { registry: '127.0.0.1:9', present: false },
    });
  });

  it('accepts a missing image whose registry answers', async () => {
    const result = await doctor(['--json', '--host', host], {
      AGENTCTL_IMAGE_REPOSITORY: `${engines.registry}/agentctl-test/not-pulled-${Date.now()}`,
    });
    expect(check(result.json, 'image')).toMatchObject({
      status: 'ok',
      details: { present: false, registry: engines.registry },
    });
  });
});
