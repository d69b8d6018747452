import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { cyclesThrough, importGraph, importSpecifiers, showCycle, tsFilesUnder } from '../helpers/import-cycles';

const local = require('../../scripts/eslint-local-rules.cjs') as ESLint.Plugin;

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

describe('the import graph of src/', () => {
  const graph = importGraph(tsFilesUnder(SRC));

  // A cycle makes module load order decide what a module sees (a mark still undefined while its importer
  // runs), and type-only ones are the start of it: one value import later the cycle is real.
  test('has no cycle, type-only imports included', () => {
    expect([...cyclesThrough(graph).values()].map((cycle) => showCycle(cycle, ROOT))).toEqual([]);
  });

  test('internal/ imports nothing from the construct layers: only internal/ and the pure attestation core', () => {
    const outside = [...graph]
      .filter(([file]) => file.startsWith(join(SRC, 'internal')))
      .flatMap(([file, targets]) => targets.map((target) => `${relative(ROOT, file)} → ${relative(ROOT, target)}`))
      .filter((edge) => !/ → src\/(internal|attestation)\//.test(edge));
    expect(outside).toEqual([]);
  });

  test('is read from every module', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get(join(SRC, 'index.ts'))).toEqual(expect.arrayContaining([join(SRC, 'azure', 'index.ts')]));
  });
});

describe('cyclesThrough', () => {
  const graphOf = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
  const on = (edges: Record<string, string[]>) => Object.fromEntries(cyclesThrough(graphOf(edges)));

  test('GIVEN an acyclic graph with a shared dependency THEN it finds no cycle', () => {
    expect(on({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] })).toEqual({});
  });

  test('GIVEN a module that imports one that imports it back THEN it names the cycle, from each of them', () => {
    expect(on({ a: ['b'], b: ['a'] })).toEqual({ a: ['a', 'b', 'a'], b: ['b', 'a', 'b'] });
  });

  test('GIVEN a cycle through others, reached from outside it THEN it names only the modules on the cycle', () => {
    expect(Object.keys(on({ entry: ['a'], a: ['b'], b: ['c'], c: ['a', 'd'], d: [] })).sort()).toEqual(['a', 'b', 'c']);
  });

  test('GIVEN a module on a cycle only through modules a search finished first THEN it is named, with a cycle through it', () => {
    const cycles = cyclesThrough(graphOf({ a: ['b', 'd'], b: ['c'], c: ['a'], d: ['b'], e: ['a'] }));
    expect(Object.fromEntries(cycles)).toEqual({
      a: ['a', 'b', 'c', 'a'],
      b: ['b', 'c', 'a', 'b'],
      c: ['c', 'a', 'b', 'c'],
      d: ['d', 'b', 'c', 'a', 'd'],
    });
  });

  test('GIVEN a module that imports itself THEN it is on a cycle; an acyclic graph has none', () => {
    expect(Object.fromEntries(cyclesThrough(graphOf({ a: ['a'], b: ['a'] })))).toEqual({ a: ['a', 'a'] });
    expect(cyclesThrough(graphOf({ a: ['b'], b: [] })).size).toBe(0);
  });
});

describe('importSpecifiers', () => {
  test('reads value, type-only, re-export, require and import() imports', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "export * from './c';",
      "export type { D } from './d';",
      "import e = require('./e');",
      "type F = typeof import('./f');",
      "import 'valibot';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a', './b', './c', './d', './e', './f', 'valibot']);
  });
});

describe('importGraph', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'import-cycles-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  test('GIVEN a type-only import back through a folder index THEN the cycle is found with its files', () => {
    write('internal/marks.ts', "import type { IThing } from '../things';\nexport const MARK = 1;\n");
    write('things/index.ts', "export * from './thing';\n");
    write('things/thing.ts', "import { MARK } from '../internal/marks';\nimport * as v from 'valibot';\nexport interface IThing {}\n");
    const cycles = cyclesThrough(importGraph(tsFilesUnder(dir)));
    expect(showCycle(cycles.get(join(dir, 'internal/marks.ts'))!, dir)).toBe(
      'internal/marks.ts → things/index.ts → things/thing.ts → internal/marks.ts',
    );
    expect(cycles.size).toBe(3);
  });

  test('GIVEN a cycle THEN the lint rule local/no-import-cycle (npm run lint) reports it on each module of it, and nothing else', () => {
    write('src/a.ts', "import type { B } from './b';\nexport interface A { b?: B }\n");
    write('src/b.ts', "import type { A } from './a';\nexport interface B { a?: A }\n");
    write('src/c.ts', "import type { A } from './a';\nexport type C = A;\n");
    const src = join(dir, 'src');
    const config = [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { local },
        rules: { 'local/no-import-cycle': ['error', { dir: src }] },
      },
    ] as Linter.Config[];
    const linter = new Linter({ configType: 'flat', cwd: dir });
    const results = tsFilesUnder(src).map((filePath) => ({ filePath, messages: linter.verify(readFileSync(filePath, 'utf8'), config, filePath) }));
    const messages = results.map((r) => [relative(dir, r.filePath), r.messages.map((m) => m.message)]);
    expect(messages).toEqual([
      ['src/a.ts', [expect.stringMatching(/^this module is on an import cycle: src\/a\.ts → src\/b\.ts → src\/a\.ts\. Move what both sides need/)]],
      ['src/b.ts', [expect.stringMatching(/^this module is on an import cycle: src\/b\.ts → src\/a\.ts → src\/b\.ts/)]],
      ['src/c.ts', []],
    ]);
  });

  test('GIVEN a relative import of a file that does not exist THEN it says which', () => {
    write('a.ts', "import { b } from './missing';\n");
    expect(() => importGraph(tsFilesUnder(dir))).toThrow(/a\.ts: cannot resolve '\.\/missing'/);
  });
});
