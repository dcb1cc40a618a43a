import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEngine } from './engines.js';
import { runCli, type CliResult, type RunOptions } from './run-cli.js';

/** Shared by the lifecycle tests: the engine under test, unique names, and cleanup of only ours. */
export function lifecycleFixture(prefix: string) {
  const { name: engineName, host, engines, setup } = testEngine();
  const suffix = randomBytes(3).toString('hex');
  const docker = new Docker({ socketPath: host.replace(/^unix:\/\//, '') });
  const workspaces: string[] = [];
  const outputs: string[] = [];

  return {
    engineName,
    host,
    /** Who runs agentctl: root, or the regular test user (docker group, rootless Podman). */
    setup,
    image: engines.testImage,
    docker,
    /** Every agentctl output seen (to check that no secret ever appears). */
    outputs,
    /** A unique agent name for this run. */
    agentName: (label: string) => `${prefix}-${label}-${suffix}`,
    workspace(): string {
      const dir = mkdtempSync(join(tmpdir(), `agentctl-${prefix}-`));
      chmodSync(dir, 0o755);
      workspaces.push(dir);
      return dir;
    },
    /** The built agentctl against the engine under test. */
    async cli(args: string[], options: RunOptions = {}): Promise<CliResult> {
      const result = await runCli(['--host', host, ...args], options);
      outputs.push(result.stdout, result.stderr);
      return result;
    },
    async containerExists(name: string): Promise<boolean> {
      return docker
        .getContainer(name)
        .inspect()
        .then(
          () => true,
          () => false,
        );
    },
    async volumeExists(name: string): Promise<boolean> {
      return docker
        .getVolume(name)
        .inspect()
        .then(
          () => true,
          () => false,
        );
    },
    /** The engine accepts limits but enforces none (rootless on cgroup v1): agentctl must say so. */
    async limitsIgnored(): Promise<boolean> {
      const info = (await docker.info()) as { Rootless?: boolean; SecurityOptions?: string[]; CgroupVersion?: string };
      const rootless =
        info.Rootless === true || (info.SecurityOptions ?? []).some((option) => option.includes('name=rootless'));
      return rootless && info.CgroupVersion === '1';
    },
    async exec(container: string, command: string[]): Promise<{ exitCode: number; output: string }> {
      const exec = await docker
        .getContainer(container)
        .exec({ Cmd: command, AttachStdout: true, AttachStderr: true, Tty: true });
      const stream = await exec.start({ hijack: true, stdin: false, Tty: true } as never);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      await new Promise((resolve) => stream.on('end', resolve));
      const info = await exec.inspect();
      return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n') };
    },
    /** Removes the containers and volumes this run created (by its unique suffix), nothing else. */
    async cleanUp(): Promise<void> {
      const containers = await docker.listContainers({ all: true });
      for (const item of containers.filter((c) => c.Names.some((n) => n.endsWith(suffix)))) {
        try {
          await docker.getContainer(item.Id).remove({ force: true, t: 0 } as never);
        } catch {
          // Already gone.
        }
      }
      const { Volumes } = await docker.listVolumes();
      for (const volume of (Volumes ?? []).filter((v) => v.Name.includes(suffix))) {
        await docker
          .getVolume(volume.Name)
          .remove()
          .catch(() => undefined);
      }
      for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
    },
  };
}
