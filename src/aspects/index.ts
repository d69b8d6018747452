export * from './baseline-rules';
export * from './security-baseline';
