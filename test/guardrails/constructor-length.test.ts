import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

// Constructors stay short enough to read as a list of steps (parse, check, model, render): the work itself lives in
// private methods and module functions named after what they do, the way cdk8s-plus and AWS CDK constructs do it.
const MAX_LINES = 80;
const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

interface Constructor {
  readonly file: string;
  readonly className: string;
  /** Lines from `constructor(` to its closing brace, both included. */
  readonly lines: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
    .sort();
}

/** Every class constructor with a body in `text`. */
function constructorsOf(file: string, text: string): Constructor[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Constructor[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isConstructorDeclaration(node) && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.body.getEnd()).line;
      const owner = node.parent;
      const className = ts.isClassLike(owner) && owner.name ? owner.name.text : '<anonymous class>';
      found.push({ file, className, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function tooLong(constructors: readonly Constructor[]): string[] {
  return constructors
    .filter((c) => c.lines > MAX_LINES)
    .map(
      (c) => `${c.className} (${c.file}): constructor is ${c.lines} lines, more than ${MAX_LINES}; move its steps into private methods or helpers`,
    );
}

describe('construct constructors', () => {
  const all = sourceFiles(SRC).flatMap((f) => constructorsOf(relative(ROOT, f), readFileSync(f, 'utf8')));

  test('finds the constructors of src/', () => {
    expect(all.map((c) => c.className)).toEqual(expect.arrayContaining(['ConfidentialWorkload', 'Trustee', 'TrusteeVm', 'ConfidentialVmPool']));
  });

  test(`no class constructor in src/ is longer than ${MAX_LINES} lines`, () => {
    expect(tooLong(all)).toEqual([]);
  });

  test('a constructor over the limit is reported with its class and length', () => {
    const body = Array.from({ length: MAX_LINES - 1 }, (_, i) => `    this.x${i} = ${i};`).join('\n');
    const text = `class Short {\n  constructor() {}\n}\nexport class Long {\n  constructor() {\n${body}\n  }\n}\n`;
    expect(tooLong(constructorsOf('long.ts', text))).toEqual([
      `Long (long.ts): constructor is ${MAX_LINES + 1} lines, more than ${MAX_LINES}; move its steps into private methods or helpers`,
    ]);
  });
});
