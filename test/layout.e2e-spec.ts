import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { preProcessFile } from 'typescript';

/** The folder tree is the architecture (README "Layout"): these keep it so. */
const SRC = join(__dirname, '..', 'src');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')
        ? [join(dir, entry.name)]
        : [],
  );

const files = sourceFiles(SRC);
const folderOf = (file: string): string => relative(SRC, dirname(file)) || '.';

function importsOf(file: string): string[] {
  const { importedFiles } = preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => `${resolve(dirname(file), name)}.ts`);
}

/** Every cycle's path, found by depth-first search over `edges`. */
function cyclesIn(edges: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'open')
      return void cycles.push([...path.slice(path.indexOf(node)), node]);
    if (state.get(node) === 'done') return;
    state.set(node, 'open');
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of edges.keys()) visit(node, []);
  return cycles;
}

function graph(key: (file: string) => string): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of files) {
    const from = key(file);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const target of importsOf(file))
      if (key(target) !== from) edges.get(from)!.add(key(target));
  }
  return edges;
}

describe('source layout', () => {
  it('has no import cycle between files', () => {
    expect(cyclesIn(graph((file) => relative(SRC, file)))).toEqual([]);
  });

  it('has no import cycle between folders, parent and child folders included', () => {
    expect(cyclesIn(graph(folderOf))).toEqual([]);
  });

  it('keeps each folder to about ten source files', () => {
    const counts = new Map<string, number>();
    for (const file of files) counts.set(folderOf(file), (counts.get(folderOf(file)) ?? 0) + 1);
    const crowded = [...counts].filter(([, count]) => count > 10);
    expect(crowded).toEqual([]);
  });

  it('reads the environment only in config/, validated once', () => {
    const readers = files.filter((file) => readFileSync(file, 'utf8').includes('process.env'));
    expect(readers.map(folderOf).filter((folder) => folder !== 'config')).toEqual([]);
  });
});
