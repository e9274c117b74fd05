import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { backfillStages, MAX_BACKFILL_CHUNKS } from '../../functions/lib/stages/backfill.ts';
import type { StageDefinition } from '../../functions/lib/stages/registry.ts';
import { stageTask, worstCase } from './pipeline-state-machine.ts';

/**
 * Backfills on AWS: what `observatory run --from D1 --to D2` does locally, as a Step Functions Map
 * over Lambda invocations. Input `{"from": "2025-01-01", "to": "2025-12-31"}` (inclusive Paris dates).
 *
 * 1. `plan`: the (first) ranged stage's function answers `{plan: {from, to}}` with the chunks, planned
 *    by functions/lib/stages/backfill.ts — the code the command line runs — from the sizes of the days'
 *    readings, each chunk within one invocation's memory, /tmp and time;
 * 2. `years`: a Map over the plan's years, several at once (each year's yearly rows are its own);
 *    inside, `chunks`: a Map over that year's chunks one at a time (a chunk rebuilds its year's yearly
 *    rows from the stored hourly rows of the other days), each invoking the ranged stages' functions
 *    with `{stage, range: {from, to}}`;
 * 3. the consumers (the stages reading what the ranged ones write), once, in the registry's order.
 *
 * Map results are discarded (an execution's state is capped at 256 KB); each invocation's report is in
 * the execution history and the function's logs.
 */
export interface BackfillStateMachineProps {
  readonly stages: readonly StageDefinition[];
  readonly functionOf: (stage: StageDefinition) => lambda.IFunction;
  readonly timeoutOf: (stage: StageDefinition) => Duration;
  readonly logRetentionDays: logs.RetentionDays;
}

/** years backfilled at once: bounded so that a backfill leaves room for the hourly runs' invocations */
export const BACKFILL_YEAR_CONCURRENCY = 4;
/** chunks of one year run in turn (see above) */
export const BACKFILL_CHUNK_CONCURRENCY = 1;

export class BackfillStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: BackfillStateMachineProps) {
    super(scope, id);
    const { ranged, consumers } = backfillStages(props.stages);
    if (ranged.length === 0) throw new Error('no ranged stage in the registry: nothing to backfill');
    const planner = ranged[0]!;

    const plan = stageTask(this, planner, props.functionOf(planner), props.timeoutOf(planner), {
      id: 'Plan',
      stateName: 'plan',
      payload: sfn.TaskInput.fromObject({ plan: { from: sfn.JsonPath.stringAt('$.from'), to: sfn.JsonPath.stringAt('$.to') } }),
      resultSelector: { 'years.$': '$.Payload.years', 'consumers.$': '$.Payload.consumers', 'budgetBytes.$': '$.Payload.budgetBytes' },
      resultPath: '$.plan',
    });

    const chunkTasks = ranged.map((stage) =>
      stageTask(this, stage, props.functionOf(stage), props.timeoutOf(stage), {
        id: `Chunk-${stage.name}`,
        payload: sfn.TaskInput.fromObject({ stage: stage.name, range: sfn.JsonPath.objectAt('$.range') }),
        resultPath: sfn.JsonPath.DISCARD,
      }),
    );
    const perChunk = chunkTasks.slice(1).reduce((chain, task) => chain.next(task), sfn.Chain.start(chunkTasks[0]!));
    const chunks = new sfn.Map(this, 'Chunks', {
      stateName: 'chunks',
      comment: 'The year’s chunks, one at a time',
      itemsPath: '$.chunks',
      itemSelector: { range: { 'from.$': '$$.Map.Item.Value.from', 'to.$': '$$.Map.Item.Value.to' } },
      maxConcurrency: BACKFILL_CHUNK_CONCURRENCY,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(perChunk);
    const years = new sfn.Map(this, 'Years', {
      stateName: 'years',
      comment: 'The planned years, several at once',
      itemsPath: '$.plan.years',
      itemSelector: { 'chunks.$': '$$.Map.Item.Value.chunks' },
      maxConcurrency: BACKFILL_YEAR_CONCURRENCY,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(chunks);

    let chain = sfn.Chain.start(plan).next(years);
    for (const stage of consumers) {
      chain = chain.next(
        stageTask(this, stage, props.functionOf(stage), props.timeoutOf(stage), {
          payload: sfn.TaskInput.fromObject({ stage: stage.name, execution: sfn.JsonPath.stringAt('$$.Execution.Id') }),
          resultPath: sfn.JsonPath.DISCARD,
        }),
      );
    }
    chain = chain.next(new sfn.Succeed(this, 'Done', { stateName: 'done' }));

    // the plan, every chunk of the largest plan in turn, and the consumers, each with all its attempts
    const chunkSeconds = worstCase(ranged, props.timeoutOf).toSeconds() * MAX_BACKFILL_CHUNKS;
    this.timeout = Duration.seconds(worstCase([planner], props.timeoutOf).toSeconds() + chunkSeconds + worstCase(consumers, props.timeoutOf).toSeconds());
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Backfill: the ranged stages over {from, to} in chunks (functions/lib/stages/backfill.ts), then their consumers',
      definitionBody: sfn.DefinitionBody.fromChainable(chain),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: this.timeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}
