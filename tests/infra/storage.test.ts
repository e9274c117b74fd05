import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_LOG_RETENTION_DAYS } from '../../functions/lib/ports/lake.ts';
import { logicalId, resourcesOf, synthObservatory, text, type SynthesizedObservatory } from './support.ts';

// set up once for every describe of this file
let dev: SynthesizedObservatory;
beforeAll(() => {
  dev = synthObservatory('dev');
});

const allBuckets = () => ({
  ...resourcesOf(dev.templates.storage, 'AWS::S3::Bucket'),
  ...resourcesOf(dev.templates.site, 'AWS::S3::Bucket'),
});

describe('storage: the buckets', () => {
  it('creates the raw, lake, query-result and access-log buckets, and the site bucket', () => {
    expect(Object.keys(resourcesOf(dev.templates.storage, 'AWS::S3::Bucket')).map((id) => id.replace(/Bucket[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AccessLogs',
      'AthenaResults',
      'Lake',
      'Raw',
    ]);
    expect(Object.keys(resourcesOf(dev.templates.site, 'AWS::S3::Bucket'))).toHaveLength(1);
  });
});

describe('storage: encryption, public access and TLS', () => {
  it('encrypts every bucket: the data buckets with the rotated KMS key (bucket keys on), logs and site with SSE-S3', () => {
    const key = logicalId(dev.templates.storage, 'AWS::KMS::Key', 'DataKey');
    dev.templates.storage.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const [id, b] of Object.entries(allBuckets())) {
      const rule = (b.Properties?.BucketEncryption as { ServerSideEncryptionConfiguration: Record<string, unknown>[] }).ServerSideEncryptionConfiguration[0];
      if (/^(Raw|Lake|AthenaResults)/.test(id)) {
        expect(rule, id).toEqual({
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] } },
        });
      } else {
        expect(rule, id).toEqual({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
      }
    }
  });

  it('blocks every form of public access on every bucket', () => {
    for (const [id, b] of Object.entries(allBuckets())) {
      expect(b.Properties?.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  it('denies non-TLS requests and TLS below 1.2 in every bucket policy', () => {
    for (const t of [dev.templates.storage, dev.templates.site]) {
      const policies = resourcesOf(t, 'AWS::S3::BucketPolicy');
      const buckets = Object.keys(resourcesOf(t, 'AWS::S3::Bucket'));
      expect(Object.keys(policies)).toHaveLength(buckets.length);
      for (const [id, p] of Object.entries(policies)) {
        const statements = (p.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
        expect(statements, id).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            expect.objectContaining({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        );
      }
    }
  });
});

describe('storage: versions, tiers and expiry', () => {
  it('versions the raw bucket only', () => {
    for (const [id, b] of Object.entries(resourcesOf(dev.templates.storage, 'AWS::S3::Bucket'))) {
      expect(b.Properties?.VersioningConfiguration, id).toEqual(id.startsWith('Raw') ? { Status: 'Enabled' } : undefined);
    }
  });

  it('tiers raw/ to infrequent access then to an archive class, and expires incoming/ and old versions', () => {
    const s = dev.config.storage;
    dev.templates.storage.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'raw-tiers',
            Prefix: 'raw/',
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: s.rawInfrequentAccessAfterDays },
              { StorageClass: 'GLACIER_IR', TransitionInDays: s.rawArchiveAfterDays },
            ],
            NoncurrentVersionExpiration: { NoncurrentDays: s.rawNoncurrentVersionDays },
          }),
          Match.objectLike({ Id: 'incoming-expiry', Prefix: 'incoming/', ExpirationInDays: s.incomingExpireDays }),
        ]),
      },
    });
  });

  it('aborts incomplete multipart uploads everywhere and expires logs and query results', () => {
    for (const [id, b] of Object.entries(allBuckets())) {
      expect(text(b.Properties?.LifecycleConfiguration), id).toContain('"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7}');
    }
    dev.templates.storage.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-results', ExpirationInDays: dev.config.storage.athenaResultsExpireDays })]) },
    });
  });

  it('expires the lake’s change log after the retention its readers assume', () => {
    const lake = Object.entries(resourcesOf(dev.templates.storage, 'AWS::S3::Bucket')).filter(([id]) => id.startsWith('Lake'));
    expect(lake).toHaveLength(1);
    const rules = (lake[0]?.[1].Properties?.LifecycleConfiguration as { Rules: { Id: string; Prefix?: string; ExpirationInDays?: number }[] }).Rules;
    expect(rules.find((r) => r.Id === 'change-log-expiry')).toMatchObject({ Prefix: 'changes/', ExpirationInDays: CHANGE_LOG_RETENTION_DAYS });
  });
});

describe('storage: access logs, retention on delete, events', () => {
  it('logs server access of every bucket but the log bucket into the log bucket, under a prefix per bucket', () => {
    const logs = logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'AccessLogs');
    const prefixes: string[] = [];
    for (const [id, b] of Object.entries(allBuckets())) {
      if (id.startsWith('AccessLogs')) {
        expect(b.Properties?.LoggingConfiguration).toBeUndefined();
        continue;
      }
      const logging = b.Properties?.LoggingConfiguration as { DestinationBucketName: unknown; LogFilePrefix: string };
      expect(logging, id).toBeDefined();
      expect(text(logging.DestinationBucketName), id).toContain(logs);
      prefixes.push(logging.LogFilePrefix);
    }
    expect(prefixes.sort()).toEqual(['s3/athena-results/', 's3/lake/', 's3/raw/', 's3/site/']);
  });

  it('retains buckets and the key when the stack is deleted, by default', () => {
    for (const [id, b] of Object.entries({ ...allBuckets(), ...resourcesOf(dev.templates.storage, 'AWS::KMS::Key') })) {
      expect([b.DeletionPolicy, b.UpdateReplacePolicy], id).toEqual(['Retain', 'Retain']);
    }
  });

  it('deletes buckets with their objects only when retainData is explicitly false', () => {
    const disposable = synthObservatory('dev', { retainData: false });
    for (const [id, b] of Object.entries(resourcesOf(disposable.templates.storage, 'AWS::S3::Bucket'))) {
      expect(b.DeletionPolicy, id).toBe('Delete');
    }
    expect(Object.keys(disposable.templates.storage.findResources('Custom::S3AutoDeleteObjects')).length).toBeGreaterThan(0);
  });

  it('sends Object Created events of the raw bucket to EventBridge without a custom resource', () => {
    dev.templates.storage.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    expect(dev.templates.storage.findResources('Custom::S3BucketNotifications')).toEqual({});
  });
});
