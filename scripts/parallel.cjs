// Runs npm scripts at the same time and fails if any fails: `node scripts/parallel.cjs lint typecheck`.
// lint (eslint, prettier) and typecheck (tsc) each use one core; side by side they take the time of the longer.
const { spawn } = require('node:child_process');

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: node scripts/parallel.cjs <npm script> [...]');
  process.exit(2);
}
let failed = 0;
let running = names.length;
for (const name of names) {
  const child = spawn('npm', ['run', '--silent', name], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (code !== 0) {
      failed += 1;
      console.error(`npm run ${name} failed (${signal ?? `exit ${code}`})`);
    }
    running -= 1;
    if (running === 0) process.exit(failed === 0 ? 0 : 1);
  });
}
