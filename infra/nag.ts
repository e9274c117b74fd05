import { CfnElement, Stack, Validations, type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

// cdk-nag 3 runs as a CDK validation plugin: a finding fails the synth unless it is acknowledged, and
// every acknowledgment here carries a specific reason.
//
// Rules that report one finding per wildcard (AwsSolutions-IAM5[Resource::…]) name the resource as
// CloudFormation renders it, which for a cross-stack bucket is only known at synth. For those,
// `acknowledgeFindings` states the finding patterns once (e.g. "objects under the lake prefixes this
// function uses") on a construct; the ObservatoryNagChecks plugin drops exactly the findings of that
// construct's resources that match, so a new wildcard that matches nothing still fails the synth.

export interface NagAcknowledgment {
  readonly id: string;
  readonly reason: string;
}

function checkReason(construct: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 30) throw new Error(`cdk-nag acknowledgment ${id} on ${construct.node.path}: give a specific reason`);
}

export function acknowledge(construct: IConstruct, ...rules: NagAcknowledgment[]): void {
  for (const rule of rules) checkReason(construct, rule.id, rule.reason);
  Validations.of(construct).acknowledge(...rules);
}

export const FINDINGS_METADATA = 'observatory:acknowledged-findings';

export interface FindingsAcknowledgment {
  /** e.g. AwsSolutions-IAM5 */
  readonly rule: string;
  /** regular expressions (source) over the finding, e.g. `^Resource::.*LakeBucket.*\/curated\/communes\/\*$` */
  readonly patterns: readonly string[];
  readonly reason: string;
}

/** acknowledges the findings of `rule` on the resources under `construct` whose detail matches one of `patterns` */
export function acknowledgeFindings(construct: IConstruct, rule: string, patterns: readonly RegExp[], reason: string): void {
  checkReason(construct, rule, reason);
  const data: FindingsAcknowledgment = { rule, patterns: patterns.map((p) => p.source), reason };
  construct.node.addMetadata(FINDINGS_METADATA, data);
}

/** the logical id of a resource as findings show it (`LakeBucketB1D32E10`), to anchor a pattern on it */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).resolve(element.logicalId) as string;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

interface Anchored extends FindingsAcknowledgment {
  readonly path: string;
}

function collectFindingAcknowledgments(root: IConstruct): Anchored[] {
  const out: Anchored[] = [];
  const visit = (c: IConstruct) => {
    for (const entry of c.node.metadata) {
      if (entry.type === FINDINGS_METADATA) out.push({ ...(entry.data as FindingsAcknowledgment), path: c.node.path });
    }
    for (const child of c.node.children) visit(child);
  };
  visit(root);
  return out;
}

/** whether a violation of `ruleName` on the resource at `constructPath` is covered by a findings acknowledgment */
function covered(acks: readonly Anchored[], ruleName: string, constructPath: string | undefined): Anchored | undefined {
  const m = /^(?:[A-Za-z]+::)?(.+?)\[(.+)\]$/.exec(ruleName);
  if (!m || !constructPath) return undefined;
  return acks.find(
    (a) => a.rule === m[1] && (constructPath === a.path || constructPath.startsWith(a.path + '/')) && a.patterns.some((p) => new RegExp(p).test(m[2]!)),
  );
}

/** drops the acknowledged findings from a report; returns the report and what was dropped */
export function applyFindingAcknowledgments(
  report: PolicyValidationPluginReport,
  root: IConstruct,
): { report: PolicyValidationPluginReport; acknowledged: { rule: string; path: string; reason: string }[] } {
  const acks = collectFindingAcknowledgments(root);
  const acknowledged: { rule: string; path: string; reason: string }[] = [];
  const violations = report.violations
    .map((v) => {
      const remaining = v.violatingResources.filter((r) => {
        const ack = covered(acks, v.ruleName, r.constructPath);
        if (ack) acknowledged.push({ rule: v.ruleName, path: r.constructPath!, reason: ack.reason });
        return !ack;
      });
      return { ...v, violatingResources: remaining };
    })
    .filter((v) => v.violatingResources.length > 0);
  return { report: { ...report, violations, success: violations.every((v) => v.severity !== 'error' && v.severity !== 'fatal') }, acknowledged };
}

/** AwsSolutionsChecks, plus the findings acknowledged by pattern */
export class ObservatoryNagChecks implements IPolicyValidationPlugin {
  readonly name: string;
  readonly version?: string;
  private readonly inner: AwsSolutionsChecks;

  constructor(scope: IConstruct) {
    this.inner = new AwsSolutionsChecks(scope, { verbose: true });
    this.name = this.inner.name;
    this.version = this.inner.version;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const root = (context as IPolicyValidationContext & { appConstruct?: IConstruct }).appConstruct;
    const report = this.inner.validate(context);
    return root ? applyFindingAcknowledgments(report, root).report : report;
  }

  /** the same checks on a construct tree, for tests */
  validateScope(scope: IConstruct): ReturnType<typeof applyFindingAcknowledgments> {
    return applyFindingAcknowledgments(this.inner.validateScope(scope), scope.node.root);
  }
}
