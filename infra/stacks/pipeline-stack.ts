import { CfnOutput, Duration, RemovalPolicy, Stack, TimeZone, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { INCOMING_PREFIX } from '../../functions/handlers/shared/buckets.ts';
import { PUSH_BATCH, PUSH_PATH, PUSHED_RAW_PREFIX } from '../../functions/lib/push/constants.ts';
import { STAGE_ENV } from '../../functions/handlers/stage/handler-env.ts';
import { CADENCES, STAGES, type Cadence, type StageDefinition } from '../../functions/lib/stages/registry.ts';
import { FORECAST_TOKEN_ENV } from '../../functions/lib/stages/poll-meteofrance-forecast.ts';
import { REPO_ROOT } from '../catalog.ts';
import { functionSettingsOf, type ObservatoryConfig } from '../config.ts';
import { DuckDbLayer } from '../constructs/duckdb-layer.ts';
import { IngestApi } from '../constructs/ingest-api.ts';
import { Monitoring } from '../constructs/monitoring.ts';
import { ObservatoryFunction, type ObservatoryFunctionProps } from '../constructs/observatory-function.ts';
import { BackfillStateMachine } from '../constructs/backfill-state-machine.ts';
import { PipelineStateMachine, type PipelineInput } from '../constructs/pipeline-state-machine.ts';
import { ingestAccess, pushAccess, stageAccess } from '../lake-access.ts';
import type { DatasetDeclaration } from '../../functions/lib/datasets/declaration.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { acknowledge, acknowledgeFindings } from '../nag.ts';

// What runs: one function per stage of the registry (all running the one generic stage handler) and
// the two ingest functions, the state machine built from the registry, one schedule per cadence, the
// push API, the incoming-file queue, dead-letter queues, alarms, and the secrets of future sources.

/** when each cadence's execution starts (the daily one at the configured time) */
export function cadenceExpression(cadence: Cadence, config: ObservatoryConfig): string | undefined {
  switch (cadence) {
    case 'quarter-hourly':
      return 'rate(15 minutes)';
    case 'hourly':
      return 'rate(1 hour)';
    case 'daily':
      return config.pipeline.schedule;
    case 'weekly':
      return 'cron(0 4 ? * MON *)';
    case 'after-ingest':
      return undefined; // run by the ingest service itself
  }
}

export interface PipelineStackProps extends StackProps {
  readonly config: ObservatoryConfig;
  readonly rawBucket: s3.IBucket;
  readonly lakeBucket: s3.IBucket;
  readonly siteBucket: s3.IBucket;
  /** the public site's URL, for the absolute links the publishing stage writes (feeds) */
  readonly siteUrl: string;
  readonly dataKey: kms.IKey;
  /** defaults to STAGES; tests pass a variant */
  readonly stages?: readonly StageDefinition[];
  /** defaults to DATASETS; tests pass more (the policies as datasets are added) */
  readonly datasets?: readonly DatasetDeclaration[];
}

/** what every function of the stack shares: the lake's buckets and key, the DuckDB layer, logs and metrics */
type FunctionCommons = Pick<ObservatoryFunctionProps, 'datasets' | 'layer' | 'buckets' | 'dataKey' | 'logRetentionDays' | 'metricsNamespace'>;

/** a queue feeding ingest-file: redriven to its dead-letter queue after three receives */
interface IngestQueue {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
}

export class PipelineStack extends Stack {
  readonly stageFunctions = new Map<string, ObservatoryFunction>();
  readonly ingestPush: ObservatoryFunction;
  readonly ingestFile: ObservatoryFunction;
  readonly pipeline: PipelineStateMachine;
  readonly backfill: BackfillStateMachine;
  /** the Météo-France API key's secret: created, or adopted (adoptRetained) after a `cdk destroy` */
  readonly sourceKey: secretsmanager.ISecret;
  readonly monitoring: Monitoring;
  readonly deadLetterQueues: sqs.Queue[] = [];
  /** the raw files of accepted pushes, waiting for their batched curation */
  readonly pushQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const stages = props.stages ?? STAGES;
    const datasets = props.datasets ?? DATASETS;
    const common: FunctionCommons = {
      datasets,
      layer: new DuckDbLayer(this, 'DuckDb').layer,
      buckets: { raw: props.rawBucket, lake: props.lakeBucket, site: props.siteBucket },
      dataKey: props.dataKey,
      logRetentionDays: config.functions.logRetentionDays,
      metricsNamespace: `${config.project}/${config.envName}`,
    };
    this.monitoring = new Monitoring(this, 'Monitoring', { email: config.monitoring.alarmEmail, retain: config.retainData, namePrefix: `${config.project}-${config.envName}` });

    for (const stage of stages) this.stageFunctions.set(stage.name, this.stageFunction(stage, common, props));
    this.pipeline = this.pipelineStateMachine(stages, config, common.logRetentionDays);
    this.backfill = this.backfillStateMachine(stages, config, common.logRetentionDays);
    const schedulerDlq = this.schedules(stages, config);

    const push = this.pushIngestion(common, config);
    this.ingestPush = push.ingestPush;
    this.ingestFile = new ObservatoryFunction(this, 'IngestFile', {
      ...common,
      name: 'ingest-file',
      description: `Ingests files dropped under ${INCOMING_PREFIX}/<kind>/ in the raw bucket`,
      settings: functionSettingsOf(config, 'ingest-file'),
      access: ingestAccess({ incoming: true }, stages, datasets),
      accessReason: `the noise ingest (raw/, curated/noise_readings/, quarantine/, staging/sensor-sightings/) of the files under ${INCOMING_PREFIX}/ and of the queued pushes`,
    });
    const files = this.incomingFiles(props.rawBucket, config);
    const pushes = this.pushedRaw(props.rawBucket, config);
    this.pushQueue = pushes.queue;
    this.monitoring.freshness(common.metricsNamespace, config.monitoring.freshnessHours);

    this.sourceKey = this.meteoFranceKey(config);
    // the forecast poller's token (Météo-France's forecast service): CloudFormation resolves it from the secret
    // when it deploys the function ({{resolve:secretsmanager:…}} in the template, never the value); a new
    // token takes effect at the next deploy
    this.stageFunctions.get('poll-meteofrance-forecast')?.function.addEnvironment(FORECAST_TOKEN_ENV, this.sourceKey.secretValue.unsafeUnwrap());
    this.acknowledgeStateMachineRoles();

    new CfnOutput(this, 'PushApiUrl', { value: push.api.api.urlForPath(PUSH_PATH), description: 'POST FIWARE entities here with x-api-key' });
    new CfnOutput(this, 'StateMachineArn', { value: this.pipeline.stateMachine.stateMachineArn });
    new CfnOutput(this, 'BackfillStateMachineArn', { value: this.backfill.stateMachine.stateMachineArn, description: 'start-execution with {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'IncomingDeadLettersArn', { value: files.deadLetters.queueArn });
    new CfnOutput(this, 'SchedulerDeadLettersArn', { value: schedulerDlq.queueArn });
    new CfnOutput(this, 'PushedRawDeadLettersArn', { value: pushes.deadLetters.queueArn });
  }

  /** a stage's function, running the generic stage handler, with what its stage needs beside its bundle */
  private stageFunction(stage: StageDefinition, common: FunctionCommons, props: PipelineStackProps): ObservatoryFunction {
    const { config } = props;
    const fn = new ObservatoryFunction(this, `Stage-${stage.name}`, {
      ...common,
      name: stage.name,
      handler: 'stage',
      ...stageBundleExtras(stage, props.siteUrl),
      description: `Stage ${stage.name}: ${stage.description}`.slice(0, 256),
      settings: functionSettingsOf(config, stage.name),
      access: stageAccess(stage, common.datasets ?? DATASETS),
      accessReason: `inputs ${stage.inputs.map((i) => i.dataset).join(', ') || 'none'}, outputs ${stage.outputs.join(', ')}, its state file`,
    });
    this.monitoring.functionErrors(stage.name, fn.function);
    return fn;
  }

  /** the function of a stage of the registry (every stage has one) */
  private functionOfStage(stage: StageDefinition): lambda.IFunction {
    const fn = this.stageFunctions.get(stage.name);
    if (!fn) throw new Error(`stage ${stage.name} has no function: the state machines are built after the stage functions`);
    return fn.function;
  }

  /** the pipeline's state machine, from the registry */
  private pipelineStateMachine(stages: readonly StageDefinition[], config: ObservatoryConfig, logRetentionDays: logs.RetentionDays): PipelineStateMachine {
    const pipeline = new PipelineStateMachine(this, 'Pipeline', {
      stages,
      functionOf: (s) => this.functionOfStage(s),
      timeoutOf: (s) => Duration.seconds(functionSettingsOf(config, s.name).timeoutSeconds),
      logRetentionDays,
    });
    this.monitoring.executions('pipeline', pipeline.stateMachine.metricFailed(), pipeline.stateMachine.metricTimedOut());
    return pipeline;
  }

  /** backfills (started by hand with {"from", "to"}: docs/deploy.md), over the same functions */
  private backfillStateMachine(stages: readonly StageDefinition[], config: ObservatoryConfig, logRetentionDays: logs.RetentionDays): BackfillStateMachine {
    const backfill = new BackfillStateMachine(this, 'Backfill', {
      stages,
      functionOf: (s) => this.functionOfStage(s),
      timeoutOf: (s) => Duration.seconds(functionSettingsOf(config, s.name).timeoutSeconds),
      logRetentionDays,
    });
    this.monitoring.executions('backfill', backfill.stateMachine.metricFailed(), backfill.stateMachine.metricTimedOut());
    return backfill;
  }

  /** one schedule per cadence that has stages, starting the pipeline; returns their dead-letter queue */
  private schedules(stages: readonly StageDefinition[], config: ObservatoryConfig): sqs.Queue {
    const schedulerDlq = this.deadLetterQueue('SchedulerDeadLetters', 'scheduler');
    const schedule = (id: string, expression: string, input: PipelineInput, description: string) =>
      new scheduler.Schedule(this, id, {
        description,
        schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(config.pipeline.timezone)),
        enabled: config.pipeline.schedulesEnabled,
        target: new schedulerTargets.StepFunctionsStartExecution(this.pipeline.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject(input),
          deadLetterQueue: schedulerDlq,
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      });
    for (const cadence of CADENCES) {
      const expression = cadenceExpression(cadence, config);
      const names = stages.filter((s) => s.cadences.includes(cadence)).map((s) => s.name);
      if (!expression || names.length === 0) continue;
      schedule(`Schedule-${cadence}`, expression, { cadence, trigger: `schedule:${cadence}` }, `Runs the ${cadence} stages: ${names.join(', ')}`.slice(0, 512));
    }
    this.monitoring.deadLetters('scheduler', schedulerDlq, 'start the missed execution by hand: aws stepfunctions start-execution');
    return schedulerDlq;
  }

  /** push ingestion: the ingest-push function behind the push API */
  private pushIngestion(common: FunctionCommons, config: ObservatoryConfig): { ingestPush: ObservatoryFunction; api: IngestApi } {
    const ingestPush = new ObservatoryFunction(this, 'IngestPush', {
      ...common,
      name: 'ingest-push',
      description: 'Sensor networks push FIWARE readings: raw bytes kept, readings checked, curation queued',
      settings: functionSettingsOf(config, 'ingest-push'),
      access: pushAccess(),
      accessReason: `a push's raw file under ${PUSHED_RAW_PREFIX} (read back on a replay) and the sensor registry; ingest-file curates it from the queue`,
    });
    const api = new IngestApi(this, 'PushApi', { config, handler: ingestPush.function });
    ingestPush.function.addEnvironment('PUSH_NETWORKS', api.networksByKeyId);
    this.monitoring.functionErrors('ingest-push', ingestPush.function);
    this.monitoring.apiServerErrors('push', api.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }));
    return { ingestPush, api };
  }

  /** files dropped under incoming/: S3 → EventBridge → SQS (redrive: DLQ) → ingest-file */
  private incomingFiles(rawBucket: s3.IBucket, config: ObservatoryConfig): IngestQueue {
    const files = this.ingestQueue(config, { id: 'IncomingFiles', deadLettersId: 'IncomingDeadLetters', name: 'incoming-files', retention: Duration.days(4) });
    this.queueCreatedObjects(rawBucket, files, 'IncomingFileCreated', `${INCOMING_PREFIX}/`, `Files created under ${INCOMING_PREFIX}/ in the raw bucket`);
    this.ingestFile.function.addEventSource(new SqsEventSource(files.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }));
    this.monitoring.functionErrors('ingest-file', this.ingestFile.function);
    this.monitoring.deadLetters(
      'incoming-files',
      files.deadLetters,
      'aws sqs start-message-move-task --source-arn <IncomingDeadLetters ARN> (moves the messages back to the IncomingFiles queue)',
    );
    return files;
  }

  /**
   * accepted pushes: their raw files' creation → EventBridge → SQS → ingest-file, a batch of pushes
   * per invocation (functions/lib/push/queued.ts: four PUTs per push otherwise)
   */
  private pushedRaw(rawBucket: s3.IBucket, config: ObservatoryConfig): IngestQueue {
    // an accepted push waits here for its curation: as long as SQS allows
    const pushes = this.ingestQueue(config, { id: 'PushedRaw', deadLettersId: 'PushedRawDeadLetters', name: 'pushed-raw', retention: Duration.days(14) });
    this.queueCreatedObjects(rawBucket, pushes, 'PushedRawCreated', PUSHED_RAW_PREFIX, `Raw files of pushes created under ${PUSHED_RAW_PREFIX} in the raw bucket`);
    this.ingestFile.function.addEventSource(
      new SqsEventSource(pushes.queue, {
        batchSize: PUSH_BATCH.maxPushes,
        maxBatchingWindow: Duration.seconds(PUSH_BATCH.windowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );
    this.monitoring.deadLetters(
      'pushed-raw',
      pushes.deadLetters,
      'aws sqs start-message-move-task --source-arn <PushedRawDeadLetters ARN> (the pushes were accepted and their raw files kept: moved back, they are curated)',
    );
    return pushes;
  }

  /** a queue of ingest-file work and its dead-letter queue (the dead-letter queue created first) */
  private ingestQueue(config: ObservatoryConfig, q: { id: string; deadLettersId: string; name: string; retention: Duration }): IngestQueue {
    const deadLetters = this.deadLetterQueue(q.deadLettersId, q.name);
    const queue = new sqs.Queue(this, q.id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS advises 6 × the function timeout, so a batch being retried is not handed out twice
      visibilityTimeout: Duration.seconds(functionSettingsOf(config, 'ingest-file').timeoutSeconds * 6),
      retentionPeriod: q.retention,
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 },
    });
    return { queue, deadLetters };
  }

  /** an EventBridge rule sending the raw bucket's "Object Created" events under `prefix` to the queue */
  private queueCreatedObjects(rawBucket: s3.IBucket, target: IngestQueue, id: string, prefix: string, description: string): void {
    new events.Rule(this, id, {
      description,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [rawBucket.bucketName] }, object: { key: events.Match.prefix(prefix) } },
      },
      targets: [new eventTargets.SqsQueue(target.queue, { deadLetterQueue: target.deadLetters, retryAttempts: 8 })],
    });
  }

  /**
   * a future source's API key: created here, its value set by hand, never in the repository; it keeps
   * its fixed name (people set it by name), so after `cdk destroy` retained it the next deploy adopts it
   */
  private meteoFranceKey(config: ObservatoryConfig): secretsmanager.ISecret {
    const sourceKeyName = `${config.project}/${config.envName}/sources/meteo-france-api-key`;
    if (config.adoptRetained) return secretsmanager.Secret.fromSecretNameV2(this, 'MeteoFranceApiKey', sourceKeyName);
    const sourceKey = new secretsmanager.Secret(this, 'MeteoFranceApiKey', {
      secretName: sourceKeyName,
      description: 'API key of the Météo-France API portal for the weather source (placeholder until set with aws secretsmanager put-secret-value)',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(sourceKey, {
      id: 'AwsSolutions-SMG4',
      reason: 'A third-party API key issued by the Météo-France portal: it is renewed there, by hand, so there is no rotation Lambda to attach.',
    });
    return sourceKey;
  }

  private acknowledgeStateMachineRoles(): void {
    for (const machine of [this.pipeline.stateMachine, this.backfill.stateMachine]) acknowledgeFindings(
      machine,
      'AwsSolutions-IAM5',
      [/^Resource::<.*Stage.*Function.*\.Arn>:\*$/, /^Resource::\*$/],
      'Generated by CDK for the state machine role: invoking a stage function covers its versions (<function ARN>:*); X-Ray tracing and CloudWatch Logs delivery actions have no resource-level permissions.',
    );
  }

  private deadLetterQueue(id: string, name: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(queue, { id: 'AwsSolutions-SQS3', reason: `This queue is the ${name} dead-letter queue itself; a DLQ of a DLQ would only move the problem.` });
    this.deadLetterQueues.push(queue);
    return queue;
  }
}

/**
 * what a stage's function carries beside its bundle, and its environment:
 * - the stage that publishes the site carries the site's browser code, built next to its bundle
 *   (web/build.ts → web-assets/, which the stage reads from LAMBDA_TASK_ROOT);
 * - the stages that run the TF.js models carry the wasm backend's binaries next to their bundle
 *   (without them tfjs falls back to its pure-JS backend, ~17× slower)
 */
function stageBundleExtras(stage: StageDefinition, siteUrl: string): Pick<ObservatoryFunctionProps, 'afterBundling' | 'environment'> {
  const publishes = stage.outputs.includes('site');
  const runsModels = [...stage.inputs.map((i) => i.dataset), ...stage.outputs].includes('models');
  // as before: a stage that would both publish and run the models gets the models' bundling (the later spread won)
  if (runsModels) {
    return {
      afterBundling: (outputDir: string) => [
        `mkdir -p "${outputDir}/tfjs-wasm" && cp "${REPO_ROOT}"/node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "${outputDir}/tfjs-wasm/"`,
      ],
      environment: { [STAGE_ENV]: stage.name, OBSERVATORY_TF_WASM_DIR: '/var/task/tfjs-wasm/' },
    };
  }
  if (publishes) {
    return {
      afterBundling: (outputDir: string) => [`cd "${REPO_ROOT}" && node --import tsx web/build.ts "${outputDir}/web-assets"`],
      environment: { [STAGE_ENV]: stage.name, OBSERVATORY_SITE_URL: siteUrl },
    };
  }
  return { environment: { [STAGE_ENV]: stage.name } };
}
