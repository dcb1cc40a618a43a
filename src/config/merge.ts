export type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges `layer` over `base` key by key (objects deeply, arrays and scalars replaced) and records in
 * `sources` which layer set each leaf (dotted path → source).
 */
export function mergeLayer(
  base: Plain,
  layer: Plain,
  source: string,
  sources: Map<string, string>,
  prefix = '',
): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) {
      const current = isPlainObject(out[key]) ? (out[key] as Plain) : {};
      out[key] = mergeLayer(current, value, source, sources, path);
    } else {
      for (const existing of [...sources.keys()]) if (existing.startsWith(`${path}.`)) sources.delete(existing);
      out[key] = value;
      sources.set(path, source);
    }
  }
  return out;
}

/** Sets a nested value, creating objects on the way. */
export function setPath(target: Plain, path: readonly string[], value: unknown): void {
  let node = target;
  path.slice(0, -1).forEach((key) => {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Plain;
  });
  node[path[path.length - 1]!] = value;
}
