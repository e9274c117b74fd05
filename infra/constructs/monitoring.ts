import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Alarms, all to one encrypted SNS topic (optionally e-mailed): function errors, messages in a
 * dead-letter queue, failed or timed-out pipeline executions, and freshness — no reading curated for
 * `freshnessHours` (the ingest handlers publish ReadingsCurated through the embedded metric format).
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: { readonly email?: string; readonly retain: boolean; readonly namePrefix: string }) {
    super(scope, id);
    this.namePrefix = props.namePrefix;
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the observatory alarm topic',
      enableKeyRotation: true,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // CloudWatch alarms publish to an encrypted topic only if the key lets them
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true, displayName: 'Observatory alarms' });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }

  private add(id: string, metric: cloudwatch.IMetric, options: Omit<cloudwatch.CreateAlarmOptions, 'metric'>): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, { metric, alarmName: `${this.namePrefix}-${id}`, ...options });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }

  functionErrors(name: string, fn: lambda.IFunction): void {
    this.add(`Errors-${name}`, fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }), {
      alarmDescription: `The ${name} function failed (see its log group)`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  deadLetters(name: string, queue: sqs.IQueue, redrive: string): void {
    this.add(`DeadLetters-${name}`, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }), {
      alarmDescription: `Messages in the ${name} dead-letter queue. Redrive: ${redrive} (docs/deploy.md)`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  executions(name: string, failed: cloudwatch.IMetric, timedOut: cloudwatch.IMetric): void {
    for (const [what, metric] of [['Failed', failed], ['TimedOut', timedOut]] as const) {
      this.add(`Executions${what}-${name}`, metric, {
        alarmDescription: `A ${name} execution ${what === 'Failed' ? 'failed' : 'timed out'}: aws stepfunctions redrive-execution --execution-arn <arn> resumes it at the failed stage`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
  }

  freshness(namespace: string, hours: number): void {
    const metric = new cloudwatch.Metric({ namespace, metricName: 'ReadingsCurated', statistic: cloudwatch.Stats.SUM, period: Duration.hours(hours) });
    this.add('Freshness', metric, {
      alarmDescription: `No noise reading curated in the last ${hours} h: sensors stopped pushing, or the ingest fails`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // no datapoint at all is exactly the silence this alarm is for
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  apiServerErrors(name: string, metric: cloudwatch.IMetric): void {
    this.add(`ServerErrors-${name}`, metric, {
      alarmDescription: `The ${name} API answered 5xx`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
