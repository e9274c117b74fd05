import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOT_FOUND_CACHE_SECONDS, NOT_FOUND_PAGE, PAGE_INDEX_FUNCTION, SITE_CSP } from '../../infra/stacks/site-stack.ts';
import { CUSTOM_DOMAIN, defined, logicalId, resourcesOf, synthObservatory, text, type SynthesizedObservatory } from './support.ts';

interface Behavior {
  PathPattern?: string;
  CachePolicyId: unknown;
  Compress: boolean;
  ViewerProtocolPolicy: string;
  ResponseHeadersPolicyId: unknown;
  AllowedMethods?: string[];
  FunctionAssociations?: { EventType: string; FunctionARN: unknown }[];
}

describe('site: S3 behind CloudFront', () => {
  let dev: SynthesizedObservatory;
  let config: { DefaultCacheBehavior: Behavior; CacheBehaviors: Behavior[]; Origins: Record<string, unknown>[]; Logging: unknown; DefaultRootObject: string; CustomErrorResponses?: Record<string, unknown>[] };
  const ttlOf = (b: Behavior) => {
    const id = (b.CachePolicyId as { Ref: string }).Ref;
    return (defined(resourcesOf(dev.templates.site, 'AWS::CloudFront::CachePolicy')[id]?.Properties, `cache policy ${id}`).CachePolicyConfig as { DefaultTTL: number; MaxTTL: number; ParametersInCacheKeyAndForwardedToOrigin: Record<string, unknown> });
  };
  beforeAll(() => {
    dev = synthObservatory('dev');
    const [d] = Object.values(resourcesOf(dev.templates.site, 'AWS::CloudFront::Distribution'));
    config = defined(d?.Properties, 'the distribution').DistributionConfig as typeof config;
  });

  it('reads the private site bucket through origin access control, never a public bucket or website endpoint', () => {
    const oac = logicalId(dev.templates.site, 'AWS::CloudFront::OriginAccessControl', '');
    expect(text(config.Origins[0]?.OriginAccessControlId)).toContain(oac);
    dev.templates.site.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: { SigningBehavior: 'always', SigningProtocol: 'sigv4' } });
    const [policy] = Object.values(resourcesOf(dev.templates.site, 'AWS::S3::BucketPolicy'));
    const grant = text(defined(policy?.Properties, 'the site bucket policy').PolicyDocument);
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
    const byPath: Record<string, ReturnType<typeof ttlOf>> = Object.fromEntries(config.CacheBehaviors.map((b) => [defined(b.PathPattern, 'a behavior path'), ttlOf(b)]));
    expect(byPath['/data/*']?.DefaultTTL).toBe(dev.config.site.dataTtlSeconds);
    expect(defined(byPath['/data/*'], 'the /data/* behavior').MaxTTL).toBeLessThanOrEqual(300);
    expect(byPath['/assets/*']?.DefaultTTL).toBe(365 * 86400);
    expect(ttlOf(config.DefaultCacheBehavior).DefaultTTL).toBe(dev.config.site.pageTtlSeconds);
    for (const p of [...Object.values(byPath), ttlOf(config.DefaultCacheBehavior)]) {
      expect(p.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({ EnableAcceptEncodingGzip: true, EnableAcceptEncodingBrotli: true });
    }
  });

  it('logs requests to the access-log bucket', () => {
    expect(text(config.Logging)).toContain(logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'AccessLogs'));
  });

  it('uses TLS 1.2 (2021 policy) once a custom domain is configured', () => {
    const custom = synthObservatory('dev', CUSTOM_DOMAIN);
    custom.templates.site.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: { Aliases: [CUSTOM_DOMAIN.site.domainName], ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' } },
    });
  });
});

describe('site: the pages\u2019 viewer-request function (run in Node, held to what cloudfront-js-2.0 offers)', () => {
  const code = readFileSync(PAGE_INDEX_FUNCTION, 'utf8');
  type Query = Record<string, { value: string; multiValue?: readonly { value: string }[] }>;
  type Result = { uri?: string; statusCode?: number; headers?: Record<string, { value: string }> };
  // an empty V8 context: the ECMAScript built-ins only, no require, process, Buffer or timers
  const context = vm.createContext({});
  vm.runInContext(code, context, { filename: 'page-index.js' });
  const run = (uri: string, querystring: Query = {}) =>
    (context.handler as (e: unknown) => Result)({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' }, request: { method: 'GET', uri, querystring, headers: {}, cookies: {} } });

  it.each([
    ['/', '/index.html'],
    ['/en/', '/en/index.html'],
    ['/commune/75056/', '/commune/75056/index.html'],
    ['/en/commune/93066/', '/en/commune/93066/index.html'],
    ['/donnees/', '/donnees/index.html'],
    ['/data/summary.json', '/data/summary.json'],
    ['/assets/index-3f2a9c.js', '/assets/index-3f2a9c.js'],
    ['/404.html', '/404.html'],
    ['/downloads/noise_readings.parquet', '/downloads/noise_readings.parquet'],
    ['/robots.txt', '/robots.txt'],
  ])('fetches %s as %s', (uri, expected) => {
    expect(run(uri)).toMatchObject({ uri: expected });
  });

  it.each([
    ['/commune/75056', '/commune/75056/', {}],
    ['/en', '/en/', {}],
    ['/methodologie', '/methodologie/?lang=fr', { lang: { value: 'fr' } }],
    ['/donnees', '/donnees/?a=1&a=x%20y&flag', { a: { value: '1', multiValue: [{ value: '1' }, { value: 'x y' }] }, flag: { value: '' } }],
  ] as const)('redirects %s (a folder without its slash) to %s with 301, so relative links resolve', (uri, location, query) => {
    const r = run(uri, query);
    expect(r.statusCode).toBe(301);
    expect(r.headers?.location?.value).toBe(location);
    expect(r.uri).toBeUndefined();
  });

  it('is under the 10 KB CloudFront Functions limit', () => {
    expect(Buffer.byteLength(code)).toBeLessThan(10 * 1024);
  });

  it('is plain ECMAScript 5.1 using no global beyond its built-ins (no require, process, Buffer, timers, fetch)', () => {
    const lint = (source: string) =>
      new Linter()
        .verify(source, { languageOptions: { ecmaVersion: 5, sourceType: 'script' }, linterOptions: { noInlineConfig: true }, rules: { 'no-undef': 'error' } })
        .filter((m) => m.fatal || m.ruleId === 'no-undef')
        .map((m) => m.message);
    expect(lint(code)).toEqual([]);
    // the check itself catches what the runtime lacks
    expect(lint('function handler(e) { return require("fs") || process.env || setTimeout; }').length).toBe(3);
    expect(lint('const f = (e) => e;')).not.toEqual([]);
  });

  it('is deployed as written, on cloudfront-js-2.0, on the pages only, and missing keys get the 404 page with status 404', () => {
    const dev = synthObservatory('dev');
    const [fn] = Object.values(resourcesOf(dev.templates.site, 'AWS::CloudFront::Function'));
    expect(fn?.Properties).toMatchObject({ AutoPublish: true, FunctionCode: code, FunctionConfig: { Runtime: 'cloudfront-js-2.0' } });
    const [d] = Object.values(resourcesOf(dev.templates.site, 'AWS::CloudFront::Distribution'));
    const config = defined(d?.Properties, 'the distribution').DistributionConfig as { DefaultCacheBehavior: Behavior; CacheBehaviors: Behavior[]; CustomErrorResponses: Record<string, unknown>[] };
    const fnId = logicalId(dev.templates.site, 'AWS::CloudFront::Function', 'PageIndex');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnId, 'FunctionARN'] } }]);
    for (const b of config.CacheBehaviors) expect(b.FunctionAssociations ?? [], b.PathPattern).toEqual([]);
    expect(config.CustomErrorResponses).toEqual(
      [403, 404].map((code) => ({ ErrorCode: code, ResponseCode: 404, ResponsePagePath: NOT_FOUND_PAGE, ErrorCachingMinTTL: NOT_FOUND_CACHE_SECONDS })),
    );
    // no error is ever turned into a success
    for (const r of config.CustomErrorResponses) expect(r.ResponseCode).toBeGreaterThanOrEqual(400);
  });
});
