/**
 * Tables for human output, laid out like the docker CLI's (Go's tabwriter): no borders, each column
 * as wide as its widest cell, two spaces between columns, nothing after the last cell. Widths are
 * display widths (string-width): a CJK character or an emoji takes two columns, colour codes none,
 * so coloured and non-ASCII cells line up too.
 */
import stringWidth from 'string-width';

export interface TableColumn {
  /** `right` pads on the left (sizes, counts). Default `left`. */
  align?: 'left' | 'right';
  /** The column is at least this wide (keeps a column steady across runs). */
  minWidth?: number;
}

const GAP = '  ';

/** The rows (the first is usually the header) as lines of text. */
export function renderTable(rows: readonly (readonly string[])[], columns: readonly TableColumn[] = []): string[] {
  const count = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: count }, (_, column) =>
    Math.max(columns[column]?.minWidth ?? 0, ...rows.map((row) => stringWidth(row[column] ?? ''))),
  );
  return rows.map((row) =>
    widths
      .map((width, column) => {
        const cell = row[column] ?? '';
        const padding = ' '.repeat(width - stringWidth(cell));
        if (columns[column]?.align === 'right') return padding + cell;
        return column === count - 1 ? cell : cell + padding;
      })
      .join(GAP)
      .trimEnd(),
  );
}
