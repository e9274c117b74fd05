import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * A bucket with the observatory's defaults, the Data Solutions Framework way:
 * - encrypted: with the given KMS key (bucket keys on, to keep KMS calls cheap), else SSE-S3;
 * - TLS only: a Deny on aws:SecureTransport=false and on TLS below 1.2;
 * - no public access: the four public-access blocks, ACLs disabled (unless a log target needs them);
 * - server access logs to the access-log bucket, under a prefix per bucket;
 * - incomplete multipart uploads aborted after a week;
 * - RETAINED when the stack is deleted; `retain: false` deletes it with its objects.
 */
export interface SecureBucketProps {
  readonly encryptionKey?: kms.IKey;
  /** undefined only for the access-log bucket itself */
  readonly accessLogs?: { readonly bucket: s3.IBucket; readonly prefix: string };
  readonly versioned?: boolean;
  readonly lifecycleRules?: s3.LifecycleRule[];
  readonly retain: boolean;
  /** BUCKET_OWNER_PREFERRED where a service writes with ACLs (CloudFront standard logs) */
  readonly objectOwnership?: s3.ObjectOwnership;
}

export class SecureBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...(props.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: props.objectOwnership ?? s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? false,
      serverAccessLogsBucket: props.accessLogs?.bucket,
      serverAccessLogsPrefix: props.accessLogs?.prefix,
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }, ...(props.lifecycleRules ?? [])],
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !props.retain,
    });
  }
}
