import js from '@eslint/js';
import tseslint from 'typescript-eslint';

import { untouchedLegacy } from './scripts/lint-legacy.mjs';

// Files written before `no-non-null-assertion` became an error (issue 21), exempt while their content is the
// one listed (eslint-non-null-legacy.json): new and touched files are held to the rule.
const nonNullLegacy = untouchedLegacy();

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'web/dist/', 'lake/', '.lake*/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
      complexity: ['error', 20],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  // type-checked rules on the TypeScript the project compiles (tsconfig.json, plus the web build scripts)
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['web/arrondissements.ts', 'web/vite.config.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: { '@typescript-eslint/no-non-null-assertion': 'error' },
  },
  { files: nonNullLegacy, rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
  { files: ['bin/**', 'scripts/**', 'tests/**', 'notebooks/**'], rules: { 'no-console': 'off' } },
  {
    // stages (and the publishing code they call) see ports only: no engine, no store, no SDK
    files: ['functions/lib/stages/**', 'functions/lib/publish/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/adapters/*', '**/adapters/**'], message: 'stages see ports only (functions/lib/ports/): the entry points build the adapters' },
            { group: ['@duckdb/*', '@aws-sdk/*'], message: 'stages see ports only: DuckDB and AWS live behind the Lake and ObjectStore ports' },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } } },
  // the CommonJS files (the command line's entry and the version it answers before any ES module loads)
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { process: 'readonly', console: 'readonly', require: 'readonly', exports: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
