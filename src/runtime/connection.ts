import type { Detected } from './detect/detect-runtime.js';

/** How the backend was found: the strategy that answered, and every attempt (for doctor and --verbose). */
export type Connection = Pick<Detected, 'endpoint' | 'strategy' | 'attempts'>;
