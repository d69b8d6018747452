// The import graph of a TypeScript source tree and the cycles in it: the `local/no-import-cycle` lint rule
// (eslint.config.mjs) and its tests (test/guardrails/import-cycles.test.ts) share this one implementation.
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');
const ts = require('typescript');

/** Every `.ts` file under `dir` (declaration files excluded), sorted so reports are stable. */
function tsFilesUnder(dir) {
  const files = [];
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
function importSpecifiers(source) {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** The file a relative specifier names (`./x` → x.ts or x/index.ts), or undefined for a package import. */
function resolveRelative(fromFile, specifier) {
  // A package, or a data file (`./x.json`): no module of the tree.
  if (!specifier.startsWith('.') || /\.(json|cjs|mjs)$/.test(specifier)) return undefined;
  const base = resolve(dirname(fromFile), specifier.replace(/\.js$/, ''));
  const found = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error(`${fromFile}: cannot resolve '${specifier}'`);
  return found;
}

/** The import graph of `files` (absolute paths), keyed and valued by absolute path (relative imports only). */
function importGraph(files) {
  return new Map(
    files.map((file) => {
      const targets = importSpecifiers(readFileSync(file, 'utf8'))
        .map((specifier) => resolveRelative(file, specifier))
        .filter((target) => target !== undefined);
      return [file, [...new Set(targets)]];
    }),
  );
}

/**
 * Every module on a cycle, with the shortest cycle through it (`a → … → a`): the modules of each strongly connected
 * component with more than one module, or that import themselves: every module on a cycle is named, so a lint run
 * over one file reports it too.
 */
function cyclesThrough(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const connect = (node) => {
    index.set(node, index.size);
    low.set(node, index.get(node));
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  const result = new Map();
  for (const component of components) {
    const members = new Set(component);
    for (const start of component.sort()) {
      const cycle = shortestCycle(graph, start, members);
      if (cycle) result.set(start, cycle);
    }
  }
  return result;
}

/** The shortest path from `start` back to itself through `members` (breadth first), or undefined. */
function shortestCycle(graph, start, members) {
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (next === start) {
        const path = [];
        for (let at = node; at !== start; at = previous.get(at)) path.unshift(at);
        return [start, ...path, start];
      }
      if (members.has(next) && !previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** A cycle as `src/a.ts → src/b.ts → src/a.ts`, paths relative to `root`. */
function showCycle(cycle, root) {
  return cycle.map((file) => relative(root, file)).join(' → ');
}

module.exports = { cyclesThrough, importGraph, importSpecifiers, resolveRelative, showCycle, tsFilesUnder };
