import tseslint from 'typescript-eslint';
import local from './scripts/eslint-local-rules.cjs';

// Deep imports only: the provider packages' root barrels load every resource class (seconds and hundreds of
// MB per process). Import `@cdktf/provider-azurerm/lib/<resource>` instead.
const providerRoots = ['@cdktf/provider-azurerm', '@cdktf/provider-kubernetes', '@cdktf/provider-helm'];

export default tseslint.config(
  { ignores: ['lib/**', 'cdktf.out/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.d.ts'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: providerRoots.map((name) => ({
            name,
            message: `import the resource from '${name}/lib/<resource>' (the root barrel costs seconds per process)`,
          })),
          patterns: [
            { regex: '^@cdktf/provider-[a-z]+/lib(/index(\\.js)?)?$', message: 'import one resource module, not the lib barrel' },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      // Prettier (printWidth 150) does not break string, template or regex literals: split those by hand.
      'max-len': ['error', { code: 150, ignoreUrls: true }],
    },
  },
  {
    // A cycle makes module load order decide what a module sees: src/ has none (scripts/import-cycles.cjs).
    files: ['src/**/*.ts'],
    plugins: { local },
    rules: { 'local/no-import-cycle': 'error' },
  },
  {
    // The pure attestation core never depends on cdktf, constructs or providers.
    files: ['src/attestation/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['cdktf', 'constructs', '@cdktf/*', '../*'],
              message: 'src/attestation is pure: no cdktf, constructs, providers or code outside it',
            },
          ],
        },
      ],
    },
  },
);
