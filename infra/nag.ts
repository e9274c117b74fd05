import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

// cdk-nag 3 acknowledgments: each with a specific reason. Rules that report one finding per wildcard
// (AwsSolutions-IAM5[Resource::…]) are acknowledged finding by finding; `acknowledgeFindings` states
// the pattern once (e.g. "objects under the lake prefixes this function uses") and, when the app is
// complete, acknowledges exactly the findings that match it — a new wildcard that does not match
// still fails the synth.

export interface NagAcknowledgment {
  readonly id: string;
  readonly reason: string;
}

export function acknowledge(construct: IConstruct, ...rules: NagAcknowledgment[]): void {
  for (const rule of rules) {
    if (rule.reason.trim().length < 20) throw new Error(`cdk-nag acknowledgment ${rule.id} on ${construct.node.path}: give a specific reason`);
  }
  Validations.of(construct).acknowledge(...rules);
}

interface PendingFindings {
  readonly construct: IConstruct;
  readonly rule: string;
  readonly patterns: readonly RegExp[];
  readonly reason: string;
}

const pending = new WeakMap<IConstruct, PendingFindings[]>();

/** acknowledges the findings of `rule` on `construct` (and below) whose detail matches one of `patterns` */
export function acknowledgeFindings(construct: IConstruct, rule: string, patterns: readonly RegExp[], reason: string): void {
  const root = construct.node.root;
  const list = pending.get(root) ?? [];
  list.push({ construct, rule, patterns, reason });
  pending.set(root, list);
}

/** resolves every acknowledgeFindings() of the app into exact acknowledgments; returns what it acknowledged */
export function resolveFindingAcknowledgments(app: IConstruct): { path: string; id: string; reason: string }[] {
  const done: { path: string; id: string; reason: string }[] = [];
  for (const p of pending.get(app) ?? []) {
    const report = new AwsSolutionsChecks().validateScope(p.construct);
    for (const v of report.violations) {
      const m = /^(.+?)\[(.+)\]$/.exec(v.ruleName);
      if (!m || m[1] !== p.rule || !p.patterns.some((re) => re.test(m[2]!))) continue;
      acknowledge(p.construct, { id: v.ruleName, reason: p.reason });
      done.push({ path: p.construct.node.path, id: v.ruleName, reason: p.reason });
    }
  }
  pending.delete(app);
  return done;
}
