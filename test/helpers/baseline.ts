import { SecurityBaseline } from '../../src';
import type { IConstruct } from 'constructs';

/** Runs the baseline over a tree and returns `ruleId construct-path` for each error and warning. */
export function findings(root: IConstruct): { errors: string[]; warnings: string[]; infos: string[] } {
  const baseline = new SecurityBaseline();
  for (const c of root.node.findAll()) baseline.visit(c);
  const out = { errors: [] as string[], warnings: [] as string[], infos: [] as string[] };
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata) {
      const text = `${String(m.data).split(' ')[0]} ${c.node.path}`;
      if (m.type === '@cdktf/error') out.errors.push(text);
      if (m.type === '@cdktf/warn' && String(m.data).startsWith('CAI-')) out.warnings.push(text);
      if (m.type === '@cdktf/info') out.infos.push(String(m.data));
    }
  }
  return out;
}
