import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUCKET_ENV, type BucketRole } from '../../functions/handlers/shared/buckets.ts';
import type { DatasetDeclaration } from '../../functions/lib/datasets/declaration.ts';
import { ARCHITECTURE, BUNDLING, handlerEntry, RUNTIME } from '../bundling.ts';
import { REPO_ROOT } from '../catalog.ts';
import type { FunctionSettings } from '../config.ts';
import { bucketGrants, type LakeAccess } from '../lake-access.ts';
import { acknowledge, acknowledgeFindings, escapeRegExp, logicalIdOf } from '../nag.ts';

/**
 * One deployed function: functions/handlers/<name>/handler.ts bundled by esbuild, nodejs22.x on
 * x86_64 (the DuckDB binary's architecture), the DuckDB layer, its own log group and its own role:
 * write to that log group, and read/write only the lake prefixes in `access` — no bucket-wide object
 * grant, no AWS-managed policy. Only the buckets it touches are named in its environment.
 */
export interface ObservatoryFunctionProps {
  readonly name: string;
  /** the handler folder under functions/handlers/ (default: `name`); every stage runs `stage` */
  readonly handler?: string;
  readonly description: string;
  readonly settings: FunctionSettings;
  readonly layer: lambda.ILayerVersion;
  readonly buckets: Readonly<Record<BucketRole, s3.IBucket>>;
  /** the key of the buckets that have one (raw, lake) */
  readonly dataKey: kms.IKey;
  readonly access: LakeAccess;
  /** the declared datasets the access is compacted against (default: DATASETS; tests pass more) */
  readonly datasets?: readonly DatasetDeclaration[];
  /** why it needs that access, for the reviewers of the IAM wildcards */
  readonly accessReason: string;
  readonly environment?: Record<string, string>;
  readonly logRetentionDays: logs.RetentionDays;
  readonly metricsNamespace: string;
  /** shell commands run after esbuild, to add files next to the bundle (run locally, in the repository) */
  readonly afterBundling?: (outputDir: string) => string[];
}

export const FUNCTION_METADATA = 'observatory:function';

export class ObservatoryFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ObservatoryFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.name} function: its log group and its lake prefixes only`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}`] }),
    );

    const grants = bucketGrants(props.access, props.datasets);
    const environment = this.grantLakeAccess(props, grants);

    const memoryMb = props.settings.memoryMb;
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.handler ?? props.name),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}/package-lock.json`,
      description: props.description,
      runtime: RUNTIME,
      architecture: ARCHITECTURE,
      memorySize: memoryMb,
      timeout: Duration.seconds(props.settings.timeoutSeconds),
      ephemeralStorageSize: Size.mebibytes(props.settings.ephemeralStorageMb),
      reservedConcurrentExecutions: props.settings.reservedConcurrency,
      layers: [props.layer],
      role: this.role,
      logGroup,
      bundling: props.afterBundling
        ? { ...BUNDLING, commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: (_input, output) => props.afterBundling!(output) } }
        : BUNDLING,
      environment: {
        ...environment,
        ...props.environment,
        METRICS_NAMESPACE: props.metricsNamespace,
        // DuckDB gets ~60 % of the function's memory; the rest is Node, the SDK and the rows in flight
        DUCKDB_MEMORY_LIMIT: `${Math.floor(memoryMb * 0.6)}MB`,
        // DuckDB looks for a home folder (extension cache); /tmp is the only writable place
        HOME: '/tmp',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    // lets tools find a function's bundle in a cloud assembly (scripts/bundle-lambdas.ts, the tests)
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata(FUNCTION_METADATA, props.name);
    acknowledge(this.function, {
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x on purpose: the runtime the DuckDB layer (Node-API binary) and the bundles are built and tested for; move to a newer runtime with the layer, not silently.',
    });
    acknowledgeFindings(
      this.role,
      'AwsSolutions-IAM5',
      grants.flatMap((g) => {
        const bucket = logicalIdOf(props.buckets[g.bucket]);
        const wildcards = [...new Set([...g.objects.read, ...g.objects.write, ...g.objects.delete])].filter((p) => p.endsWith('*'));
        return wildcards.map((p) => new RegExp(`^Resource::.*${bucket}.*\\/${escapeRegExp(p)}$`));
      }),
      `Prefix-scoped object access for ${props.name}: ${props.accessReason}. Each "<prefix>*" covers the objects under one lake prefix (${grants
        .flatMap((g) => [...g.objects.read, ...g.objects.write].map((p) => `${g.bucket}:${p}`))
        .filter((x, i, a) => a.indexOf(x) === i)
        .join(', ')}).`,
    );
  }

  /** the function's buckets in its environment, and its role's S3 and KMS permissions on the prefixes of its grants */
  private grantLakeAccess(props: ObservatoryFunctionProps, grants: ReturnType<typeof bucketGrants>): Record<string, string> {
    const environment: Record<string, string> = {};
    const kmsActions = new Set<string>();
    for (const g of grants) {
      const bucket = props.buckets[g.bucket];
      environment[BUCKET_ENV[g.bucket]] = bucket.bucketName;
      // HEAD of a missing key answers 404 (not 403) only with s3:ListBucket on the bucket; it lists key
      // names, not contents. Every object action below stays within the prefixes.
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
      const statement = (actions: string[], patterns: string[]) =>
        patterns.length && this.role.addToPolicy(new iam.PolicyStatement({ actions, resources: patterns.map((p) => bucket.arnForObjects(p)) }));
      statement(['s3:GetObject'], g.objects.read);
      statement(['s3:PutObject', 's3:AbortMultipartUpload'], g.objects.write);
      statement(['s3:DeleteObject'], g.objects.delete);
      if (g.bucket !== 'site') {
        kmsActions.add('kms:Decrypt');
        if (g.objects.write.length) kmsActions.add('kms:GenerateDataKey');
      }
    }
    if (kmsActions.size) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'LakeObjectsThroughS3',
          actions: [...kmsActions].sort(),
          resources: [props.dataKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return environment;
  }
}

