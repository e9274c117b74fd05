import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'web/dist/', 'lake/', '.lake*/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
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
);
