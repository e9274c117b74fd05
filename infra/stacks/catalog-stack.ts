import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { DatasetDeclaration } from '../../functions/lib/datasets/declaration.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { dedupQueries, glueTableInput, sqlFileQueries } from '../catalog.ts';
import type { ObservatoryConfig } from '../config.ts';
import { acknowledgeFindings, escapeRegExp, logicalIdOf } from '../nag.ts';

// SQL over the lake: a Glue database with one table per declared dataset (partition projection on dt,
// so no crawler and no MSCK REPAIR), an Athena workgroup that enforces its settings, the project's
// named queries, and the researchers' role: read the datasets, query through the workgroup, nothing else.

export interface CatalogStackProps extends StackProps {
  readonly config: ObservatoryConfig;
  readonly lakeBucket: s3.IBucket;
  readonly athenaResultsBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
  /** defaults to DATASETS; tests pass a variant */
  readonly datasets?: readonly DatasetDeclaration[];
}

/** the first segment of each dataset prefix (curated/, quarantine/): one grant covers a family */
export function prefixFamilies(datasets: readonly DatasetDeclaration[]): string[] {
  return [...new Set(datasets.map((d) => `${d.prefix.split('/')[0]}/`))].sort();
}

export class CatalogStack extends Stack {
  readonly databaseName: string;
  readonly workGroupName: string;
  readonly researcherPolicy: iam.ManagedPolicy;
  readonly researcherRole: iam.Role;

  constructor(scope: Construct, id: string, props: CatalogStackProps) {
    super(scope, id, props);
    const { config, lakeBucket, athenaResultsBucket, dataKey } = props;
    const datasets = props.datasets ?? DATASETS;
    this.databaseName = `${config.project}_${config.envName}`.replaceAll('-', '_');
    this.workGroupName = `${config.project}-${config.envName}`;

    this.addDatabaseAndTables(config, datasets, lakeBucket);

    const resultsPrefix = `${this.workGroupName}/`;
    const workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Observatory queries: settings enforced, results encrypted, bytes scanned capped per query',
      state: 'ENABLED',
      recursiveDeleteOption: !config.retainData,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: config.athena.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: athenaResultsBucket.s3UrlForObject(resultsPrefix),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: dataKey.keyArn },
          expectedBucketOwner: this.account,
        },
      },
    });

    for (const q of [...sqlFileQueries(), ...dedupQueries(datasets)]) {
      const named = new athena.CfnNamedQuery(this, `Query-${q.name}`, {
        name: q.name,
        description: q.description,
        database: this.databaseName,
        workGroup: this.workGroupName,
        queryString: q.sql,
      });
      named.addResourceDependency(workGroup);
    }

    this.researcherPolicy = new iam.ManagedPolicy(this, 'ResearcherPolicy', {
      description: `Researchers: read the declared datasets and query them with Athena through the ${this.workGroupName} workgroup; nothing else`,
      statements: researcherStatements(this, { lakeBucket, athenaResultsBucket, dataKey, resultsPrefix, databaseName: this.databaseName, workGroupName: this.workGroupName, families: prefixFamilies(datasets) }),
    });
    const principals = config.researchers.principalArns.map((arn) => new iam.ArnPrincipal(arn));
    this.researcherRole = new iam.Role(this, 'ResearcherRole', {
      description: 'Assumed by researchers to query the observatory lake with Athena',
      assumedBy: principals.length ? new iam.CompositePrincipal(...principals) : new iam.AccountRootPrincipal(),
      managedPolicies: [this.researcherPolicy],
      maxSessionDuration: Duration.hours(4),
    });
    const lake = logicalIdOf(lakeBucket);
    const results = logicalIdOf(athenaResultsBucket);
    acknowledgeFindings(
      this.researcherPolicy,
      'AwsSolutions-IAM5',
      [
        ...prefixFamilies(datasets).map((p) => new RegExp(`^Resource::.*${lake}.*\\/${escapeRegExp(`${p}*`)}$`)),
        new RegExp(`^Resource::.*${results}.*\\/${escapeRegExp(`${resultsPrefix}*`)}$`),
        new RegExp(`^Resource::arn:.*:glue:.*:table\\/${this.databaseName}\\/\\*$`),
        /^Resource::\*$/,
      ],
      'Scoped wildcards: the objects under each family of declared dataset prefixes in the lake bucket (curated/*: only declared datasets are written there; quarantine/*), the query results under the workgroup prefix, the tables of this one Glue database; athena:ListWorkGroups and ListDataCatalogs have no resource-level permissions (the console needs them).',
    );

    new CfnOutput(this, 'GlueDatabase', { value: this.databaseName });
    new CfnOutput(this, 'AthenaWorkGroup', { value: this.workGroupName });
    new CfnOutput(this, 'ResearcherRoleArn', { value: this.researcherRole.roleArn, description: 'aws sts assume-role --role-arn <this> to query with Athena' });
    new CfnOutput(this, 'ResearcherPolicyArn', { value: this.researcherPolicy.managedPolicyArn, description: 'Attach to an existing user or SSO permission set instead of the role' });
  }

  /** the Glue database and one table per declared dataset (the database survives a deleted stack when data is retained) */
  private addDatabaseAndTables(config: CatalogStackProps['config'], datasets: readonly DatasetDeclaration[], lakeBucket: CatalogStackProps['lakeBucket']): void {
    // the database keeps its name (researchers' queries and the named queries use it); a deleted
    // stack retains it, and the next deployment adopts it (adoptRetained) instead of failing on it
    const database = config.adoptRetained
      ? undefined
      : new glue.CfnDatabase(this, 'Database', {
          catalogId: this.account,
          databaseInput: {
            name: this.databaseName,
            description: `Grand Paris noise and climate observatory (${config.envName}): one table per declared dataset, generated from functions/lib/datasets`,
          },
        });
    database?.applyRemovalPolicy(config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);

    for (const d of datasets) {
      const table = new glue.CfnTable(this, `Table-${d.name}`, {
        catalogId: this.account,
        databaseName: this.databaseName,
        tableInput: glueTableInput(d, lakeBucket.bucketName),
      });
      if (database) table.addResourceDependency(database);
    }
  }
}

function researcherStatements(
  stack: Stack,
  p: { lakeBucket: s3.IBucket; athenaResultsBucket: s3.IBucket; dataKey: kms.IKey; resultsPrefix: string; databaseName: string; workGroupName: string; families: string[] },
): iam.PolicyStatement[] {
  const glueArn = (resource: string, resourceName?: string) =>
    stack.formatArn({ service: 'glue', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  // one grant per family (curated/, quarantine/), not per dataset: the policy stays the same size as
  // datasets are added (a managed policy holds 6 144 characters)
  const datasetPrefixes = p.families;
  return [
    new iam.PolicyStatement({
      sid: 'QueryThroughTheWorkGroup',
      actions: [
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
        'athena:GetQueryExecution',
        'athena:BatchGetQueryExecution',
        'athena:GetQueryResults',
        'athena:GetQueryResultsStream',
        'athena:GetQueryRuntimeStatistics',
        'athena:ListQueryExecutions',
        'athena:GetWorkGroup',
        'athena:ListNamedQueries',
        'athena:GetNamedQuery',
        'athena:BatchGetNamedQuery',
      ],
      resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: p.workGroupName })],
    }),
    new iam.PolicyStatement({
      sid: 'ListWorkGroupsInTheConsole',
      actions: ['athena:ListWorkGroups', 'athena:ListDataCatalogs'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'BrowseTheCatalogInTheConsole',
      actions: ['athena:GetDataCatalog', 'athena:ListDatabases', 'athena:GetDatabase', 'athena:ListTableMetadata', 'athena:GetTableMetadata'],
      resources: [stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTheCatalog',
      actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      // the console lists databases from the catalog and opens `default` first
      resources: [glueArn('catalog'), glueArn('database', p.databaseName), glueArn('database', 'default'), glueArn('table', `${p.databaseName}/*`)],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTheDatasets',
      actions: ['s3:GetObject'],
      resources: datasetPrefixes.map((prefix) => p.lakeBucket.arnForObjects(`${prefix}*`)),
    }),
    new iam.PolicyStatement({
      sid: 'ListTheDatasets',
      actions: ['s3:ListBucket'],
      resources: [p.lakeBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': datasetPrefixes.map((prefix) => `${prefix}*`) } },
    }),
    new iam.PolicyStatement({
      sid: 'WriteAndReadQueryResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [p.athenaResultsBucket.arnForObjects(`${p.resultsPrefix}*`)],
    }),
    new iam.PolicyStatement({
      sid: 'LocateTheBuckets',
      actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      resources: [p.athenaResultsBucket.bucketArn],
    }),
    new iam.PolicyStatement({
      sid: 'LocateTheLakeBucket',
      actions: ['s3:GetBucketLocation'],
      resources: [p.lakeBucket.bucketArn],
    }),
    new iam.PolicyStatement({
      sid: 'DecryptDataEncryptResults',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [p.dataKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }),
  ];
}
