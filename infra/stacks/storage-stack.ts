import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { INCOMING_PREFIX } from '../../functions/handlers/shared/buckets.ts';
import { CHANGES_PREFIX, RAW_PREFIX } from '../../functions/lib/lake/layout.ts';
import { CHANGE_LOG_RETENTION_DAYS } from '../../functions/lib/ports/lake.ts';
import type { ObservatoryConfig } from '../config.ts';
import { SecureBucket } from '../constructs/secure-bucket.ts';
import { acknowledge } from '../nag.ts';

// The buckets: raw (bytes as received, versioned, tiered to archive), the lake (curated/, quarantine/,
// staging/, state/, models/), Athena query results, and the access logs of all of them.

export interface StorageStackProps extends StackProps {
  readonly config: ObservatoryConfig;
}

export class StorageStack extends Stack {
  /** encrypts the raw, lake and query-result buckets */
  readonly dataKey: kms.Key;
  readonly accessLogsBucket: s3.Bucket;
  readonly rawBucket: s3.Bucket;
  readonly lakeBucket: s3.Bucket;
  readonly athenaResultsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retain = config.retainData;
    const s = config.storage;

    this.dataKey = new kms.Key(this, 'DataKey', {
      alias: `alias/${config.project}-${config.envName}-data`,
      description: `Encrypts the raw, lake and Athena result buckets of the ${config.project} ${config.envName} data lake`,
      enableKeyRotation: true,
      // deleting the key would make every retained object unreadable
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });

    this.accessLogsBucket = new SecureBucket(this, 'AccessLogs', {
      retain,
      // CloudFront standard logs are delivered with ACLs
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(s.accessLogsExpireDays) }],
    }).bucket;
    acknowledge(this.accessLogsBucket, { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket: logging its own accesses into itself would loop.' });
    const logsTo = (prefix: string) => ({ bucket: this.accessLogsBucket, prefix: `s3/${prefix}/` });

    this.rawBucket = new SecureBucket(this, 'Raw', {
      retain,
      encryptionKey: this.dataKey,
      accessLogs: logsTo('raw'),
      // bytes as received are the record of what arrived: keep overwritten and deleted versions
      versioned: true,
      lifecycleRules: [
        {
          id: 'raw-tiers',
          prefix: `${RAW_PREFIX}/`,
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(s.rawInfrequentAccessAfterDays) },
            // instant retrieval: a replay reads the bytes without a restore
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(s.rawArchiveAfterDays) },
          ],
          noncurrentVersionExpiration: Duration.days(s.rawNoncurrentVersionDays),
        },
        {
          id: 'incoming-expiry',
          prefix: `${INCOMING_PREFIX}/`,
          expiration: Duration.days(s.incomingExpireDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    }).bucket;
    // "Object Created" events to EventBridge, set on the bucket itself: CDK's
    // enableEventBridgeNotification() would add a custom-resource Lambda for the same result
    (this.rawBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    this.lakeBucket = new SecureBucket(this, 'Lake', {
      retain,
      encryptionKey: this.dataKey,
      accessLogs: logsTo('lake'),
      // the change log is read from each reader's watermark; a reader older than this looks at everything
      lifecycleRules: [{ id: 'change-log-expiry', prefix: `${CHANGES_PREFIX}/`, expiration: Duration.days(CHANGE_LOG_RETENTION_DAYS) }],
    }).bucket;

    this.athenaResultsBucket = new SecureBucket(this, 'AthenaResults', {
      retain,
      encryptionKey: this.dataKey,
      accessLogs: logsTo('athena-results'),
      lifecycleRules: [{ id: 'expire-results', expiration: Duration.days(s.athenaResultsExpireDays) }],
    }).bucket;

    new CfnOutput(this, 'RawBucketName', { value: this.rawBucket.bucketName, description: 'Raw bytes as received; drop files under incoming/<kind>/ to ingest them' });
    new CfnOutput(this, 'LakeBucketName', { value: this.lakeBucket.bucketName, description: 'The curated lake: curated/, quarantine/, staging/, state/, models/' });
    new CfnOutput(this, 'AthenaResultsBucketName', { value: this.athenaResultsBucket.bucketName });
  }
}
