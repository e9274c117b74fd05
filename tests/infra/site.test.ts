import { beforeAll, describe, expect, it } from 'vitest';
import { SITE_CSP } from '../../infra/stacks/site-stack.ts';
import { logicalId, resourcesOf, synthObservatory, text, type SynthesizedObservatory } from './support.ts';

interface Behavior {
  PathPattern?: string;
  CachePolicyId: unknown;
  Compress: boolean;
  ViewerProtocolPolicy: string;
  ResponseHeadersPolicyId: unknown;
  AllowedMethods?: string[];
}

describe('site: S3 behind CloudFront', () => {
  let dev: SynthesizedObservatory;
  let config: { DefaultCacheBehavior: Behavior; CacheBehaviors: Behavior[]; Origins: Record<string, unknown>[]; Logging: unknown; DefaultRootObject: string };
  const ttlOf = (b: Behavior) => {
    const id = (b.CachePolicyId as { Ref: string }).Ref;
    return (resourcesOf(dev.templates.site, 'AWS::CloudFront::CachePolicy')[id]!.Properties!.CachePolicyConfig as { DefaultTTL: number; MaxTTL: number; ParametersInCacheKeyAndForwardedToOrigin: Record<string, unknown> });
  };
  beforeAll(() => {
    dev = synthObservatory('dev');
    const [d] = Object.values(resourcesOf(dev.templates.site, 'AWS::CloudFront::Distribution'));
    config = d!.Properties!.DistributionConfig as typeof config;
  });

  it('reads the private site bucket through origin access control, never a public bucket or website endpoint', () => {
    const oac = logicalId(dev.templates.site, 'AWS::CloudFront::OriginAccessControl', '');
    expect(text(config.Origins[0]!.OriginAccessControlId)).toContain(oac);
    dev.templates.site.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: { SigningBehavior: 'always', SigningProtocol: 'sigv4' } });
    const [policy] = Object.values(resourcesOf(dev.templates.site, 'AWS::S3::BucketPolicy'));
    const grant = text(policy!.Properties!.PolicyDocument);
    expect(grant).toContain('cloudfront.amazonaws.com');
    expect(grant).toContain('AWS:SourceArn');
  });

  it('serves HTTPS only (redirect), GET/HEAD only, compressed, with the security headers on every path', () => {
    for (const b of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(b.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(b.Compress).toBe(true);
      expect(b.AllowedMethods ?? ['GET', 'HEAD']).toEqual(['GET', 'HEAD']);
      expect(text(b.ResponseHeadersPolicyId)).toContain(logicalId(dev.templates.site, 'AWS::CloudFront::ResponseHeadersPolicy', 'SecurityHeaders'));
    }
    expect(config.DefaultRootObject).toBe('index.html');
  });

  it('sends CSP, HSTS, nosniff, frame denial and a strict referrer policy', () => {
    dev.templates.site.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: SITE_CSP, Override: true },
          StrictTransportSecurity: { AccessControlMaxAgeSec: 730 * 86400, IncludeSubdomains: true, Preload: true, Override: true },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
        },
      },
    });
    expect(SITE_CSP).toContain("default-src 'self'");
    expect(SITE_CSP).toContain("frame-ancestors 'none'");
  });

  it('caches /data/* briefly and /assets/* for a year, with gzip and brotli', () => {
    const byPath: Record<string, ReturnType<typeof ttlOf>> = Object.fromEntries(config.CacheBehaviors.map((b) => [b.PathPattern!, ttlOf(b)]));
    expect(byPath['/data/*']!.DefaultTTL).toBe(dev.config.site.dataTtlSeconds);
    expect(byPath['/data/*']!.MaxTTL).toBeLessThanOrEqual(300);
    expect(byPath['/assets/*']!.DefaultTTL).toBe(365 * 86400);
    expect(ttlOf(config.DefaultCacheBehavior).DefaultTTL).toBe(dev.config.site.pageTtlSeconds);
    for (const p of [...Object.values(byPath), ttlOf(config.DefaultCacheBehavior)]) {
      expect(p.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({ EnableAcceptEncodingGzip: true, EnableAcceptEncodingBrotli: true });
    }
  });

  it('logs requests to the access-log bucket', () => {
    expect(text(config.Logging)).toContain(logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'AccessLogs'));
  });

  it('uses TLS 1.2 (2021 policy) once a custom domain is configured', () => {
    const custom = synthObservatory('dev', { site: { domainName: 'bruit.example.org', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' } });
    custom.templates.site.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: { Aliases: ['bruit.example.org'], ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' } },
    });
  });
});
