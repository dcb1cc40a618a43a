// Entry point bundled on the fly by scripts/generate-docs.mjs.
import { renderCommandReference } from './command-reference.js';
import { getProgramDefinition } from './program-definition.js';

export function generateCommandReference(): string {
  return renderCommandReference(getProgramDefinition());
}
