import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Tags, Validations, type Environment } from 'aws-cdk-lib';
import type { StageDefinition as StageEntry } from '../functions/lib/stages/registry.ts';
import type { DatasetDeclaration } from '../functions/lib/datasets/declaration.ts';
import { REPO_ROOT } from './catalog.ts';
import type { ObservatoryConfig } from './config.ts';
import { ObservatoryNagChecks } from './nag.ts';
import { CatalogStack } from './stacks/catalog-stack.ts';
import { PipelineStack } from './stacks/pipeline-stack.ts';
import { SiteStack } from './stacks/site-stack.ts';
import { StorageStack } from './stacks/storage-stack.ts';

// The whole observatory in one app: four stacks per environment, cdk-nag's AWS Solutions checks on
// every one of them. `npx cdk deploy --all -c env=dev` deploys them in dependency order.

export interface ObservatoryStacks {
  readonly storage: StorageStack;
  readonly catalog: CatalogStack;
  readonly site: SiteStack;
  readonly pipeline: PipelineStack;
}

/** the context cdk.json gives the CLI (feature flags), for apps built in tests and scripts */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function stackPrefix(config: ObservatoryConfig): string {
  const project = config.project.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
  return `${project}-${config.envName}`;
}

export function buildObservatory(app: App, config: ObservatoryConfig, options: { stages?: readonly StageEntry[]; datasets?: readonly DatasetDeclaration[] } = {}): ObservatoryStacks {
  const env: Environment = { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.region };
  const prefix = stackPrefix(config);
  const common = { env, config, terminationProtection: config.envName === 'prod' };

  const storage = new StorageStack(app, `${prefix}-Storage`, {
    ...common,
    description: `Grand Paris observatory (${config.envName}): raw, lake, query-result and access-log buckets`,
  });
  const catalog = new CatalogStack(app, `${prefix}-Catalog`, {
    ...common,
    description: `Grand Paris observatory (${config.envName}): Glue tables from the dataset declarations, Athena workgroup, researcher access`,
    lakeBucket: storage.lakeBucket,
    athenaResultsBucket: storage.athenaResultsBucket,
    dataKey: storage.dataKey,
  });
  const site = new SiteStack(app, `${prefix}-Site`, {
    ...common,
    description: `Grand Paris observatory (${config.envName}): public site bucket behind CloudFront`,
    accessLogsBucket: storage.accessLogsBucket,
  });
  const pipeline = new PipelineStack(app, `${prefix}-Pipeline`, {
    ...common,
    description: `Grand Paris observatory (${config.envName}): stage and ingest functions, state machine, schedules, push API, alarms`,
    rawBucket: storage.rawBucket,
    lakeBucket: storage.lakeBucket,
    siteBucket: site.siteBucket,
    siteUrl: site.siteUrl,
    dataKey: storage.dataKey,
    stages: options.stages,
    datasets: options.datasets,
  });

  for (const stack of [storage, catalog, site, pipeline]) {
    Tags.of(stack).add('project', config.project);
    Tags.of(stack).add('environment', config.envName);
  }
  Validations.of(app).addPlugins(new ObservatoryNagChecks(app));
  return { storage, catalog, site, pipeline };
}
