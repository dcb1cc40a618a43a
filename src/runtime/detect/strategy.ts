import type { Endpoint, EngineKind } from '../endpoint.js';

/** What a strategy may look at; injected so each strategy is tested without the real machine. */
export interface DetectionEnvironment {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homedir: string;
  fs: {
    exists(path: string): Promise<boolean>;
    readFile(path: string): Promise<string>;
    readdir(path: string): Promise<string[]>;
  };
  /** The engine kind asked for with --runtime / config / AGENTCTL_RUNTIME. */
  runtime?: EngineKind;
  /** The endpoint asked for with --host / config / AGENTCTL_HOST. */
  host?: string;
}

/** One way of finding an engine endpoint (an ordered list of these is tried, first answer wins). */
export interface DetectionStrategy {
  readonly name: string;
  /**
   * The endpoints this strategy proposes, most likely first. An empty list means the strategy
   * does not apply. `final: true` stops detection after these candidates (an explicit --host).
   */
  candidates(environment: DetectionEnvironment): Promise<{ endpoints: Endpoint[]; final?: boolean; skipped?: string }>;
}
