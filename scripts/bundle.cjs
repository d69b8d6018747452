#!/usr/bin/env node
// Bundles the library into the one JavaScript file the package ships (lib/index.js), next to the type
// declarations tsc writes. One file instead of ~70 modules: a synth resolves, reads and compiles one module
// (about 15 ms less per process on the reference app, docs/performance.md). Peer dependencies and
// dependencies stay external, so an app shares one cdktf and one set of provider classes, except valibot: the
// library calls it through `import * as v`, and for an external CommonJS module esbuild copies its ~700
// exports into every importing module's namespace at load and reads them through getters (about 10 ms);
// inlined from its ESM build, only the functions used are included and called directly. valibot stays a
// dependency for its types (the declarations of KbsConfig and the props schemas name them).
// `npm run bench` runs the same bundle, so the figures are those of the published package.
const { buildSync } = require('esbuild');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');

/** The license text of an inlined package, as comment lines. */
function licenseOf(name) {
  const text = readFileSync(join(ROOT, 'node_modules', name, 'LICENSE.md'), 'utf8').trim();
  return text
    .split('\n')
    .map((line) => ` * ${line}`.trimEnd())
    .join('\n');
}

/** Writes the bundle of src/index.ts to `outfile` (CommonJS, Node 20), with a source map beside it. */
function bundle(outfile) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const inlined = new Set(['valibot']);
  const packages = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  const external = packages.filter((name) => !inlined.has(name)).flatMap((name) => [name, `${name}/*`]);
  buildSync({
    entryPoints: [join(ROOT, 'src', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    // Names and line structure stay readable in stack traces; the map points back to src/ by path and line, without
    // embedding the sources (they were more than half the packed package).
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    // valibot's MIT license asks for its notice to travel with every copy: the bundle carries it.
    banner: { js: `/*\n * Includes valibot (https://valibot.dev):\n *\n${licenseOf('valibot')}\n */` },
    logLevel: 'warning',
  });
}

module.exports = { bundle };

if (require.main === module) bundle(process.argv[2] ?? join(ROOT, 'lib', 'index.js'));
