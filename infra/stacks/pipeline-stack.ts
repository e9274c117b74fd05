import { CfnOutput, Duration, RemovalPolicy, Stack, TimeZone, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
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
import { ObservatoryFunction } from '../constructs/observatory-function.ts';
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
    const metricsNamespace = `${config.project}/${config.envName}`;
    const logRetentionDays = config.functions.logRetentionDays as logs.RetentionDays;
    const layer = new DuckDbLayer(this, 'DuckDb').layer;
    const datasets = props.datasets ?? DATASETS;
    const common = {
      datasets,
      layer,
      buckets: { raw: props.rawBucket, lake: props.lakeBucket, site: props.siteBucket },
      dataKey: props.dataKey,
      logRetentionDays,
      metricsNamespace,
    };
    this.monitoring = new Monitoring(this, 'Monitoring', { email: config.monitoring.alarmEmail, retain: config.retainData, namePrefix: `${config.project}-${config.envName}` });

    for (const stage of stages) {
      // the stage that publishes the site carries the site's browser code, built next to its bundle
      // (web/build.ts → web-assets/, which the stage reads from LAMBDA_TASK_ROOT)
      const publishes = stage.outputs.includes('site');
      // the stages that run the TF.js models carry the wasm backend's binaries next to their bundle
      // (without them tfjs falls back to its pure-JS backend, ~17× slower)
      const runsModels = [...stage.inputs.map((i) => i.dataset), ...stage.outputs].includes('models');
      const fn = new ObservatoryFunction(this, `Stage-${stage.name}`, {
        ...common,
        name: stage.name,
        handler: 'stage',
        ...(publishes
          ? {
              afterBundling: (outputDir: string) => [`cd "${REPO_ROOT}" && node --import tsx web/build.ts "${outputDir}/web-assets"`],
              environment: { [STAGE_ENV]: stage.name, OBSERVATORY_SITE_URL: props.siteUrl },
            }
          : {}),
        ...(runsModels
          ? {
              afterBundling: (outputDir: string) => [
                `mkdir -p "${outputDir}/tfjs-wasm" && cp "${REPO_ROOT}"/node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "${outputDir}/tfjs-wasm/"`,
              ],
              environment: { [STAGE_ENV]: stage.name, OBSERVATORY_TF_WASM_DIR: '/var/task/tfjs-wasm/' },
            }
          : { environment: { [STAGE_ENV]: stage.name } }),
        description: `Stage ${stage.name}: ${stage.description}`.slice(0, 256),
        settings: functionSettingsOf(config, stage.name),
        access: stageAccess(stage, datasets),
        accessReason: `inputs ${stage.inputs.map((i) => i.dataset).join(', ') || 'none'}, outputs ${stage.outputs.join(', ')}, its state file`,
      });
      this.stageFunctions.set(stage.name, fn);
      this.monitoring.functionErrors(stage.name, fn.function);
    }

    // the pipeline, and its schedules
    this.pipeline = new PipelineStateMachine(this, 'Pipeline', {
      stages,
      functionOf: (s) => this.stageFunctions.get(s.name)!.function,
      timeoutOf: (s) => Duration.seconds(functionSettingsOf(config, s.name).timeoutSeconds),
      logRetentionDays,
    });
    const stateMachine = this.pipeline.stateMachine;
    this.monitoring.executions('pipeline', stateMachine.metricFailed(), stateMachine.metricTimedOut());

    // backfills (started by hand with {"from", "to"}: docs/deploy.md), over the same functions
    this.backfill = new BackfillStateMachine(this, 'Backfill', {
      stages,
      functionOf: (s) => this.stageFunctions.get(s.name)!.function,
      timeoutOf: (s) => Duration.seconds(functionSettingsOf(config, s.name).timeoutSeconds),
      logRetentionDays,
    });
    this.monitoring.executions('backfill', this.backfill.stateMachine.metricFailed(), this.backfill.stateMachine.metricTimedOut());

    const schedulerDlq = this.deadLetterQueue('SchedulerDeadLetters', 'scheduler');
    const schedule = (id: string, expression: string, input: PipelineInput, description: string) =>
      new scheduler.Schedule(this, id, {
        description,
        schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(config.pipeline.timezone)),
        enabled: config.pipeline.schedulesEnabled,
        target: new schedulerTargets.StepFunctionsStartExecution(stateMachine, {
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

    // push ingestion
    this.ingestPush = new ObservatoryFunction(this, 'IngestPush', {
      ...common,
      name: 'ingest-push',
      description: 'Sensor networks push FIWARE readings: raw bytes kept, readings checked, curation queued',
      settings: functionSettingsOf(config, 'ingest-push'),
      access: pushAccess(),
      accessReason: `a push's raw file under ${PUSHED_RAW_PREFIX} (read back on a replay) and the sensor registry; ingest-file curates it from the queue`,
    });
    const api = new IngestApi(this, 'PushApi', { config, handler: this.ingestPush.function });
    this.ingestPush.function.addEnvironment('PUSH_NETWORKS', api.networksByKeyId);
    this.monitoring.functionErrors('ingest-push', this.ingestPush.function);
    this.monitoring.apiServerErrors('push', api.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }));

    // files dropped under incoming/: S3 → EventBridge → SQS (redrive: DLQ) → ingest-file
    this.ingestFile = new ObservatoryFunction(this, 'IngestFile', {
      ...common,
      name: 'ingest-file',
      description: `Ingests files dropped under ${INCOMING_PREFIX}/<kind>/ in the raw bucket`,
      settings: functionSettingsOf(config, 'ingest-file'),
      access: ingestAccess({ incoming: true }, stages, datasets),
      accessReason: `the noise ingest (raw/, curated/noise_readings/, quarantine/, staging/sensor-sightings/) of the files under ${INCOMING_PREFIX}/ and of the queued pushes`,
    });
    const fileDlq = this.deadLetterQueue('IncomingDeadLetters', 'incoming-files');
    const fileTimeout = functionSettingsOf(config, 'ingest-file').timeoutSeconds;
    const fileQueue = new sqs.Queue(this, 'IncomingFiles', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS advises 6 × the function timeout, so a batch being retried is not handed out twice
      visibilityTimeout: Duration.seconds(fileTimeout * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: fileDlq, maxReceiveCount: 3 },
    });
    new events.Rule(this, 'IncomingFileCreated', {
      description: `Files created under ${INCOMING_PREFIX}/ in the raw bucket`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.rawBucket.bucketName] }, object: { key: events.Match.prefix(`${INCOMING_PREFIX}/`) } },
      },
      targets: [new eventTargets.SqsQueue(fileQueue, { deadLetterQueue: fileDlq, retryAttempts: 8 })],
    });
    this.ingestFile.function.addEventSource(new SqsEventSource(fileQueue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }));
    this.monitoring.functionErrors('ingest-file', this.ingestFile.function);
    this.monitoring.deadLetters(
      'incoming-files',
      fileDlq,
      'aws sqs start-message-move-task --source-arn <IncomingDeadLetters ARN> (moves the messages back to the IncomingFiles queue)',
    );

    // accepted pushes: their raw files' creation → EventBridge → SQS → ingest-file, a batch of pushes
    // per invocation (functions/lib/push/queued.ts: four PUTs per push otherwise)
    const pushDlq = this.deadLetterQueue('PushedRawDeadLetters', 'pushed-raw');
    this.pushQueue = new sqs.Queue(this, 'PushedRaw', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(fileTimeout * 6),
      // an accepted push waits here for its curation: as long as SQS allows
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: pushDlq, maxReceiveCount: 3 },
    });
    new events.Rule(this, 'PushedRawCreated', {
      description: `Raw files of pushes created under ${PUSHED_RAW_PREFIX} in the raw bucket`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.rawBucket.bucketName] }, object: { key: events.Match.prefix(PUSHED_RAW_PREFIX) } },
      },
      targets: [new eventTargets.SqsQueue(this.pushQueue, { deadLetterQueue: pushDlq, retryAttempts: 8 })],
    });
    this.ingestFile.function.addEventSource(
      new SqsEventSource(this.pushQueue, {
        batchSize: PUSH_BATCH.maxPushes,
        maxBatchingWindow: Duration.seconds(PUSH_BATCH.windowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );
    this.monitoring.deadLetters(
      'pushed-raw',
      pushDlq,
      'aws sqs start-message-move-task --source-arn <PushedRawDeadLetters ARN> (the pushes were accepted and their raw files kept: moved back, they are curated)',
    );
    this.monitoring.freshness(metricsNamespace, config.monitoring.freshnessHours);

    // a future source's API key: created here, its value set by hand, never in the repository; it keeps
    // its fixed name (people set it by name), so after `cdk destroy` retained it the next deploy adopts it
    const sourceKeyName = `${config.project}/${config.envName}/sources/meteo-france-api-key`;
    if (config.adoptRetained) {
      this.sourceKey = secretsmanager.Secret.fromSecretNameV2(this, 'MeteoFranceApiKey', sourceKeyName);
    } else {
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
      this.sourceKey = sourceKey;
    }
    // the forecast poller's token (Météo-France's forecast service): CloudFormation resolves it from the secret
    // when it deploys the function ({{resolve:secretsmanager:…}} in the template, never the value); a new
    // token takes effect at the next deploy
    this.stageFunctions.get('poll-meteofrance-forecast')?.function.addEnvironment(FORECAST_TOKEN_ENV, this.sourceKey.secretValue.unsafeUnwrap());

    for (const machine of [stateMachine, this.backfill.stateMachine]) acknowledgeFindings(
      machine,
      'AwsSolutions-IAM5',
      [/^Resource::<.*Stage.*Function.*\.Arn>:\*$/, /^Resource::\*$/],
      'Generated by CDK for the state machine role: invoking a stage function covers its versions (<function ARN>:*); X-Ray tracing and CloudWatch Logs delivery actions have no resource-level permissions.',
    );

    new CfnOutput(this, 'PushApiUrl', { value: api.api.urlForPath(PUSH_PATH), description: 'POST FIWARE entities here with x-api-key' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'BackfillStateMachineArn', { value: this.backfill.stateMachine.stateMachineArn, description: 'start-execution with {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'IncomingDeadLettersArn', { value: fileDlq.queueArn });
    new CfnOutput(this, 'SchedulerDeadLettersArn', { value: schedulerDlq.queueArn });
    new CfnOutput(this, 'PushedRawDeadLettersArn', { value: pushDlq.queueArn });
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
