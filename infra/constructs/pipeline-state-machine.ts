import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Cadence, StageDefinition } from '../../functions/lib/stages/registry.ts';

/**
 * The pipeline as a Step Functions state machine, built from THE stage registry: one Lambda task per
 * stage, named after it, in the registry's order, each preceded by a choice that skips it when the
 * execution is for a cadence the stage does not run on.
 *
 * - `{"cadence": "hourly"}`: the stages AWS runs every hour (a schedule), in order — what
 *   `observatory run --schedule hourly` runs locally.
 * - `{}`: every stage, in order (a manual run, catching up).
 *
 * Each task retries throttling and errors, with exponential backoff and full jitter; a failed
 * execution is redriven from the failed stage (`aws stepfunctions redrive-execution`). The execution
 * timeout is the sum of the stages' worst cases (timeout × attempts), so that it never cuts a run that
 * its stages' own limits allow.
 */
export interface PipelineStateMachineProps {
  readonly stages: readonly StageDefinition[];
  readonly functionOf: (stage: StageDefinition) => lambda.IFunction;
  readonly timeoutOf: (stage: StageDefinition) => Duration;
  readonly logRetentionDays: logs.RetentionDays;
}

/** the execution input a schedule sends */
export interface PipelineInput {
  readonly cadence?: Cadence;
  readonly trigger: string;
}

/** attempts of a failing task: the first and the retries on errors */
export const TASK_ATTEMPTS = 3;
/** the task timeout beyond the function's own: Lambda's start and Step Functions' bookkeeping */
const TASK_MARGIN = Duration.minutes(1);
/** the waits between attempts, at most (interval 1 min, backoff 2, full jitter) */
const RETRY_WAITS = Duration.minutes(1 + 2);

/** a JSONPath-safe name of a stage, for its result's place in the execution state */
export const resultKey = (stage: string) => stage.replace(/[^A-Za-z0-9]/g, '_');

/** the longest a run of these stages may take when every task uses all its attempts */
export function worstCase(stages: readonly StageDefinition[], timeoutOf: (stage: StageDefinition) => Duration): Duration {
  const seconds = stages.reduce((t, s) => t + TASK_ATTEMPTS * timeoutOf(s).plus(TASK_MARGIN).toSeconds(), 0) + RETRY_WAITS.toSeconds() * stages.length;
  return Duration.seconds(seconds);
}

/**
 * A Lambda task running one stage, with its retries: throttling (a stage running elsewhere, reserved
 * concurrency) waits long, other errors TASK_ATTEMPTS attempts in all; the task's timeout is the
 * function's plus a margin. Shared by the pipeline and the backfill.
 */
export function stageTask(
  scope: Construct,
  stage: StageDefinition,
  fn: lambda.IFunction,
  timeout: Duration,
  io: Pick<tasks.LambdaInvokeProps, 'payload' | 'resultSelector' | 'resultPath'> & { id?: string; stateName?: string },
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, io.id ?? `Stage-${stage.name}`, {
    stateName: io.stateName ?? stage.name,
    comment: stage.description,
    lambdaFunction: fn,
    payload: io.payload,
    ...(io.resultSelector ? { resultSelector: io.resultSelector } : {}),
    resultPath: io.resultPath,
    taskTimeout: sfn.Timeout.duration(timeout.plus(TASK_MARGIN)),
    retryOnServiceExceptions: true,
  });
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
    maxAttempts: TASK_ATTEMPTS - 1,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}

export class PipelineStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    const stages = props.stages;
    if (stages.length === 0) throw new Error('the stage registry is empty: nothing to orchestrate');

    const tasksInOrder = stages.map((stage) =>
      stageTask(this, stage, props.functionOf(stage), props.timeoutOf(stage), {
        payload: sfn.TaskInput.fromObject({
          stage: stage.name,
          execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
          input: sfn.JsonPath.objectAt('$$.Execution.Input'),
        }),
        resultSelector: { 'result.$': '$.Payload' },
        resultPath: `$.results.${resultKey(stage.name)}`,
      }),
    );

    // stage i runs when the execution names no cadence, or one of the stage's; else the next choice
    const done = new sfn.Succeed(this, 'Done', { stateName: 'done' });
    const choices: sfn.Choice[] = [];
    for (let i = stages.length - 1; i >= 0; i--) {
      const stage = stages[i]!;
      const next: sfn.IChainable = choices[0] ?? done;
      const choice = new sfn.Choice(this, `Runs-${stage.name}`, { stateName: `runs ${stage.name}?`, comment: `Cadences: ${stage.cadences.join(', ')}` });
      const runs = sfn.Condition.or(sfn.Condition.isNotPresent('$.cadence'), ...stage.cadences.map((c) => sfn.Condition.stringEquals('$.cadence', c)));
      choice.when(runs, tasksInOrder[i]!).otherwise(next);
      tasksInOrder[i]!.next(next);
      choices.unshift(choice);
    }

    this.timeout = worstCase(stages, props.timeoutOf);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'The observatory pipeline: functions/lib/stages/registry.ts, in order, for one cadence or all',
      definitionBody: sfn.DefinitionBody.fromChainable(choices[0]!),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: this.timeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}
