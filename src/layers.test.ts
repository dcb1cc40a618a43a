import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layering of docs/architecture.md, enforced: every relative import (static, dynamic or
 * type-only) of a source file points to its own layer or one below, and no files import each
 * other in a cycle. A new upward edge or cycle fails here with the offending imports named.
 */
const LAYERS = ['shared', 'egress', 'config', 'runtime', 'io', 'image', 'core', 'commands', 'cli', 'docs'] as const;

const root = dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

function layerOf(file: string): number {
  const top = relative(root, file).split('/')[0]!.replace(/\.ts$/, '');
  const index = (LAYERS as readonly string[]).indexOf(top);
  if (index < 0)
    throw new Error(`${relative(root, file)} is in no layer: add its directory to LAYERS and docs/architecture.md`);
  return index;
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^'"`;]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((match) =>
      normalize(join(dirname(file), match[1] ?? match[2]!)).replace(/\.js$/, '.ts'),
    );
    graph.set(file, targets);
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan's algorithm). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(relative(root, member));
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the layers of src/', () => {
  const graph = importGraph();

  it('finds the imports it checks (the scanner is not blind)', () => {
    const edges = [...graph.values()].reduce((sum, targets) => sum + targets.length, 0);
    expect(graph.size).toBeGreaterThan(100);
    expect(edges).toBeGreaterThan(400);
    expect(graph.get(join(root, 'cli.ts'))).toContain(join(root, 'commands/index.ts'));
  });

  it('imports only from its own layer or the layers below', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (layerOf(target) > layerOf(file)) upward.push(`${relative(root, file)} -> ${relative(root, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('detects an upward import and a cycle when there is one', () => {
    const a = join(root, 'shared/a.ts');
    const b = join(root, 'core/b.ts');
    const fake = new Map([
      [a, [b]],
      [b, [a]],
    ]);
    expect(layerOf(b)).toBeGreaterThan(layerOf(a));
    expect(cycles(fake)).toEqual([['core/b.ts', 'shared/a.ts']]);
  });
});
