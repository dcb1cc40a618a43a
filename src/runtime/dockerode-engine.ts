import type Dockerode from 'dockerode';
import type { EngineKind } from './endpoint.js';
import type { EngineInfo, EngineOperations } from './engine-operations.js';

interface RawInfo {
  Name?: string;
  DockerRootDir?: string;
  Driver?: string;
  SecurityOptions?: string[];
  CgroupVersion?: string;
  CgroupDriver?: string;
  /**
   * Podman's compat /info: its SecurityOptions lack `name=rootless` (Podman 4.3;
   * https://github.com/containers/podman/pull/18208).
   */
  Rootless?: boolean;
  OperatingSystem?: string;
  ServerVersion?: string;
  Runtimes?: Record<string, unknown>;
  /** Docker's default log driver; Podman 4's compat /info leaves it empty. */
  LoggingDriver?: string;
  DefaultRuntime?: string;
  NCPU?: number;
}

/** Maps GET /info (Docker's, or Podman's Docker-compatible one) to EngineInfo. */
export function toEngineInfo(raw: RawInfo): EngineInfo {
  const securityOptions = Array.isArray(raw.SecurityOptions) ? raw.SecurityOptions : [];
  return {
    name: raw.Name ?? '',
    storageRoot: raw.DockerRootDir ?? '',
    storageDriver: raw.Driver ?? '',
    rootless: raw.Rootless === true || securityOptions.some((option) => /(^|,)name=rootless(,|$)/.test(option)),
    securityOptions,
    cgroupVersion: raw.CgroupVersion || undefined,
    cgroupDriver: raw.CgroupDriver || undefined,
    operatingSystem: raw.OperatingSystem || undefined,
    serverVersion: raw.ServerVersion || undefined,
    ...(raw.Runtimes && typeof raw.Runtimes === 'object' ? { runtimes: Object.keys(raw.Runtimes).sort() } : {}),
    ...(raw.DefaultRuntime ? { defaultRuntime: raw.DefaultRuntime } : {}),
    ...(typeof raw.NCPU === 'number' && raw.NCPU > 0 ? { cpus: raw.NCPU } : {}),
    boundedLogs: !raw.LoggingDriver || raw.LoggingDriver === 'json-file' || raw.LoggingDriver === 'local',
  };
}

export function createDockerodeEngineOperations(docker: Dockerode, _kind: EngineKind): EngineOperations {
  return {
    async fetchEngineInfo(): Promise<EngineInfo> {
      return toEngineInfo((await docker.info()) as RawInfo);
    },
  };
}
