import os from 'node:os';
import type { Io } from '../io/io.js';
import type { LoadedConfig, FlagValue } from '../config/load-config.js';
import type { ValidationCache } from '../config/validation-cache.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { Connection } from '../runtime/connection.js';
import type { EngineKind } from '../runtime/endpoint.js';

export interface GlobalOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  runtime?: EngineKind;
  host?: string;
  backend?: 'engine' | 'kubernetes';
  kubeContext?: string;
  namespace?: string;
}

export interface ContextDeps {
  io: Io;
  env: NodeJS.ProcessEnv;
  cwd: string;
  homedir?: string;
  platform?: NodeJS.Platform;
  /** Aborted on SIGINT / SIGTERM; long operations pass it on. */
  signal: AbortSignal;
}

/**
 * What every command gets: io, the environment, and lazily the config and the engine. Only
 * src/cli.ts builds the real one; tests build their own.
 */
export class CommandContext {
  readonly io: Io;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly homedir: string;
  readonly platform: NodeJS.Platform;
  readonly signal: AbortSignal;
  globals: GlobalOptions = { json: false, quiet: false, verbose: false, color: true };
  private configPromise?: Promise<LoadedConfig>;
  private validationCache?: ValidationCache;
  private runtimePromise?: Promise<{ runtime: ContainerRuntime; detected: Connection }>;

  constructor(deps: ContextDeps) {
    this.io = deps.io;
    this.env = deps.env;
    this.cwd = deps.cwd;
    this.homedir = deps.homedir ?? os.homedir();
    this.platform = deps.platform ?? process.platform;
    this.signal = deps.signal;
  }

  /** The effective configuration (loaded once). Global --runtime / --host apply as flags. */
  config(extraFlags: FlagValue[] = []): Promise<LoadedConfig> {
    this.configPromise ??= (async () => {
      const [{ loadConfig }, { createValidationCache }] = await Promise.all([
        import('../config/load-config.js'),
        import('../config/validation-cache.js'),
      ]);
      const flags: FlagValue[] = [
        { flag: '--runtime', path: ['runtime'], value: this.globals.runtime },
        { flag: '--host', path: ['host'], value: this.globals.host },
        { flag: '--backend', path: ['backend'], value: this.globals.backend },
        { flag: '--kube-context', path: ['kubernetes', 'context'], value: this.globals.kubeContext },
        { flag: '--namespace', path: ['kubernetes', 'namespace'], value: this.globals.namespace },
        ...extraFlags,
      ];
      const validationCache = createValidationCache(this.env);
      this.validationCache = validationCache;
      return loadConfig({ cwd: this.cwd, env: this.env, homedir: this.homedir, validationCache }, flags);
    })();
    return this.configPromise;
  }

  /** Keeps what this command learnt for the next one (validated config layers); only after a success. */
  async saveCaches(): Promise<void> {
    await this.validationCache?.save();
  }

  /** Finds and connects to the engine (once), logging every attempt with --verbose. */
  connect(): Promise<{ runtime: ContainerRuntime; detected: Connection }> {
    this.runtimePromise ??= (async () => {
      const { config, sources } = await this.config();
      const { connectRuntime } = await import('../runtime/connect.js');
      const connected = await connectRuntime({
        env: this.env,
        platform: this.platform,
        homedir: this.homedir,
        runtime: config.runtime,
        host: config.host,
        hostSource: sources.get('host'),
        backend: config.backend,
        kubernetes: config.kubernetes,
        log: (message) => this.io.debug(`detect ${message}`),
      });
      this.io.debug(
        `using ${connected.runtime.kind} ${connected.runtime.version.version} at ${connected.runtime.endpoint.url} (${connected.detected.strategy})`,
      );
      // A start killed half-way against this engine left an agent behind: remove it now.
      const { recoverStartsOn } = await import('../core/agents/recover-starts.js');
      const { getDataDir } = await import('../config/paths.js');
      // A data dir that cannot be used (relative) is the start's to report, not every command's.
      const dataDir = (() => {
        try {
          return getDataDir(config, this.env, this.homedir);
        } catch {
          return undefined;
        }
      })();
      if (dataDir)
        await recoverStartsOn(connected.runtime, {
          dataDir,
          env: this.env,
          ...(typeof process.getuid === 'function'
            ? { processUser: { uid: process.getuid(), gid: process.getgid!() } }
            : {}),
          log: (message) => this.io.info(message),
        });
      return connected;
    })();
    return this.runtimePromise;
  }

  async runtime(): Promise<ContainerRuntime> {
    return (await this.connect()).runtime;
  }
}
