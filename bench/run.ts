// `npm run bench`: cold-process measurements of synth speed and memory, each the median of several runs.
// It reports; it never fails a build. See docs/performance.md for the method and the budget.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
const { bundle } = require('../scripts/bundle.cjs') as { bundle: (outfile: string) => void };

const ROOT = join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RSS_REPORTER = join(__dirname, 'apps', 'rss-reporter.cjs');

interface Sample {
  readonly wallMs: number;
  readonly rssMiB: number;
}

interface Result {
  readonly name: string;
  readonly runs: number;
  readonly medianWallMs: number;
  readonly medianRssMiB: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Spec {
  readonly name: string;
  readonly args: string[];
  readonly env?: Record<string, string>;
}

/** One run of `spec` in a fresh node process: wall time from spawn to exit, peak RSS from the child. */
function runOnce(spec: Spec): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'cai-bench-'));
  const rssFile = join(dir, 'rss');
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--require', RSS_REPORTER, ...spec.args], {
    cwd: ROOT,
    env: { ...process.env, ...spec.env, CDKTF_OUTDIR: join(dir, 'out'), BENCH_RSS_FILE: rssFile, CAI_STATE_STORAGE_ACCOUNT: '' },
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`${spec.name} failed:\n${child.stderr}`);
  const sample = { wallMs, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024 };
  rmSync(dir, { recursive: true, force: true });
  return sample;
}

/**
 * Runs the specs `runs` times each, interleaved (A, B, C, A, B, C, ...), so that a machine getting slower or
 * faster during the measurement moves all of them alike and the ratios between them stay fair.
 */
function measureInterleaved(specs: Spec[], runs = RUNS): Result[] {
  const samples: Sample[][] = specs.map(() => []);
  for (let i = 0; i < runs; i++) specs.forEach((spec, j) => samples[j].push(runOnce(spec)));
  return specs.map((spec, j) => {
    const result = {
      name: spec.name,
      runs,
      medianWallMs: median(samples[j].map((s) => s.wallMs)),
      medianRssMiB: median(samples[j].map((s) => s.rssMiB)),
    };
    console.error(`  ${spec.name}: ${result.medianWallMs.toFixed(0)} ms, ${result.medianRssMiB.toFixed(0)} MiB`);
    return result;
  });
}

/** Runs `args` `runs` times in fresh node processes (see measureInterleaved). */
function measure(name: string, args: string[], env: Record<string, string> = {}, runs = RUNS): Result {
  return measureInterleaved([{ name, args, env }], runs)[0];
}

/** Synthesizes the built reference app once and writes its stacks (name -> cdk.tf.json) to a file for the replay floor. */
function referenceStacks(built: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cai-bench-stacks-'));
  execFileSync(process.execPath, [join(built, 'examples', 'reference', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: join(dir, 'out'), CAI_STATE_STORAGE_ACCOUNT: '' },
    stdio: 'ignore',
  });
  const stacks: Record<string, unknown> = {};
  for (const name of readdirSync(join(dir, 'out', 'stacks')))
    stacks[name] = JSON.parse(readFileSync(join(dir, 'out', 'stacks', name, 'cdk.tf.json'), 'utf8'));
  const file = join(dir, 'stacks.json');
  writeFileSync(file, JSON.stringify(stacks));
  return file;
}

/** Every provider resource module the library and the reference app import (deep imports only). */
function providerModules(): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/from '(@cdktf\/provider-[a-z]+\/lib\/[a-z0-9-]+)'/g)) found.add(m[1]);
      }
    }
  };
  walk(join(ROOT, 'src'));
  walk(join(ROOT, 'examples', 'reference'));
  return [...found].sort();
}

/** Compiles src, the examples and the bench apps to JavaScript, as a published package and a built app run. */
function compile(): string {
  const out = join(ROOT, '.bench-build');
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'bench', 'tsconfig.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // The library runs as the package ships it: one bundle (scripts/bundle.cjs), which the compiled examples and
  // apps import as '../../src'.
  bundle(join(out, 'src', 'index.js'));
  // The example reads its public key material, measurements and image facts next to its code.
  for (const dir of ['pki', 'podvm', 'images', 'tls'])
    cpSync(join(ROOT, 'examples', 'reference', dir), join(out, 'examples', 'reference', dir), { recursive: true });
  return out;
}

function main(): void {
  const modules = providerModules().join(',');
  console.error(`bench: ${RUNS} runs each, median reported (node ${process.version}, ${cpus().length} CPUs)`);
  // Budgeted: compiled JavaScript, as the published package runs inside a built app.
  const built = compile();
  const js = (path: string): string[] => [join(built, path)];
  const stacks = referenceStacks(built);
  // The budgeted ratios compare these; they run interleaved.
  const [reference, floor, sameResources, sameGeneric] = measureInterleaved([
    { name: 'reference app synth', args: js('examples/reference/main.js') },
    { name: 'floor: cdktf + the same provider modules, empty stack', args: js('bench/apps/floor.js'), env: { BENCH_MODULES: modules } },
    {
      name: 'floor: plain cdktf, the same resources (provider classes)',
      args: js('bench/apps/same-resources.js'),
      env: { BENCH_MODULES: modules, BENCH_STACKS: stacks },
    },
    // Informational: the same resources as generic TerraformResource overrides, cheaper than any real app.
    {
      name: 'the same resources as generic overrides (no provider classes)',
      args: js('bench/apps/same-resources.js'),
      env: { BENCH_MODULES: modules, BENCH_STACKS: stacks, BENCH_REPLAY: 'generic' },
    },
  ]);
  const scaling = [1, 10, 50, 100].map((n) =>
    measure(`reference app + ${n} workloads`, js('bench/apps/scaling.js'), { BENCH_WORKLOADS: String(n) }, Math.max(3, Math.floor(RUNS / 2))),
  );
  const deep = measure('provider classes, deep imports', js('bench/apps/imports.js'), { BENCH_MODULES: modules, BENCH_IMPORT: 'deep' });
  const barrel = measure(
    'provider classes, package-root imports',
    js('bench/apps/imports.js'),
    { BENCH_MODULES: modules, BENCH_IMPORT: 'barrel' },
    Math.max(3, Math.floor(RUNS / 2)),
  );
  // Informational: the development loop, TypeScript through the project's runner (`npm run synth`).
  const runner = [join(ROOT, 'scripts', 'run-app.cjs')];
  const [devReference, devFloor] = measureInterleaved([
    { name: 'npm run synth (TypeScript via scripts/run-app.cjs)', args: [...runner, 'examples/reference/main.ts'] },
    { name: 'floor via scripts/run-app.cjs', args: [...runner, 'bench/apps/floor.ts'], env: { BENCH_MODULES: modules } },
  ]);
  rmSync(built, { recursive: true, force: true });

  let npmTest: number | undefined;
  if (process.env.BENCH_SKIP_TEST !== '1') {
    const start = process.hrtime.bigint();
    const run = spawnSync('npm', ['test', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    npmTest = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) throw new Error(`npm test failed:\n${run.stdout}\n${run.stderr}`);
    console.error(`  npm test: ${(npmTest / 1000).toFixed(1)} s`);
  }

  const one = scaling[0];
  const hundred = scaling[scaling.length - 1];
  const ratios = {
    referenceOverFloor: reference.medianWallMs / floor.medianWallMs,
    referenceOverSameResources: reference.medianWallMs / sameResources.medianWallMs,
    referenceOverGenericReplay: reference.medianWallMs / sameGeneric.medianWallMs,
    hundredOverOneWorkload: hundred.medianWallMs / one.medianWallMs,
    perWorkloadMs: (hundred.medianWallMs - one.medianWallMs) / 99,
    barrelOverDeep: barrel.medianWallMs / deep.medianWallMs,
    barrelOverDeepRss: barrel.medianRssMiB / deep.medianRssMiB,
    devReferenceOverFloor: devReference.medianWallMs / devFloor.medianWallMs,
  };
  const budget = {
    referenceOverFloor: { limit: 1.5, met: ratios.referenceOverFloor <= 1.5 },
    referenceOverSameResources: { limit: 1.15, met: ratios.referenceOverSameResources <= 1.15 },
    hundredOverOneWorkload: { limit: 3, met: ratios.hundredOverOneWorkload <= 3 },
    npmTestSeconds: { limit: 60, met: npmTest === undefined ? null : npmTest / 1000 <= 60 },
  };
  const report = {
    machine: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
    },
    measuredAt: new Date().toISOString(),
    runs: RUNS,
    results: [reference, floor, sameResources, sameGeneric, ...scaling, deep, barrel, devReference, devFloor],
    npmTestMs: npmTest ?? null,
    overheadMs: reference.medianWallMs - floor.medianWallMs,
    ratios,
    budget,
  };
  const rows = [
    ['measurement', 'median wall', 'median peak RSS'],
    ...report.results.map((r) => [r.name, `${r.medianWallMs.toFixed(0)} ms`, `${r.medianRssMiB.toFixed(0)} MiB`]),
    ...(npmTest !== undefined ? [['npm test', `${(npmTest / 1000).toFixed(1)} s`, '']] : []),
  ];
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(rows.map((r) => r.map((c, i) => c.padEnd(width[i])).join('  ')).join('\n'));
  console.log(
    `\nreference / floor: ${ratios.referenceOverFloor.toFixed(2)}x (budget 1.5x)  |  ` +
      `reference / same resources: ${ratios.referenceOverSameResources.toFixed(2)}x (budget 1.15x)  |  ` +
      `100 / 1 workloads: ${ratios.hundredOverOneWorkload.toFixed(2)}x (budget 3x), ` +
      `${ratios.perWorkloadMs.toFixed(1)} ms per workload  |  ` +
      `barrel / deep: ${ratios.barrelOverDeep.toFixed(1)}x time, ${ratios.barrelOverDeepRss.toFixed(1)}x RSS  |  ` +
      `TypeScript runner: ${ratios.devReferenceOverFloor.toFixed(2)}x its floor`,
  );
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const out = join(ROOT, 'bench', 'results', 'latest.json');
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`figures written to ${relative(ROOT, out)}`);
}

main();
