import type { AgentImageSummary } from '../image/list-agent-images.js';
import { renderTable } from '../io/table.js';

function formatSize(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

/** The lines `agentctl image ls` prints: reference, version, stack, size, created (UTC), short id. */
export function imageTable(images: readonly AgentImageSummary[]): string[] {
  return renderTable(
    [
      ['REFERENCE', 'VERSION', 'STACK', 'SIZE', 'CREATED', 'ID'],
      ...images.map((row) => [
        row.reference,
        row.version,
        row.stack ?? '-',
        formatSize(row.size),
        row.created.slice(0, 19).replace('T', ' '),
        row.id.replace(/^sha256:/, '').slice(0, 12),
      ]),
    ],
    // The widths `image ls` always had, so columns stay put from one listing to the next.
    [{}, { minWidth: 12 }, { minWidth: 8 }, { align: 'right', minWidth: 8 }, { minWidth: 20 }],
  );
}
