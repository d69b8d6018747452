// Loads the same provider classes through the package roots (BENCH_IMPORT=barrel) or deep imports (deep).
const modules = (process.env.BENCH_MODULES ?? '').split(',').filter(Boolean);
for (const module of modules) {
  if (process.env.BENCH_IMPORT === 'barrel') {
    const [scope, pkg, , name] = module.split('/');

    const root = require(`${scope}/${pkg}`) as Record<string, unknown>;
    const key = name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    if (root[key] === undefined && root[key.replace(/V1$/, 'V1')] === undefined) throw new Error(`no ${key} in ${scope}/${pkg}`);
  } else {
    require(module);
  }
}
