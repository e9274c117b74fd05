import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { loadConfig, type ObservatoryConfig } from '../../infra/config.ts';
import { buildObservatory, cdkJsonContext, type ObservatoryStacks } from '../../infra/observatory.ts';
import type { DatasetDeclaration } from '../../functions/lib/datasets/declaration.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { STAGES, type StageDefinition } from '../../functions/lib/stages/registry.ts';
import { defined } from '../support/defined.ts';

// the value, or a failure naming what was expected: shared with the other tests
export { defined };

// one folder for the cloud assemblies of this test process, removed when it exits
const ASSEMBLIES = mkdtempSync(path.join(os.tmpdir(), 'observatory-cdk-'));
process.on('exit', () => rmSync(ASSEMBLIES, { recursive: true, force: true }));

export interface SynthesizedObservatory {
  readonly app: App;
  readonly config: ObservatoryConfig;
  readonly stacks: ObservatoryStacks;
  readonly assembly: CloudAssembly;
  readonly templates: { [K in keyof ObservatoryStacks]: Template };
}

/**
 * The whole app synthesized in process with cdk.json's feature flags, without bundling the functions
 * (their code is a placeholder) and without copying assets: the templates, fast. Without the CDK's
 * built-in CloudFormation validation either (a wasm engine: ~10 s of CPU to start in each test file):
 * synthValidated() runs it, over every deployable configuration, in tests/infra/nag.test.ts.
 */
export function synthObservatory(envName: 'dev' | 'prod' = 'dev', overrides: Record<string, unknown> = {}, options: Parameters<typeof buildObservatory>[2] = {}): SynthesizedObservatory {
  return synthesize(envName, overrides, options, false);
}

/** synthObservatory() as `cdk synth` does it: the templates validated against CloudFormation's rules (a finding fails the synth) */
export function synthValidated(envName: 'dev' | 'prod', overrides: Record<string, unknown> = {}): SynthesizedObservatory {
  return synthesize(envName, overrides, {}, true);
}

function synthesize(envName: 'dev' | 'prod', overrides: Record<string, unknown>, options: Parameters<typeof buildObservatory>[2], validate: boolean): SynthesizedObservatory {
  const outdir = mkdtempSync(path.join(ASSEMBLIES, `${envName}-`));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true },
    builtinCloudFormationValidation: validate,
  });
  const config = loadConfig(envName, overrides);
  const stacks = buildObservatory(app, config, options);
  const assembly = app.synth();
  const template = (k: keyof ObservatoryStacks) => Template.fromJSON(assembly.getStackByName(stacks[k].stackName).template as Record<string, unknown>);
  return {
    app,
    config,
    stacks,
    assembly,
    templates: { storage: template('storage'), catalog: template('catalog'), site: template('site'), pipeline: template('pipeline') },
  };
}

/** a custom domain for the site (its certificate in us-east-1, as CloudFront wants): a configuration operators deploy */
export const CUSTOM_DOMAIN = { site: { domainName: 'bruit.example.org', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' } } as const;

export type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** the logical id of the one resource of `type` whose id starts with `prefix` */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOf(template, type)).filter((id) => id.startsWith(prefix));
  const [id] = ids;
  if (ids.length !== 1 || id === undefined) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return id;
}

/** JSON text of a value, for "does this policy mention X" checks */
export const text = (v: unknown) => JSON.stringify(v);

/** the state machine definition with the intrinsic parts replaced by placeholders */
export function definitionOf(t: Template, prefix = 'PipelineStateMachine'): { StartAt: string; States: Record<string, Record<string, unknown>> } {
  const sm = resourcesOf(t, 'AWS::StepFunctions::StateMachine')[logicalId(t, 'AWS::StepFunctions::StateMachine', prefix)];
  const join = (defined(sm?.Properties, `${prefix} properties`).DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return JSON.parse(join.map((p) => (typeof p === 'string' ? p : `<${text(p).replaceAll('"', "'")}>`)).join('')) as { StartAt: string; States: Record<string, Record<string, unknown>> };
}


/**
 * Twice today's datasets: each one has a twin `<name>_bis` next to it (curated/<name>_bis/), and every
 * stage reads and writes the twins of what it reads and writes — the policies as the lake grows.
 */
export function twiceTheDatasets(): { datasets: DatasetDeclaration[]; stages: StageDefinition[] } {
  const twin = (name: string) => `${name}_bis`;
  const isDataset = (name: string) => DATASETS.some((d) => d.name === name);
  const datasets = [...DATASETS, ...DATASETS.map((d) => ({ ...d, name: twin(d.name), prefix: twin(d.prefix) }))];
  const stages = STAGES.map((s) => ({
    ...s,
    inputs: [...s.inputs, ...s.inputs.filter((i) => isDataset(i.dataset)).map((i) => ({ ...i, dataset: twin(i.dataset) }))],
    outputs: [...s.outputs, ...s.outputs.filter(isDataset).map(twin)],
  }));
  return { datasets, stages };
}

/** IAM's size of a policy: characters without white space, intrinsic values replaced by the longest they can be */
export function policySize(document: unknown): number {
  const LONGEST_ARN = 'x'.repeat(120); // a bucket ARN is at most 76 characters, a KMS key ARN 75
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if ('Ref' in o) return ({ 'AWS::Partition': 'aws-us-gov', 'AWS::Region': 'ap-southeast-5', 'AWS::AccountId': '123456789012' } as Record<string, string>)[o.Ref as string] ?? LONGEST_ARN;
    if ('Fn::GetAtt' in o || 'Fn::ImportValue' in o) return LONGEST_ARN;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(sep);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x)]));
  };
  return JSON.stringify(resolve(document)).replace(/\s/g, '').length;
}
