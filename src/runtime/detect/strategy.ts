import type { Endpoint, EngineKind } from '../endpoint.js';

/** What a strategy may look at; injected so each strategy is tested without the real machine. */
export interface DetectionEnvironment {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homedir: string;
  /** The user's numeric id (for /run/user/<uid> when XDG_RUNTIME_DIR is unset); absent on Windows. */
  uid?: number;
  fs: {
    exists(path: string): Promise<boolean>;
    readFile(path: string): Promise<string>;
    readdir(path: string): Promise<string[]>;
  };
  /** The engine kind asked for with --runtime / config / AGENTCTL_RUNTIME. */
  runtime?: EngineKind;
  /** The endpoint asked for with --host / config / AGENTCTL_HOST. */
  host?: string;
  /** Where `host` came from ("flag --host", "env AGENTCTL_HOST", a config file), to name it in errors. */
  hostSource?: string;
}

/** What one strategy proposes. */
export interface StrategyCandidates {
  /** Endpoints to try, most likely first. Empty when the strategy does not apply. */
  endpoints: Endpoint[];
  /**
   * Stop detection after these candidates: the user set the endpoint (--host, DOCKER_HOST,
   * CONTAINER_HOST), so nothing else is tried, as the docker CLI does. Ignored when every candidate
   * was passed over for being the other kind of engine than --runtime asked for.
   */
  final?: boolean;
  /** Why the strategy proposes nothing (logged with --verbose). */
  skipped?: string;
  /** Something the user configured that is broken (a context file that cannot be read); listed in the error. */
  invalid?: { endpoint: string; detail: string };
}

/** One way of finding an engine endpoint (an ordered list of these is tried, first answer wins). */
export interface DetectionStrategy {
  readonly name: string;
  candidates(environment: DetectionEnvironment): Promise<StrategyCandidates>;
}
