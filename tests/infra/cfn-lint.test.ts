import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthObservatory } from './support.ts';

// cfn-lint (the CloudFormation linter, checked against the resource specifications) over every
// template of both environments: no error, and every warning rule explained in docs/deploy.md.

interface Finding {
  Rule: { Id: string };
  Level: 'Error' | 'Warning' | 'Informational';
  Filename: string;
  Location: { Path: (string | number)[] };
  Message: string;
}

function cfnLint(files: string[]): Finding[] {
  const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('cfn-lint is not installed (it lints the synthesized templates): pip install cfn-lint, then run the tests again');
  }
  if (run.error) throw run.error;
  // exit codes: 0 clean, 2 errors, 4 warnings, 8 informational (summed); anything else is a failure of the tool
  if (run.status === null || run.status > 14 || run.status === 1) throw new Error(`cfn-lint failed (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout || '[]') as Finding[];
}

/** the cfn-lint warning rules docs/deploy.md explains, from its "cfn-lint warnings" table */
function documentedWarnings(): Map<string, string> {
  const doc = readFileSync(path.join(import.meta.dirname, '../../docs/deploy.md'), 'utf8');
  const section = doc.split(/^### cfn-lint warnings$/m)[1]?.split(/^#/m)[0] ?? '';
  return new Map([...section.matchAll(/^\| (W\d{4}) \| (.+?) \|$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('cfn-lint over every synthesized template', () => {
  it('finds no error in the dev and prod templates, and only warnings docs/deploy.md explains', { timeout: 900_000 }, () => {
    const files = (['dev', 'prod'] as const).flatMap((envName) => synthObservatory(envName).assembly.stacks.map((s) => s.templateFullPath));
    expect(files).toHaveLength(8);
    const findings = cfnLint(files);
    const describe = (f: Finding) => `${f.Rule.Id} ${path.basename(f.Filename)} ${f.Location.Path.join('/')}: ${f.Message}`;
    expect(findings.filter((f) => f.Level === 'Error').map(describe)).toEqual([]);
    const documented = documentedWarnings();
    for (const f of findings.filter((x) => x.Level === 'Warning')) expect(documented.has(f.Rule.Id), `docs/deploy.md explains ${describe(f)}`).toBe(true);
    for (const [rule, reason] of documented) expect(reason.length, rule).toBeGreaterThan(30);
  });

  it('is a real check: an error in a template is reported as one', () => {
    const bad = path.join(import.meta.dirname, 'cfn-lint-bad-template.json');
    const findings = cfnLint([bad]);
    expect(findings.filter((f) => f.Level === 'Error').map((f) => f.Rule.Id)).toEqual(expect.arrayContaining(['E3002']));
  });
});
