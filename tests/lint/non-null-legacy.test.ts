import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readLegacy, untouchedLegacy } from '../../scripts/lint-legacy.mjs';

// eslint-non-null-legacy.json exempts files from `no-non-null-assertion` while their content is the listed
// one. A touched file loses the exemption in eslint.config.js; this test keeps the list itself honest.

function nonNullAssertions(file: string, text = readFileSync(file, 'utf8')): number {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  let count = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isNonNullExpression(node)) count += 1;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return count;
}

describe('the non-null assertion legacy list', () => {
  const legacy = readLegacy();

  it('lists only files whose content is still the listed one (else: fix the file, then node scripts/lint-legacy.mjs --prune)', () => {
    const touched = Object.keys(legacy).filter((file) => !untouchedLegacy(legacy).includes(file));
    expect(touched).toEqual([]);
  });

  it('lists only files that still hold a non-null assertion', () => {
    const clean = Object.keys(legacy).filter((file) => nonNullAssertions(file) === 0);
    expect(clean).toEqual([]);
  });

  it('counts assertions the way the rule sees them', () => {
    expect(nonNullAssertions('probe.ts', 'const a = [1][0]!; const b = a! + 1; const c = a !== 1;')).toBe(2);
    expect(nonNullAssertions('probe.ts', 'const a = [1][0] ?? 0; const c = a !== 1 && !a;')).toBe(0);
  });
});
