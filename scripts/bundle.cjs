#!/usr/bin/env node
// Bundles the library into the one JavaScript file the package ships (lib/index.js), next to the type
// declarations tsc writes. One file instead of ~70 modules: a synth resolves, reads and compiles one module
// (about 15 ms less per process on the reference app, docs/performance.md). Dependencies and peer
// dependencies stay external, so an app shares one cdktf, one set of provider classes and one valibot.
// `npm run bench` runs the same bundle, so the figures are those of the published package.
const { buildSync } = require('esbuild');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');

/** Writes the bundle of src/index.ts to `outfile` (CommonJS, Node 20), with a source map beside it. */
function bundle(outfile) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})].flatMap((name) => [
    name,
    `${name}/*`,
  ]);
  buildSync({
    entryPoints: [join(ROOT, 'src', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    // Names and line structure stay readable in stack traces; the map points back to src/.
    sourcemap: 'linked',
    sourcesContent: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

module.exports = { bundle };

if (require.main === module) bundle(process.argv[2] ?? join(ROOT, 'lib', 'index.js'));
