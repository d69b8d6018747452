/** Unit, synth and snapshot tests: no Terraform, no Azure, no cluster. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  // Snapshots are reviewed, never written by CI: `--ci` refuses to add new ones.
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  maxWorkers: 2,
};
