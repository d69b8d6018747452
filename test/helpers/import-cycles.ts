import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/** Module → the modules it imports (relative imports only, type-only ones included). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Every `.ts` file under `dir` (declaration files excluded), sorted so reports are stable. */
export function tsFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...tsFilesUnder(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/**
 * The module specifiers `source` imports or re-exports: `import`, `import type`, `export ... from`,
 * `import x = require(...)` and `import(...)` (in code or in a type).
 */
export function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** The file a relative specifier names (`./x` → x.ts or x/index.ts), or undefined for a package import. */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier.replace(/\.js$/, ''));
  const found = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error(`${fromFile}: cannot resolve '${specifier}'`);
  return found;
}

/** The import graph of `files` (absolute paths), keyed and valued by absolute path. */
export function importGraph(files: readonly string[]): ImportGraph {
  return new Map(
    files.map((file) => {
      const targets = importSpecifiers(readFileSync(file, 'utf8'))
        .map((specifier) => resolveRelative(file, specifier))
        .filter((target): target is string => target !== undefined);
      return [file, [...new Set(targets)]];
    }),
  );
}

/**
 * Every cycle a depth-first search meets, each as the path from a module back to itself (`a → b → a`).
 * A module found on the current path closes a cycle; each back edge is reported once.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (node: string): void => {
    path.push(node);
    onPath.add(node);
    for (const next of graph.get(node) ?? []) {
      if (onPath.has(next)) cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!done.has(next)) visit(next);
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) if (!done.has(node)) visit(node);
  return cycles;
}

/** A cycle as `src/a.ts → src/b.ts → src/a.ts`, paths relative to `root`. */
export function showCycle(cycle: readonly string[], root: string): string {
  return cycle.map((file) => relative(root, file)).join(' → ');
}
