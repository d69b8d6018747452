export { BASELINE_RULES } from './baseline-rules';
export type { BaselineRule } from './baseline-rules';
export { SecurityBaseline } from './security-baseline';
