import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { ObservatoryConfig } from '../config.ts';
import { SecureBucket } from '../constructs/secure-bucket.ts';
import { acknowledge } from '../nag.ts';

// The public site: a private bucket (the publish-site stage writes it) behind CloudFront with origin
// access control; security headers on every response; short TTLs on /data/* (rewritten after every
// indicator run), a year on /assets/* (file names carry a content hash), a few minutes on pages.
// S3 behind OAC knows no index documents and answers a missing key with 403: a CloudFront Function
// maps folders to their index.html, and 403/404 are answered with the site's 404 page, status 404.

/** the viewer-request function of the pages (plain JavaScript, cloudfront-js-2.0) */
export const PAGE_INDEX_FUNCTION = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'site', 'page-index.js');
/** rendered by the publish stage at the site root (French first; it links to the English one) */
export const NOT_FOUND_PAGE = '/404.html';
/** how long CloudFront keeps a 404 before asking S3 again: a page published meanwhile shows soon */
export const NOT_FOUND_CACHE_SECONDS = 60;

export interface SiteStackProps extends StackProps {
  readonly config: ObservatoryConfig;
  readonly accessLogsBucket: s3.IBucket;
}

/** the Content-Security-Policy of the site: its own scripts, styles (inline ones: pre-rendered pages), data and images only */
export const SITE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  'upgrade-insecure-requests',
].join('; ');

/** CloudFront's price class of the configured one */
const PRICE_CLASSES: Record<ObservatoryConfig['site']['priceClass'], cloudfront.PriceClass> = {
  PriceClass_100: cloudfront.PriceClass.PRICE_CLASS_100,
  PriceClass_200: cloudfront.PriceClass.PRICE_CLASS_200,
  PriceClass_All: cloudfront.PriceClass.PRICE_CLASS_ALL,
};

/** the three caches of the site: pages, data files, hashed assets */
interface SiteCaches {
  readonly pages: cloudfront.ICachePolicy;
  readonly data: cloudfront.ICachePolicy;
  readonly assets: cloudfront.ICachePolicy;
}

/** the distribution's custom domain, when one is configured (else CloudFront's *.cloudfront.net) */
type CustomDomain = Pick<cloudfront.DistributionProps, 'domainNames' | 'certificate' | 'minimumProtocolVersion'>;

export class SiteStack extends Stack {
  readonly siteBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** https://<domain>/ (the custom domain when configured) */
  readonly siteUrl: string;

  constructor(scope: Construct, id: string, props: SiteStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.siteBucket = new SecureBucket(this, 'Site', {
      retain: config.retainData,
      accessLogs: { bucket: props.accessLogsBucket, prefix: 's3/site/' },
    }).bucket;
    const custom = this.customDomain(config);
    this.distribution = this.siteDistribution(config, props.accessLogsBucket, custom);
    this.acknowledgeDistribution(custom);

    this.siteUrl = `https://${config.site.domainName ?? this.distribution.distributionDomainName}/`;
    new CfnOutput(this, 'SiteUrl', { value: this.siteUrl });
    new CfnOutput(this, 'SiteBucketName', { value: this.siteBucket.bucketName });
    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId });
  }

  /** the distribution: pages (folders mapped to their index.html), data and assets, 403/404 as the site's 404 page */
  private siteDistribution(config: ObservatoryConfig, accessLogsBucket: s3.IBucket, custom: CustomDomain): cloudfront.Distribution {
    const headers = this.securityHeaders();
    const caches = this.caches(config);
    const origin = origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket, {
      originAccessLevels: [cloudfront.AccessLevel.READ],
    });
    const pageIndex = new cloudfront.Function(this, 'PageIndex', {
      comment: 'Folders to their index.html; /path (no extension) redirected to /path/',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromFile({ filePath: PAGE_INDEX_FUNCTION }),
    });
    const behavior = (cache: cloudfront.ICachePolicy, functions: cloudfront.FunctionAssociation[] = []): cloudfront.BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      compress: true,
      cachePolicy: cache,
      responseHeadersPolicy: headers,
      functionAssociations: functions,
    });
    return new cloudfront.Distribution(this, 'Distribution', {
      comment: `${config.project} ${config.envName} public site`,
      defaultRootObject: 'index.html',
      priceClass: PRICE_CLASSES[config.site.priceClass],
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: behavior(caches.pages, [{ function: pageIndex, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }]),
      // S3 answers 403 to a missing key (OAC without s3:ListBucket), 404 with it: both are "not found"
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 404,
        responsePagePath: NOT_FOUND_PAGE,
        ttl: Duration.seconds(NOT_FOUND_CACHE_SECONDS),
      })),
      additionalBehaviors: { '/data/*': behavior(caches.data), '/assets/*': behavior(caches.assets) },
      enableLogging: true,
      logBucket: accessLogsBucket,
      logFilePrefix: 'cloudfront/site/',
      ...custom,
    });
  }

  /** the security headers of every response */
  private securityHeaders(): cloudfront.ResponseHeadersPolicy {
    return new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Observatory site: CSP, HSTS, nosniff, no framing, strict referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: SITE_CSP, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, preload: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), interest-cohort=()', override: true },
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
        ],
      },
    });
  }

  /** short TTLs on pages and on /data/* (rewritten after every indicator run), a year on /assets/* */
  private caches(config: ObservatoryConfig): SiteCaches {
    const cachePolicy = (name: string, ttl: Duration, maxTtl: Duration, comment: string) =>
      new cloudfront.CachePolicy(this, name, {
        comment,
        defaultTtl: ttl,
        minTtl: Duration.seconds(0),
        maxTtl,
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
        queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
        headerBehavior: cloudfront.CacheHeaderBehavior.none(),
        cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      });
    const { pageTtlSeconds, dataTtlSeconds } = config.site;
    return {
      pages: cachePolicy('PageCache', Duration.seconds(pageTtlSeconds), Duration.seconds(Math.max(pageTtlSeconds, 3600)), 'Pages: a few minutes'),
      data: cachePolicy('DataCache', Duration.seconds(dataTtlSeconds), Duration.seconds(Math.max(dataTtlSeconds, 300)), 'Data files (/data/*): rewritten after each indicator run'),
      assets: cachePolicy('AssetCache', Duration.days(365), Duration.days(365), 'Hashed assets (/assets/*): immutable'),
    };
  }

  private customDomain(config: ObservatoryConfig): CustomDomain {
    if (!config.site.domainName || !config.site.certificateArn) return {};
    return {
      domainNames: [config.site.domainName],
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', config.site.certificateArn),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
    };
  }

  private acknowledgeDistribution(custom: CustomDomain): void {
    const suppressions = [
      { id: 'AwsSolutions-CFR1', reason: 'Open data for everyone: no geographic restriction on the public site.' },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'Static, read-only site (GET/HEAD only, no origin compute): a WAF in us-east-1 would add cost without protecting anything CloudFront does not already absorb.',
      },
    ];
    if (!custom.domainNames) {
      suppressions.push({
        id: 'AwsSolutions-CFR4',
        reason: 'No custom domain configured: the default *.cloudfront.net certificate, for which CloudFront fixes the TLS policy; set site.domainName and site.certificateArn to get TLSv1.2_2021.',
      });
    }
    acknowledge(this.distribution, ...suppressions);
  }
}
