// The typed face of scripts/import-cycles.cjs, the one implementation the `local/no-import-cycle` lint rule and
// the tests share.
const impl = require('../../scripts/import-cycles.cjs') as ImportCycles;

/** Module → the modules it imports (relative imports only, type-only ones included). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

interface ImportCycles {
  tsFilesUnder(dir: string): string[];
  importSpecifiers(source: string): string[];
  resolveRelative(fromFile: string, specifier: string): string | undefined;
  importGraph(files: readonly string[]): ImportGraph;
  cyclesThrough(graph: ImportGraph): ReadonlyMap<string, string[]>;
  showCycle(cycle: readonly string[], root: string): string;
}

/** Every `.ts` file under `dir` (declaration files excluded), sorted so reports are stable. */
export const tsFilesUnder = impl.tsFilesUnder;
/** The module specifiers `source` imports or re-exports (value, type-only, re-export, require, import()). */
export const importSpecifiers = impl.importSpecifiers;
/** The file a relative specifier names (`./x` → x.ts or x/index.ts), or undefined for a package import. */
export const resolveRelative = impl.resolveRelative;
/** The import graph of `files` (absolute paths), keyed and valued by absolute path. */
export const importGraph = impl.importGraph;
/** Every module on a cycle, with the shortest cycle through it (what the lint rule reports on each module). */
export const cyclesThrough = impl.cyclesThrough;
/** A cycle as `src/a.ts → src/b.ts → src/a.ts`, paths relative to `root`. */
export const showCycle = impl.showCycle;
