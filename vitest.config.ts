import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Two projects (`npm test` runs both):
// - unit (`npm run test:unit`, under a minute): the code in this process, on its own — parsers, domain
//   rules, declarations, model arithmetic, scales; no engine, no lake, no server, no child process;
// - integration: the tests over real components — DuckDB and a lake folder, the loopback Swift (its
//   global setup runs only here), Chromium, the `observatory` command or a crash child in processes of
//   their own, the synthesized CDK app.
// A file is an integration test by what it uses (below), so a new test lands in the right project.

const INTEGRATION_USES = [
  /\binject\(['"]s3Endpoint/, // the Swift server of the global setup
  /support\/(swift|browser|lighthouse|cli|crash-[\w-]+)\.ts/, // Swift, Chromium, the CLI or a crash child as processes
  /from ['"]node:child_process['"]/,
  /from ['"][./]*infra\/|aws-cdk-lib|synthObservatory/, // the CDK app synthesized, cfn-lint, bundling
  /support\/lake\.ts|new DuckLake|Duck\.open|openContext/, // DuckDB, over a lake folder or in memory
  /simulateNoiseNetwork|feedDemo/, // the whole demo network (seconds of generation)
];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.ts') ? [p.split(path.sep).join('/')] : [];
  });
}

const root = path.dirname(new URL(import.meta.url).pathname);
const integration = testFiles(path.join(root, 'tests'))
  .map((f) => path.relative(root, f))
  .filter((f) => INTEGRATION_USES.some((use) => use.test(readFileSync(path.join(root, f), 'utf8'))));

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // two test files at once even on 2 cores (vitest's default there is one): the integration files spend
    // much of their time waiting on processes of their own — Swift, Chromium, cfn-lint, the CLI, a
    // crash child — while the other core idles
    maxWorkers: Math.max(2, availableParallelism() - 1),
    setupFiles: ['tests/support/no-stray-console.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/**/*.test.ts'], exclude: integration } },
      { extends: true, test: { name: 'integration', include: integration, globalSetup: ['tests/support/global-setup.ts'] } },
    ],
  },
});
