import type { Config } from '../config/schema.js';
import { BUILD_INFO } from '../shared/build-info.js';
import { getProfileImage } from '../config/agent-profiles.js';

/** What agentctl calls its own images: the agent repository and the images of its agent profiles. */
export interface AgentImageScope {
  /** config `image.repository`, else the pinned agent repository. */
  repository: string;
  /** The image of every agent profile (built-in or in config: `agents.<name>.image` or its stack's). */
  profileImages: string[];
}

export function agentImageScope(config: Config): AgentImageScope {
  return {
    repository: config.image?.repository ?? BUILD_INFO.image.repository,
    profileImages: Object.values(config.agents ?? {}).map((agent) => getProfileImage(config, agent)),
  };
}
