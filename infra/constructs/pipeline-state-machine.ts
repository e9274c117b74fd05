import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { StageEntry } from '../../functions/lib/stages/list.ts';

/**
 * The pipeline as a Step Functions state machine, built from THE stage list: one Lambda task per
 * stage, named after it, chained in the list's order.
 *
 * - `{}`: every stage, in order (the pipeline schedule, a manual run).
 * - `{"startAt": "<stage>", "scope": "stage"}`: that stage, then the publishing stages after it (those
 *   whose outputs include `site`): a stage's own schedule runs it and republishes the site, without
 *   running the stages in between.
 * - `{"startAt": "<stage>"}`: that stage and every stage after it (catching up by hand).
 *
 * Each task retries throttling (where a stage's concurrency is reserved to 1, a run that finds it busy
 * waits) and errors, with exponential backoff and full jitter; a failed execution is redriven from the
 * failed stage (`aws stepfunctions redrive-execution`).
 */
export interface PipelineStateMachineProps {
  readonly stages: readonly StageEntry[];
  readonly functionOf: (stage: StageEntry) => lambda.IFunction;
  readonly timeoutOf: (stage: StageEntry) => Duration;
  readonly timeout: Duration;
  readonly logRetentionDays: logs.RetentionDays;
}

/** the execution input a schedule sends */
export interface PipelineInput {
  readonly startAt?: string;
  readonly scope?: 'stage';
  readonly trigger: string;
}

/** a JSONPath-safe name of a stage, for its result's place in the execution state */
export const resultKey = (stage: string) => stage.replace(/[^A-Za-z0-9]/g, '_');

/** whether a stage publishes the site: it runs after every scheduled stage run */
export const publishes = (stage: StageEntry) => stage.outputs.includes('site');

export class PipelineStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    const stages = props.stages;
    if (stages.length === 0) throw new Error('the stage list is empty: nothing to orchestrate');

    const tasksInOrder = stages.map((stage) => {
      const task = new tasks.LambdaInvoke(this, `Stage-${stage.name}`, {
        stateName: stage.name,
        comment: stage.description,
        lambdaFunction: props.functionOf(stage),
        payload: sfn.TaskInput.fromObject({
          stage: stage.name,
          execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
          input: sfn.JsonPath.objectAt('$$.Execution.Input'),
        }),
        resultSelector: { 'result.$': '$.Payload' },
        resultPath: `$.results.${resultKey(stage.name)}`,
        taskTimeout: sfn.Timeout.duration(props.timeoutOf(stage).plus(Duration.minutes(1))),
        retryOnServiceExceptions: true,
      });
      // a stage whose concurrency is reserved to 1 answers 429 while another execution runs it: wait
      task.addRetry({
        errors: ['Lambda.TooManyRequestsException'],
        interval: Duration.seconds(30),
        backoffRate: 2,
        maxDelay: Duration.minutes(10),
        maxAttempts: 8,
        jitterStrategy: sfn.JitterType.FULL,
      });
      task.addRetry({
        errors: [sfn.Errors.ALL],
        interval: Duration.minutes(1),
        backoffRate: 2,
        maxAttempts: 2,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    });

    const stageScope = sfn.Condition.and(sfn.Condition.isPresent('$.scope'), sfn.Condition.stringEquals('$.scope', 'stage'));
    const done = new sfn.Succeed(this, 'Done', { stateName: 'done' });
    stages.forEach((stage, i) => {
      const next = tasksInOrder[i + 1];
      if (!next) return;
      // in a stage-scoped run, skip to the next publishing stage (or finish)
      const publisher = stages.findIndex((s, j) => j > i && publishes(s));
      const after = new sfn.Choice(this, `After-${stage.name}`, { stateName: `after ${stage.name}`, comment: 'A stage-scoped run goes on with the publishing stages only' });
      after.when(stageScope, publisher > i + 1 ? tasksInOrder[publisher]! : publisher === i + 1 ? next : done);
      after.otherwise(next);
      tasksInOrder[i]!.next(after);
    });

    const startAt = new sfn.Choice(this, 'StartAt', {
      stateName: 'start at',
      comment: 'Start at the stage named by $.startAt (a stage schedule), else at the first stage',
    });
    stages.forEach((stage, i) => {
      if (i === 0) return;
      startAt.when(sfn.Condition.and(sfn.Condition.isPresent('$.startAt'), sfn.Condition.stringEquals('$.startAt', stage.name)), tasksInOrder[i]!);
    });
    startAt.otherwise(tasksInOrder[0]!);

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'The observatory pipeline: functions/lib/stages/list.ts, in order',
      definitionBody: sfn.DefinitionBody.fromChainable(startAt),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}
