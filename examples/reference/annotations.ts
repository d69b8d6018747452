import { App } from 'cdktf';

/** Prints the warnings, errors and notes (e.g. baseline suppressions) constructs attached during synth (the cdktf CLI does this; plain node does not). */
export function printAnnotations(app: App): void {
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type === '@cdktf/warn' || entry.type === '@cdktf/error' || entry.type === '@cdktf/info') {
        const level = entry.type === '@cdktf/error' ? 'ERROR' : entry.type === '@cdktf/warn' ? 'WARNING' : 'INFO';
        console.warn(`[${level}] ${construct.node.path}: ${String(entry.data)}`);
      }
    }
  }
}
