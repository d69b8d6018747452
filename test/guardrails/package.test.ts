import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import * as api from '../../src';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  bin: Record<string, string>;
  main: string;
  types: string;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const { bundle } = require('../../scripts/bundle.cjs') as { bundle: (outfile: string) => void };
// What `npm pack` ships (lib/ is built by the prepack script, so it is absent from a dry run without scripts).
const packed: string[] = (
  JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as Array<{
    files: Array<{ path: string }>;
  }>
)[0].files.map((f) => f.path);

describe('the published package', () => {
  test('ships the license it declares, the README, the docs and the tools, and no sources, tests or examples', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    expect(packed).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'docs/security.md', ...Object.values(pkg.bin)]));
    expect(packed.filter((f) => /^(src|test|examples|scripts|bench)\//.test(f))).toEqual([]);
    expect(pkg.files).toEqual(expect.arrayContaining(['lib/index.js', 'lib/index.js.map', 'lib/**/*.d.ts']));
    expect(pkg.main).toBe('lib/index.js');
  });

  test('every relative link of the README and the docs resolves to a file inside the package', () => {
    const broken: string[] = [];
    for (const doc of packed.filter((f) => f.endsWith('.md'))) {
      // Links only: code blocks and inline code (rego, regexes) are not.
      const text = readFileSync(join(ROOT, doc), 'utf8')
        .replace(/```[\s\S]*?```/g, '')
        .replace(/`[^`\n]*`/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
        const file = normalize(join(dirname(doc), target.split('#')[0]));
        if (!packed.includes(file)) broken.push(`${doc} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('each bin is an executable script with an interpreter line', () => {
    for (const [name, file] of Object.entries(pkg.bin)) {
      expect(name).toMatch(/^cai-/);
      accessSync(join(ROOT, file), constants.X_OK);
      expect(readFileSync(join(ROOT, file), 'utf8')).toMatch(/^#!\/usr\/bin\/env (bash|node)\n/);
    }
  });

  test('the main entry exports the API, not the internal valibot schemas', () => {
    const schemas = Object.entries(api)
      .filter(([, v]) => typeof v === 'object' && v !== null && '~run' in v)
      .map(([k]) => k);
    expect(schemas).toEqual([]);
    expect(Object.keys(api)).toEqual(
      expect.arrayContaining(['synthAndReport', 'collectAnnotations', 'configureAksProviders', 'readKbsPublicMaterial', 'SecurityBaseline']),
    );
  });

  test('GIVEN the bundle the package ships WHEN it is loaded THEN it exports what src exports and requires only declared packages', () => {
    // Inside node_modules, so that the bundle resolves its dependencies as an installed package does.
    const cache = join(ROOT, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'cai-bundle-'));
    try {
      const outfile = join(dir, 'index.js');
      bundle(outfile);
      const code = readFileSync(outfile, 'utf8');
      const declared = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)];
      const required = [...new Set([...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]))];
      const undeclared = required.filter((r) => !r.startsWith('node:') && !declared.some((d) => r === d || r.startsWith(`${d}/`)));
      expect(undeclared).toEqual([]);
      // valibot is inlined (scripts/bundle.cjs says why) and its MIT notice travels with it.
      expect(required).not.toContain('valibot');
      expect(code).toContain('Copyright (c) Fabian Hiller');
      // The library's own modules are inside the bundle, not required from beside it.
      expect(required.filter((r) => r.startsWith('.'))).toEqual([]);
      const shipped = require(outfile) as Record<string, unknown>;
      expect(Object.keys(shipped).sort()).toEqual(Object.keys(api).sort());
      expect(readFileSync(`${outfile}.map`, 'utf8')).toContain('src/index.ts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("GIVEN the README's API section WHEN the main entry is loaded THEN it exports exactly the names listed there", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## API\n'), readme.indexOf('\n## ', readme.indexOf('\n## API\n') + 1));
    const listed = new Set([...section.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]));
    const exported = Object.keys(api).sort();
    expect(exported.filter((name) => !listed.has(name))).toEqual([]);
    // Every name the section lists in code is exported, except the props and methods it mentions in passing.
    const mentioned = ['PodSpec', 'auditLogs', 'forPod', 'src'];
    expect([...listed].filter((name) => !exported.includes(name) && !mentioned.some((m) => name === m)).sort()).toEqual([]);
  });
});
