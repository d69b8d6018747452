/**
 * The opt-in integration suite (`npm run test:integ`): runs Terraform against the synthesized stacks.
 * Each test skips itself unless TERRAFORM_BINARY_NAME names a Terraform (or OpenTofu) binary.
 */
module.exports = {
  ...require('./jest.config.js'),
  testMatch: ['**/*.integ.ts'],
  testTimeout: 600000,
};
