import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.ts';
import { FINDINGS_METADATA, ObservatoryNagChecks, type FindingsAcknowledgment } from '../../infra/nag.ts';
import { buildObservatory, cdkJsonContext } from '../../infra/observatory.ts';
import { CUSTOM_DOMAIN, synthObservatory, synthValidated } from './support.ts';

/** every acknowledgment in the tree: exact rule ids and finding patterns, with where and why */
function acknowledgments(root: IConstruct): { rule: string; path: string; reason: string }[] {
  const out: { rule: string; path: string; reason: string }[] = [];
  const visit = (c: IConstruct) => {
    for (const e of c.node.metadata) {
      if (e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [id, reason] of Object.entries(e.data as Record<string, string>)) out.push({ rule: id.replace(/^annotation::/i, ''), path: c.node.path, reason });
      }
      if (e.type === FINDINGS_METADATA) {
        const f = e.data as FindingsAcknowledgment;
        out.push({ rule: `${f.rule}[${f.patterns.length} patterns]`, path: c.node.path, reason: f.reason });
      }
    }
    c.node.children.forEach(visit);
  };
  visit(root);
  return out;
}

/** the rules this project acknowledges, reviewed: a new one fails here until it is added with its reason in docs/deploy.md */
const REVIEWED_RULES = [
  'AwsSolutions-S1',
  'AwsSolutions-CFR1',
  'AwsSolutions-CFR2',
  'AwsSolutions-CFR4',
  'AwsSolutions-L1',
  'AwsSolutions-SQS3',
  'AwsSolutions-SMG4',
  'AwsSolutions-APIG2',
  'AwsSolutions-APIG3',
  'AwsSolutions-APIG4',
  'AwsSolutions-COG4',
  'AwsSolutions-IAM4',
  'AwsSolutions-IAM5',
];

/** the configurations operators deploy: each environment, prod redeployed after `cdk destroy` (docs/deploy.md), a custom domain */
const DEPLOYABLE: readonly [string, 'dev' | 'prod', Record<string, unknown>][] = [
  ['dev', 'dev', {}],
  ['prod', 'prod', {}],
  ['prod redeployed with -c adopt=true', 'prod', { adoptRetained: true }],
  ['dev with a custom domain', 'dev', CUSTOM_DOMAIN],
];

describe('cdk-nag AWS Solutions checks', () => {
  // the synths where CloudFormation's validation runs too (the other tests synthesize without it)
  it.each(DEPLOYABLE)('leaves no unacknowledged finding, nor any CloudFormation validation finding, on any stack of %s, after synthesis', { timeout: 240_000 }, (_label, envName, overrides) => {
    const { assembly, stacks } = synthValidated(envName, overrides);
    const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
    for (const stack of Object.values(stacks) as Stack[]) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue()), stack.stackName).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue()), stack.stackName).toEqual([]);
    }
  });

  it('the CloudFormation validation is a real check under cdk.json\'s flags: a template error fails the synth', () => {
    const app = new App({ context: cdkJsonContext(), builtinCloudFormationValidation: true });
    const stack = new Stack(app, 'Careless', { env: { region: 'eu-west-3' } });
    new CfnResource(stack, 'Bucket', { type: 'AWS::S3::Bucket', properties: { BucketName: ['not', 'a', 'string'] } });
    expect(() => app.synth()).toThrow(/BucketName: .* is not of type 'string'/);
  });

  it('leaves no finding on the construct tree either (before synthesis)', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true } });
    buildObservatory(app, loadConfig('prod'));
    const { report, acknowledged } = new ObservatoryNagChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(0);
  });

  it('gives every acknowledgment a specific reason, and acknowledges only reviewed rules', () => {
    const { app } = synthObservatory('dev');
    const all = acknowledgments(app);
    expect(all.length).toBeGreaterThan(10);
    for (const a of all) {
      expect(a.reason.length, `${a.rule} at ${a.path}`).toBeGreaterThanOrEqual(30);
      expect(REVIEWED_RULES, `${a.rule} at ${a.path}`).toContain(a.rule.replace(/\[.*$/, ''));
    }
    const docs = readFileSync(path.join(import.meta.dirname, '../../docs/deploy.md'), 'utf8');
    for (const rule of REVIEWED_RULES) expect(docs, `docs/deploy.md lists ${rule}`).toContain(rule);
  });

  it('is on for every stack of the app: an unencrypted, unlogged bucket fails the synth', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true } });
    buildObservatory(app, loadConfig('dev'));
    const extra = new Stack(app, 'Extra', { env: { region: 'eu-west-3' } });
    new s3.Bucket(extra, 'Careless', { enforceSSL: false });
    expect(() => app.synth()).toThrow(/AwsSolutions-S1|AwsSolutions-S10/);
  });
});
