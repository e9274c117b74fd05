import assert from 'node:assert/strict';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { CADENCES, defineStage, STAGES, stagesOf } from '../../functions/lib/stages/registry.ts';
import { bucketOfKey } from '../../functions/handlers/shared/buckets.ts';
import { definitionOf, logicalId, resourcesOf, synthObservatory, text, type SynthesizedObservatory } from './support.ts';

const FUNCTIONS = [...STAGES.map((s) => s.name), 'ingest-push', 'ingest-file'];
/** the logical-id prefix of a function, a role, … of a deployed function name */
const INGEST_IDS: Record<string, string> = { 'ingest-push': 'IngestPush', 'ingest-file': 'IngestFile' };
const idOf = (name: string) => INGEST_IDS[name] ?? `Stage${name.replaceAll('-', '')}`;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** the statements of a function's role, and its environment */
function functionOf(t: Template, name: string) {
  const fnId = logicalId(t, 'AWS::Lambda::Function', `${idOf(name)}Function`);
  const fn = resourcesOf(t, 'AWS::Lambda::Function')[fnId];
  assert(fn?.Properties, `${fnId} has properties`);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = Object.values(resourcesOf(t, 'AWS::IAM::Policy'))
    .filter((p) => text(p.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  return { fnId, fn, roleId, statements, env };
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOfStatement = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** "bucket:suffix" of each S3 object resource of the statements granting `action` */
function objectGrants(statements: Statement[], action: string, buckets: Record<string, string>): string[] {
  const out: string[] = [];
  for (const s of statements.filter((x) => actionsOf(x).includes(action))) {
    for (const r of resourcesOfStatement(s)) {
      const json = text(r);
      const bucket = Object.entries(buckets).find(([, id]) => json.includes(id))?.[0] ?? 'unknown';
      const suffix = /"(\/[^"]*)"\]\]\}$/.exec(json)?.[1] ?? '(whole resource)';
      out.push(...declaredReached(`${bucket}:${suffix}`));
    }
  }
  return out.sort();
}

/**
 * A family pattern (`lake:/curated/river_*`: infra/lake-access.ts writes each family of dataset
 * prefixes a function has whole once) as the declared dataset prefixes it reaches, matched as IAM
 * matches a trailing * — so the grants read as one pattern per dataset; other patterns unchanged.
 */
function declaredReached(grant: string): string[] {
  const m = /^lake:\/((?:curated|changes)\/[a-z0-9_]*_?)\*$/.exec(grant);
  const family = m?.[1];
  if (family === undefined || family.endsWith('/')) return [grant];
  const dirs = DATASETS.flatMap((d) => [`${d.prefix}/`, `changes/${d.name}/`]).filter((dir) => dir.startsWith(family));
  expect(dirs.length, grant).toBeGreaterThanOrEqual(2);
  return dirs.map((dir) => `lake:/${dir}*`);
}

// one synthesized app for every describe of this file (the push API: tests/infra/push-api.test.ts)
let dev: SynthesizedObservatory;
let buckets: { raw: string; lake: string; site: string };
beforeAll(() => {
  dev = synthObservatory('dev');
  buckets = {
    raw: logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'Raw'),
    lake: logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'Lake'),
    site: logicalId(dev.templates.site, 'AWS::S3::Bucket', 'Site'),
  };
});

describe('functions', () => {
  it('deploys one function per stage of the registry, each running the one stage handler named by its environment, plus the push and file ingests', () => {
    const fns = resourcesOf(dev.templates.pipeline, 'AWS::Lambda::Function');
    // and the push API's authorizer (tests/infra/push-api.test.ts)
    expect(Object.keys(fns).filter((id) => !id.startsWith('PushApiAuthorizer'))).toHaveLength(FUNCTIONS.length);
    for (const name of FUNCTIONS) expect(functionOf(dev.templates.pipeline, name).fn).toBeDefined();
    for (const stage of STAGES) expect(functionOf(dev.templates.pipeline, stage.name).env.OBSERVATORY_STAGE, stage.name).toBe(stage.name);
  });

  it('runs every function of every stack on nodejs22.x, x86_64, with the DuckDB layer', () => {
    const layer = logicalId(dev.templates.pipeline, 'AWS::Lambda::LayerVersion', 'DuckDb');
    dev.templates.pipeline.hasResourceProperties('AWS::Lambda::LayerVersion', { CompatibleRuntimes: ['nodejs22.x'], CompatibleArchitectures: ['x86_64'] });
    for (const t of Object.values(dev.templates)) {
      for (const [id, fn] of Object.entries(resourcesOf(t, 'AWS::Lambda::Function'))) {
        expect(fn.Properties?.Runtime, id).toBe('nodejs22.x');
        expect(fn.Properties?.Architectures, id).toEqual(['x86_64']);
        // the push API's authorizer reads a header, no lake: no DuckDB (tests/infra/push-api.test.ts)
        if (!id.startsWith('PushApiAuthorizer')) expect(fn.Properties?.Layers, id).toEqual([{ Ref: layer }]);
      }
    }
  });

  it('sizes each function from the configuration', () => {
    const { fn } = functionOf(dev.templates.pipeline, 'noise-indicators');
    expect(fn.Properties).toMatchObject({ MemorySize: 3008, Timeout: 900, EphemeralStorage: { Size: 4096 } });
    expect((fn.Properties?.Environment as { Variables: Record<string, string> }).Variables.DUCKDB_MEMORY_LIMIT).toBe('1804MB');
    // the Météo-France poller reads files of up to ~1 M lines (V8's default heap: a quarter of the memory)
    expect(functionOf(dev.templates.pipeline, 'poll-meteofrance').fn.Properties).toMatchObject({ MemorySize: 4096, Timeout: 900 });
  });

  it('names in each function’s environment only the buckets it touches', () => {
    const bucketEnv = (name: string) => Object.keys(functionOf(dev.templates.pipeline, name).env).filter((k) => k.endsWith('_BUCKET')).sort();
    expect(bucketEnv('communes')).toEqual(['LAKE_BUCKET']);
    expect(bucketEnv('noise-indicators')).toEqual(['LAKE_BUCKET']);
    expect(bucketEnv('publish-site')).toEqual(['LAKE_BUCKET', 'SITE_BUCKET']);
    expect(bucketEnv('ingest-push')).toEqual(['LAKE_BUCKET', 'RAW_BUCKET']);
    expect(bucketEnv('ingest-file')).toEqual(['LAKE_BUCKET', 'RAW_BUCKET']);
  });

  it('gives the forecast poller its token from the secret, resolved at deploy (no value in the template), and no other function', () => {
    const poller = functionOf(dev.templates.pipeline, 'poll-meteofrance-forecast');
    expect(text(poller.env['OBSERVATORY_METEOFRANCE_FORECAST_TOKEN'])).toMatch(/\{\{resolve:secretsmanager:.*MeteoFranceApiKey.*:SecretString:::\}\}/);
    expect(functionOf(dev.templates.pipeline, 'poll-meteofrance').env['OBSERVATORY_METEOFRANCE_FORECAST_TOKEN']).toBeUndefined();
  });

  it('tells the publishing stage the site’s public URL (the absolute links of its feeds), the distribution’s domain when no custom one is set', () => {
    const url = text(functionOf(dev.templates.pipeline, 'publish-site').env.OBSERVATORY_SITE_URL);
    expect(url).toContain('https://');
    expect(url).toMatch(/Distribution[0-9A-F]{8}DomainName/);
    expect(functionOf(dev.templates.pipeline, 'compact').env.OBSERVATORY_SITE_URL).toBeUndefined();
  });

  it('gives each role its own log group and no AWS-managed policy', () => {
    for (const [id, role] of Object.entries(resourcesOf(dev.templates.pipeline, 'AWS::IAM::Role'))) {
      if (!text(role.Properties?.AssumeRolePolicyDocument).includes('lambda.amazonaws.com')) continue;
      expect(role.Properties?.ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe('least privilege on the data buckets', () => {
  it('never grants an action on "*" or on all objects of the raw or lake bucket', () => {
    for (const [id, p] of Object.entries(resourcesOf(dev.templates.pipeline, 'AWS::IAM::Policy'))) {
      for (const s of (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement) {
        if (!actionsOf(s).some((a) => a.startsWith('s3:') || a.startsWith('kms:'))) continue;
        for (const r of resourcesOfStatement(s)) {
          expect(r, `${id}: ${actionsOf(s).join(',')}`).not.toBe('*');
          const json = text(r);
          if (json.includes(buckets.raw) || json.includes(buckets.lake)) expect(json, id).not.toMatch(/"\/\*"\]\]\}$/);
        }
        expect(actionsOf(s).filter((a) => a.includes('*')), id).toEqual([]);
      }
    }
  });

  it('lets each stage write only its outputs and its state file, and read only its inputs', () => {
    for (const stage of STAGES) {
      const { statements } = functionOf(dev.templates.pipeline, stage.name);
      const prefixOf = (x: string) => {
        const d = DATASETS.find((y) => y.name === x);
        const { bucket, key } = bucketOfKey(d ? `${d.prefix}/` : `${x}/`);
        return `${bucket}:/${key}*`;
      };
      const state = `lake:/state/${stage.name}.json`;
      const changeLog = (x: string) => (DATASETS.some((d) => d.name === x) ? [`lake:/changes/${x}/*`] : []);
      const writes = [...stage.outputs.map(prefixOf), ...stage.outputs.flatMap(changeLog), state];
      expect(objectGrants(statements, 's3:PutObject', buckets), stage.name).toEqual([...new Set(writes)].sort());
      const changesRead = stage.inputs.filter((i) => i.window === 'changed').flatMap((i) => changeLog(i.dataset));
      const reads = [...stage.inputs.map((i) => prefixOf(i.dataset)), ...changesRead, ...writes];
      expect(objectGrants(statements, 's3:GetObject', buckets), stage.name).toEqual([...new Set([...reads, 'lake:/lake.json'])].sort());
    }
  });

  it('lets the file ingest write raw/, readings, quarantine, sensor sightings and the climate datasets — nothing derived; the push API its raw files only', () => {
    // the readings, the quarantine and their change logs; the sensor sightings and what the sensors merge (after-ingest) writes
    const noise = [
      'lake:/changes/noise_readings/*',
      'lake:/changes/quarantine/*',
      'lake:/curated/noise_readings/*',
      'lake:/curated/sensors/*',
      'lake:/quarantine/*',
      'lake:/staging/sensor-sightings/*',
      'lake:/state/sensors.json',
      'raw:/raw/*',
    ];
    const climate = [
      'lake:/changes/flood_vigilance/*',
      'lake:/changes/river_daily/*',
      'lake:/changes/river_observations/*',
      'lake:/changes/river_stations/*',
      'lake:/changes/weather_daily/*',
      'lake:/changes/weather_forecasts/*',
      'lake:/curated/flood_vigilance/*',
      'lake:/curated/river_daily/*',
      'lake:/curated/river_observations/*',
      'lake:/curated/river_stations/*',
      'lake:/curated/weather_daily/*',
      'lake:/curated/weather_forecasts/*',
    ];
    const file = functionOf(dev.templates.pipeline, 'ingest-file').statements;
    expect(objectGrants(file, 's3:PutObject', buckets)).toEqual([...noise, ...climate].sort());
    expect(objectGrants(file, 's3:DeleteObject', buckets)).toEqual(['lake:/quarantine/*', 'lake:/staging/sensor-sightings/*']);
    expect(objectGrants(file, 's3:GetObject', buckets)).toEqual(expect.arrayContaining(['raw:/incoming/*', 'lake:/state/sensor-registry.json']));
    // the push API stores the push's raw file only (ingest-file curates it from the queue) and reads the registry
    const push = functionOf(dev.templates.pipeline, 'ingest-push').statements;
    expect(objectGrants(push, 's3:PutObject', buckets)).toEqual(['raw:/raw/noise-fiware/*']);
    expect(objectGrants(push, 's3:GetObject', buckets)).toEqual(['lake:/state/sensor-registry.json', 'raw:/raw/noise-fiware/*']);
    expect(objectGrants(push, 's3:DeleteObject', buckets)).toEqual([]);
  });

  it('decrypts and encrypts with the data key only through S3', () => {
    const { statements } = functionOf(dev.templates.pipeline, 'ingest-push');
    const kms = statements.find((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    assert(kms, 'a statement grants kms:* actions');
    expect(actionsOf(kms).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(text(kms.Condition)).toContain('s3.eu-west-3.amazonaws.com');
  });
});

describe('the state machine', () => {
  type States = Record<string, Record<string, unknown> & { Type: string; Next?: string; Default?: string; End?: boolean; Choices?: { Next: string }[] }>;
  /** the tasks an execution runs, following the Choice rule that `input` matches (else Default) */
  function walk(def: { StartAt: string; States: States }, input: { cadence?: string }): string[] {
    const ran: string[] = [];
    for (let name: string | undefined = def.StartAt; name; ) {
      const state: States[string] | undefined = def.States[name];
      assert(state, `state ${name} is defined`);
      if (state.Type === 'Task') ran.push(name);
      if (state.Type === 'Choice') {
        const hit: { Next: string } | undefined = state.Choices?.find((c) => {
          const t = text(c);
          return (input.cadence === undefined && t.includes('"IsPresent":false')) || (input.cadence !== undefined && t.includes(`"StringEquals":"${input.cadence}"`));
        });
        name = hit ? hit.Next : state.Default;
      } else name = state.Next;
    }
    return ran;
  }

  it('has one Lambda task per stage, named after it, run in the order of the registry', () => {
    const def = definitionOf(dev.templates.pipeline) as { StartAt: string; States: States };
    const tasks = Object.entries(def.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(STAGES.map((s) => s.name).sort());
    expect(walk(def, {})).toEqual(STAGES.map((s) => s.name));
  });

  it('runs, for each cadence, exactly the stages `observatory run --schedule` runs, in the same order', () => {
    const def = definitionOf(dev.templates.pipeline) as { StartAt: string; States: States };
    for (const cadence of CADENCES) expect(walk(def, { cadence }), cadence).toEqual(stagesOf(cadence).map((s) => s.name));
    expect(stagesOf('hourly').map((s) => s.name)).toEqual(expect.arrayContaining(['compact', 'noise-indicators', 'predict', 'publish-site']));
  });

  it('times an execution out only after every stage could have used all its attempts', () => {
    const seconds = Number((definitionOf(dev.templates.pipeline) as { TimeoutSeconds?: number }).TimeoutSeconds);
    const sum = STAGES.reduce((t, s) => t + 3 * (Number(functionOf(dev.templates.pipeline, s.name).fn.Properties?.Timeout) + 60), 0);
    expect(seconds).toBeGreaterThanOrEqual(sum);
  });

  it('invokes each stage’s own function', () => {
    const def = definitionOf(dev.templates.pipeline);
    for (const stage of STAGES) {
      expect(text(def.States[stage.name]?.Parameters), stage.name).toContain(`${idOf(stage.name)}Function`);
    }
  });

  it('retries every task with exponential backoff, throttling (a stage running elsewhere) included', () => {
    const def = definitionOf(dev.templates.pipeline);
    for (const stage of STAGES) {
      const retry = def.States[stage.name]?.Retry as { ErrorEquals: string[]; BackoffRate: number; MaxAttempts: number }[];
      expect(retry.map((r) => r.ErrorEquals).flat()).toEqual(expect.arrayContaining(['Lambda.TooManyRequestsException', 'States.ALL']));
      for (const r of retry) expect(r.BackoffRate).toBeGreaterThan(1);
    }
  });

  it('logs every execution and traces it', () => {
    dev.templates.pipeline.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
  });
});

describe('schedules', () => {
  const schedules = () => Object.values(resourcesOf(dev.templates.pipeline, 'AWS::Scheduler::Schedule')).map((r) => r.Properties as Record<string, unknown> & { Target: { Input: string; DeadLetterConfig: unknown; RetryPolicy: unknown } });

  it('starts one execution per cadence that has stages, the daily one at the configured time, in Paris time', () => {
    const byCadence = new Map(schedules().map((s) => [(JSON.parse(s.Target.Input) as { cadence: string }).cadence, s]));
    const scheduled = CADENCES.filter((c) => c !== 'after-ingest' && stagesOf(c).length > 0);
    expect([...byCadence.keys()].sort()).toEqual([...scheduled].sort());
    expect(byCadence.get('daily')?.ScheduleExpression).toBe(dev.config.pipeline.schedule);
    expect(byCadence.get('hourly')?.ScheduleExpression).toBe('rate(1 hour)');
    expect(byCadence.get('quarter-hourly')?.ScheduleExpression).toBe('rate(15 minutes)');
    for (const s of byCadence.values()) expect(s.ScheduleExpressionTimezone).toBe('Europe/Paris');
  });

  it('sends failed deliveries to a dead-letter queue, after retries', () => {
    const dlq = logicalId(dev.templates.pipeline, 'AWS::SQS::Queue', 'SchedulerDeadLetters');
    for (const s of schedules()) {
      expect(text(s.Target.DeadLetterConfig)).toContain(dlq);
      expect(s.Target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 3 });
    }
  });

  it('creates the dev schedules disabled, the prod ones enabled', () => {
    for (const s of schedules()) expect(s.State).toBe('DISABLED');
    const prod = synthObservatory('prod');
    for (const s of Object.values(resourcesOf(prod.templates.pipeline, 'AWS::Scheduler::Schedule'))) expect(s.Properties?.State).toBe('ENABLED');
  });
});

describe('queues and alarms', () => {
  it('queues incoming files (S3 → EventBridge → SQS) with a dead-letter queue and partial batch failures', () => {
    const dlq = logicalId(dev.templates.pipeline, 'AWS::SQS::Queue', 'IncomingDeadLetters');
    dev.templates.pipeline.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 3 } });
    dev.templates.pipeline.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { object: { key: [{ prefix: 'incoming/' }] } } },
    });
    dev.templates.pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('queues the raw files of accepted pushes (S3 → EventBridge → SQS → ingest-file) in batches, with a dead-letter queue', () => {
    const dlq = logicalId(dev.templates.pipeline, 'AWS::SQS::Queue', 'PushedRawDeadLetters');
    const queue = Object.keys(resourcesOf(dev.templates.pipeline, 'AWS::SQS::Queue')).find((id) => id.startsWith('PushedRaw') && !id.startsWith('PushedRawDeadLetters'));
    assert(queue, 'the PushedRaw queue');
    dev.templates.pipeline.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 3 }, MessageRetentionPeriod: 14 * 86400 });
    const rules = Object.values(resourcesOf(dev.templates.pipeline, 'AWS::Events::Rule')).filter((r) => text(r.Properties?.EventPattern).includes('raw/noise-fiware/'));
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties).toMatchObject({ EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { object: { key: [{ prefix: 'raw/noise-fiware/' }] } } } });
    expect(text(rules[0]?.Properties?.Targets)).toContain(queue);
    const mappings = Object.values(resourcesOf(dev.templates.pipeline, 'AWS::Lambda::EventSourceMapping')).filter((m) => text(m.Properties?.EventSourceArn).includes(queue));
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({ BatchSize: 1000, MaximumBatchingWindowInSeconds: 60, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(text(mappings[0]?.Properties?.FunctionName)).toContain(logicalId(dev.templates.pipeline, 'AWS::Lambda::Function', 'IngestFile'));
  });

  it('encrypts every queue and refuses non-TLS access to it', () => {
    const queues = resourcesOf(dev.templates.pipeline, 'AWS::SQS::Queue');
    for (const [id, q] of Object.entries(queues)) expect(q.Properties?.SqsManagedSseEnabled, id).toBe(true);
    const policies = text(resourcesOf(dev.templates.pipeline, 'AWS::SQS::QueuePolicy'));
    for (const id of Object.keys(queues)) expect(policies).toContain(id);
    expect(policies).toContain('"aws:SecureTransport":"false"');
  });

  it('alarms on each function’s errors, each dead-letter queue, failed executions and data freshness, to an encrypted topic', () => {
    const alarms = Object.values(resourcesOf(dev.templates.pipeline, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, unknown>);
    const topic = logicalId(dev.templates.pipeline, 'AWS::SNS::Topic', 'MonitoringAlarms');
    for (const a of alarms) expect(text(a.AlarmActions)).toContain(topic);
    expect(alarms.filter((a) => a.MetricName === 'Errors')).toHaveLength(FUNCTIONS.length);
    const dlqs = Object.keys(resourcesOf(dev.templates.pipeline, 'AWS::SQS::Queue')).filter((id) => id.includes('DeadLetters'));
    for (const dlq of dlqs) {
      expect(alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && text(a.Dimensions).includes(dlq)), dlq).toBe(true);
    }
    expect(alarms.some((a) => a.MetricName === 'ExecutionsFailed')).toBe(true);
    expect(alarms.some((a) => a.MetricName === 'ExecutionsTimedOut')).toBe(true);
    const freshness = alarms.find((a) => a.MetricName === 'ReadingsCurated');
    expect(freshness).toMatchObject({
      Namespace: 'observatory/dev',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
      Period: dev.config.monitoring.freshnessHours * 3600,
    });
    expect(text(dev.templates.pipeline.findResources('AWS::SNS::Topic'))).toContain('KmsMasterKeyId');
  });
});

describe('the secrets and the registry', () => {
  it('keeps the source API key in Secrets Manager, generated, never in the template', () => {
    dev.templates.pipeline.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'observatory/dev/sources/meteo-france-api-key', GenerateSecretString: {} });
    for (const secret of Object.values(resourcesOf(dev.templates.pipeline, 'AWS::SecretsManager::Secret'))) expect(secret.Properties?.SecretString).toBeUndefined();
  });

  it('generates the state machine, the schedules and the grants from the registry: a new definition changes all three', () => {
    const extra = defineStage({
      name: 'noise-weekly-report',
      description: 'A test stage: a weekly report over the daily noise indicators',
      inputs: [{ dataset: 'noise_indicators_daily', window: 'changed' }],
      outputs: ['site'],
      cadences: ['weekly', 'hourly'],
      limits: { timeoutS: 120 },
      run: () => Promise.resolve({}),
    });
    const stages = [...STAGES, extra];
    const grown = synthObservatory('dev', {}, { stages });
    const def = definitionOf(grown.templates.pipeline);
    expect(def.States['noise-weekly-report']?.Type).toBe('Task');
    expect(def.States['noise-weekly-report']?.Type).toBeDefined();
    expect(definitionOf(dev.templates.pipeline).States['noise-weekly-report']).toBeUndefined();
    // the weekly cadence had train-models alone; its schedule's description names the new stage too
    const weekly = Object.values(resourcesOf(grown.templates.pipeline, 'AWS::Scheduler::Schedule')).find((r) => (JSON.parse((r.Properties as { Target: { Input: string } }).Target.Input) as { cadence: string }).cadence === 'weekly');
    expect(String(weekly?.Properties?.Description)).toContain('noise-weekly-report');
    const { statements } = functionOf(grown.templates.pipeline, 'noise-weekly-report');
    expect(objectGrants(statements, 's3:GetObject', buckets)).toEqual(expect.arrayContaining(['lake:/curated/noise_indicators_daily/*', 'lake:/changes/noise_indicators_daily/*']));
    expect(objectGrants(statements, 's3:PutObject', buckets)).toEqual(expect.arrayContaining(['site:/*', 'lake:/state/noise-weekly-report.json']));
  });
});
