// Runs a TypeScript cdktf app without a build step: `node scripts/run-app.cjs examples/reference/main.ts`.
// tsx's CommonJS hook only (its ESM loader runs every import through a worker thread), and Node's source-map
// support off: cdktf captures a stack trace for every token it creates, and with source maps on each capture
// parses the inline maps of the provider packages (about a fifth of a synth). Set CAI_SOURCE_MAPS=1 to keep
// TypeScript line numbers in stack traces while debugging.
require('tsx/cjs');
if (process.env.CAI_SOURCE_MAPS !== '1') process.setSourceMapsEnabled(false);
const { resolve } = require('node:path');
const target = process.argv[2];
if (!target) {
  console.error('usage: node scripts/run-app.cjs <app.ts>');
  process.exit(2);
}
process.argv.splice(1, 2, resolve(target));
require(resolve(target));
