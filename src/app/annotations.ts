import { App, IConstruct } from '../internal/cdktf';

/** A warning, error or note a construct attached to itself (what `Annotations.of(...)` records). */
export interface SynthAnnotation {
  /** `error` fails synth; `warning` is probably a mistake or development-only; `info` is a note (e.g. a baseline suppression). */
  readonly level: 'error' | 'warning' | 'info';
  /** The construct path. */
  readonly path: string;
  /** The message. */
  readonly message: string;
}

const LEVELS: Readonly<Record<string, SynthAnnotation['level']>> = { '@cdktf/error': 'error', '@cdktf/warn': 'warning', '@cdktf/info': 'info' };

/**
 * Every annotation of `scope` and the constructs below it, in tree order. Most are added while synthesizing
 * (validations and aspects run then), so call it after `app.synth()` or `Testing.synth(stack)`; it suits test
 * assertions (`expect(collectAnnotations(stack).filter((a) => a.level === 'warning')).toEqual([])`).
 */
export function collectAnnotations(scope: IConstruct): SynthAnnotation[] {
  const out: SynthAnnotation[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      const level = LEVELS[entry.type];
      if (level) out.push({ level, path: construct.node.path, message: String(entry.data) });
    }
  }
  return out;
}

/** Formats one annotation as a line: `[WARNING] infra/Cluster: message`. */
export function formatAnnotation(a: SynthAnnotation): string {
  return `[${a.level.toUpperCase()}] ${a.path}: ${a.message}`;
}

/** Options of `synthAndReport`. */
export interface SynthAndReportOptions {
  /**
   * Where each line goes. Standard output by default: the cdktf CLI shows an app's standard error as errors.
   * Under the cdktf CLI (`cdktf synth`, `deploy`), which prints every annotation from the stacks' manifests
   * itself, nothing is printed by default, so each line appears once.
   * @default - process.stdout, or nothing under the cdktf CLI
   */
  readonly print?: (line: string) => void;
}

/**
 * True when the cdktf CLI runs the app: it sets CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS for the app's process
 * (cdktf-cli 0.21 `@cdktf/cli-core/src/lib/synth-stack.js`) and prints the annotations of the manifests itself.
 */
function underCdktfCli(): boolean {
  return process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS === 'true';
}

/**
 * Synthesizes `app` and prints its annotations, one line each, then returns them. Plain `app.synth()` keeps the
 * library's warnings in the manifest where nobody reads them; use this in `main.ts` instead (under the cdktf CLI,
 * which prints the manifests' annotations, it prints nothing itself). When synth fails, the warnings and notes
 * are printed and the error is rethrown (it already lists the errors, so they are not printed twice).
 */
export function synthAndReport(app: App, options: SynthAndReportOptions = {}): SynthAnnotation[] {
  const toStdout = (line: string): void => void process.stdout.write(`${line}\n`);
  const print = options.print ?? (underCdktfCli() ? () => undefined : toStdout);
  try {
    app.synth();
  } catch (e) {
    for (const a of collectAnnotations(app).filter((x) => x.level !== 'error')) print(formatAnnotation(a));
    throw e;
  }
  const annotations = collectAnnotations(app);
  for (const a of annotations) print(formatAnnotation(a));
  return annotations;
}
