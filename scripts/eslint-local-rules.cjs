// Lint rules of this project (eslint.config.mjs registers them as the `local` plugin).
const { statSync } = require('node:fs');
const { dirname, join, sep } = require('node:path');
const { cyclesThrough, importGraph, showCycle, tsFilesUnder } = require('./import-cycles.cjs');

const ROOT = dirname(__dirname);

// The cycles of a source tree, recomputed only when a file under it changed (a long-running lint server sees edits).
const cache = new Map();
function cyclesUnder(dir) {
  const files = tsFilesUnder(dir);
  const key = files.map((file) => `${file}:${statSync(file).mtimeMs}`).join('\n');
  if (cache.get(dir)?.key !== key) cache.set(dir, { key, cycles: cyclesThrough(importGraph(files)) });
  return cache.get(dir).cycles;
}

/**
 * No module of the tree (option `dir`, default src/) imports one that imports it back, directly or through others
 * (type-only imports included).
 */
const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'no import cycle in src/, type-only imports included' },
    schema: [{ type: 'object', properties: { dir: { type: 'string' } }, additionalProperties: false }],
    messages: {
      cycle:
        'this module is on an import cycle: {{cycle}}. Move what both sides need into a module of its own ' +
        '(a mark beside its interface, a shared type in the pure core), so the imports run one way',
    },
  },
  create(context) {
    const dir = context.options[0]?.dir ?? join(ROOT, 'src');
    const file = context.filename;
    if (!file.startsWith(dir + sep)) return {};
    return {
      Program(node) {
        const cycle = cyclesUnder(dir).get(file);
        if (cycle) context.report({ node, messageId: 'cycle', data: { cycle: showCycle(cycle, dirname(dir)) } });
      },
    };
  },
};

module.exports = { rules: { 'no-import-cycle': noImportCycle } };
