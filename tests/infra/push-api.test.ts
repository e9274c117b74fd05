import { beforeAll, describe, expect, it } from 'vitest';
import { PUSH_ERRORS } from '../../functions/lib/push/constants.ts';
import { loadConfig } from '../../infra/config.ts';
import { pushLimits, QUOTA_RETRY_AFTER_SECONDS, THROTTLED_RETRY_AFTER_SECONDS } from '../../infra/constructs/ingest-api.ts';
import { defined, logicalId, resourcesOf, synthObservatory, text, type SynthesizedObservatory } from './support.ts';

// What API Gateway itself answers before the function runs, read from the synthesized template.

// set up once for every describe of this file
let dev: SynthesizedObservatory;
let prodCache: SynthesizedObservatory | undefined;
const prod = () => (prodCache ??= synthObservatory('prod'));
const methods = () => Object.values(resourcesOf(dev.templates.pipeline, 'AWS::ApiGateway::Method')).map((m) => m.Properties as Record<string, unknown>);
beforeAll(() => {
  dev = synthObservatory('dev');
});

describe('push API: what reaches the function', () => {
  it('validates no body: no request validator and no model on the push method, so every body reaches the function (and raw/)', () => {
    expect(resourcesOf(dev.templates.pipeline, 'AWS::ApiGateway::RequestValidator')).toEqual({});
    expect(resourcesOf(dev.templates.pipeline, 'AWS::ApiGateway::Model')).toEqual({});
    const post = defined(methods().find((m) => m.HttpMethod === 'POST'), 'the POST method');
    expect(post.RequestValidatorId).toBeUndefined();
    expect(post.RequestModels).toBeUndefined();
  });

  it('takes the API key from a Lambda authorizer that reads both headers, uncached, and requires it on POST', () => {
    dev.templates.pipeline.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    const [authorizer] = Object.values(resourcesOf(dev.templates.pipeline, 'AWS::ApiGateway::Authorizer'));
    expect(authorizer?.Properties).toMatchObject({ Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0 });
    // an identity source would make API Gateway refuse, uninvoked, a request lacking that one header
    expect(authorizer?.Properties?.IdentitySource ?? '').toBe('');
    const post = defined(methods().find((m) => m.HttpMethod === 'POST'), 'the POST method');
    expect(post).toMatchObject({ ApiKeyRequired: true, AuthorizationType: 'CUSTOM' });
    expect(text(post.AuthorizerId)).toContain(logicalId(dev.templates.pipeline, 'AWS::ApiGateway::Authorizer', ''));
    const fnId = logicalId(dev.templates.pipeline, 'AWS::Lambda::Function', 'PushApiAuthorizer');
    expect(text(authorizer?.Properties?.AuthorizerUri)).toContain(fnId);
  });

  it('answers 405 "use POST" to every other method, from a mock (no function runs, no key needed)', () => {
    const any = defined(methods().find((m) => m.HttpMethod === 'ANY'), 'the ANY method');
    expect(any).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'MOCK' } });
    // whatever a client sends, the mock is told 405
    const templates = (any.Integration as { RequestTemplates: Record<string, string> }).RequestTemplates;
    for (const type of ['application/json', 'application/ld+json', 'application/geo+json', 'text/plain', 'application/x-www-form-urlencoded']) expect(JSON.parse(defined(templates[type], `a template for ${type}`)), type).toEqual({ statusCode: 405 });
    expect(any.ApiKeyRequired ?? false).toBe(false);
    const responses = (any.Integration as { IntegrationResponses: { StatusCode: string; SelectionPattern?: string; ResponseTemplates: Record<string, string> }[] }).IntegrationResponses;
    // one response, with no selection pattern: whatever the mock returns, the answer is 405
    expect(responses).toHaveLength(1);
    expect(responses[0]?.SelectionPattern).toBeUndefined();
    expect(responses[0]?.StatusCode).toBe('405');
    expect(JSON.parse(defined(responses[0]?.ResponseTemplates['application/json'], 'the 405 response template'))).toEqual({ error: PUSH_ERRORS.method });
  });
});

describe('push API: refusals, authorizer and usage plans', () => {
  it('answers its own refusals with the service’s statuses and bodies: 401 for a missing or unknown key, 413, 429 with Retry-After, 500', () => {
    const responses = Object.values(resourcesOf(dev.templates.pipeline, 'AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties as { ResponseType: string; StatusCode: string; ResponseTemplates: Record<string, string>; ResponseParameters: Record<string, string> });
    const byType = new Map(responses.map((r) => [r.ResponseType, r]));
    const expectResponse = (type: string, status: number, error: string, retryAfter?: number) => {
      const r = byType.get(type);
      expect(r, type).toBeDefined();
      expect(r?.StatusCode, type).toBe(String(status));
      expect(JSON.parse(defined(r?.ResponseTemplates['application/json'], `the ${type} response template`)), type).toEqual({ error });
      expect(r?.ResponseParameters['gatewayresponse.header.Retry-After'], type).toBe(retryAfter === undefined ? undefined : `'${retryAfter}'`);
    };
    expectResponse('UNAUTHORIZED', 401, PUSH_ERRORS.unauthorized);
    expectResponse('INVALID_API_KEY', 401, PUSH_ERRORS.unauthorized);
    expectResponse('REQUEST_TOO_LARGE', 413, PUSH_ERRORS.tooLarge);
    expectResponse('THROTTLED', 429, PUSH_ERRORS.throttled, THROTTLED_RETRY_AFTER_SECONDS);
    expectResponse('QUOTA_EXCEEDED', 429, PUSH_ERRORS.quota, QUOTA_RETRY_AFTER_SECONDS);
    expectResponse('AUTHORIZER_FAILURE', 500, PUSH_ERRORS.internal);
    expectResponse('DEFAULT_5XX', 500, PUSH_ERRORS.internal);
  });

  it('runs the authorizer with its own role, allowed only its log group', () => {
    const fn = logicalId(dev.templates.pipeline, 'AWS::Lambda::Function', 'PushApiAuthorizer');
    const props = defined(resourcesOf(dev.templates.pipeline, 'AWS::Lambda::Function')[fn]?.Properties, `${fn} properties`);
    expect(props.Layers).toBeUndefined();
    expect(props.Environment).toBeUndefined();
    const role = defined((props.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0], 'the role of the authorizer');
    const policies = Object.values(resourcesOf(dev.templates.pipeline, 'AWS::IAM::Policy')).filter((p) => text(p.Properties?.Roles).includes(role));
    const actions = policies.flatMap((p) => (p.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => s.Action));
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(resourcesOf(dev.templates.pipeline, 'AWS::IAM::Role')[role]?.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('derives each usage plan from its fleet: a tick of every sensor fits the burst twice, refilled within a minute; the stage holds every plan at once', () => {
    // 400 sensors pushing every quarter hour, on the same tick
    expect(pushLimits({ sensors: 400, pushIntervalMinutes: 15, requestsPerPush: 1 })).toEqual({ burstLimit: 800, rateLimit: 14, dailyQuota: 400 * 96 * 2 });
    expect(pushLimits({ sensors: 3, pushIntervalMinutes: 60, requestsPerPush: 2 })).toEqual({ burstLimit: 12, rateLimit: 1, dailyQuota: 3 * 2 * 24 * 2 });
    for (const envName of ['dev', 'prod'] as const) {
      const s = envName === 'dev' ? dev : prod();
      const plans = Object.values(resourcesOf(s.templates.pipeline, 'AWS::ApiGateway::UsagePlan')).map((p) => p.Properties as { UsagePlanName: string; Throttle: { RateLimit: number; BurstLimit: number }; Quota: { Limit: number } });
      let rate = 0;
      let burst = 0;
      for (const n of s.config.ingest.pushNetworks) {
        const plan = defined(plans.find((p) => p.UsagePlanName.endsWith(`-${n.id}`)), `the usage plan of ${n.id}`);
        // a quarter-hour tick of the whole fleet passes without a 429
        expect(plan.Throttle.BurstLimit, n.id).toBeGreaterThanOrEqual(n.sensors * n.requestsPerPush);
        expect(plan.Quota.Limit, n.id).toBeGreaterThanOrEqual(n.sensors * n.requestsPerPush * (1440 / n.pushIntervalMinutes));
        rate += plan.Throttle.RateLimit;
        burst += plan.Throttle.BurstLimit;
      }
      const [stage] = Object.values(resourcesOf(s.templates.pipeline, 'AWS::ApiGateway::Stage'));
      expect((stage?.Properties?.MethodSettings as { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }[])[0]).toMatchObject({ ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst });
    }
    // the scenario of docs/deploy.md: 500 sensors every 15 minutes in prod
    expect(loadConfig('prod').ingest.pushNetworks.reduce((t, n) => t + n.sensors, 0)).toBe(500);
  });
});

describe('push API: keys, logs and firewall', () => {
  it('has one key per network, tells the handler which key is which network, and writes no key value anywhere', () => {
    const networks = dev.config.ingest.pushNetworks;
    expect(Object.keys(resourcesOf(dev.templates.pipeline, 'AWS::ApiGateway::ApiKey'))).toHaveLength(networks.length);
    const [, fn] = defined(Object.entries(resourcesOf(dev.templates.pipeline, 'AWS::Lambda::Function')).find(([, f]) => text(f.Properties?.Environment).includes('PUSH_NETWORKS')), 'a function with PUSH_NETWORKS');
    const env = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(text(env.PUSH_NETWORKS)).toContain(logicalId(dev.templates.pipeline, 'AWS::ApiGateway::ApiKey', 'PushApiKey'));
    for (const k of Object.values(resourcesOf(dev.templates.pipeline, 'AWS::ApiGateway::ApiKey'))) expect(k.Properties?.Value).toBeUndefined();
    const paths = Object.values(resourcesOf(dev.templates.pipeline, 'AWS::ApiGateway::Resource')).map((r) => r.Properties?.PathPart);
    expect(paths).toEqual(['api', 'v1', 'noise']);
  });

  it('logs access; a WAF is attached in prod only; no function reserves concurrency in prod (a new account may have 10)', () => {
    dev.templates.pipeline.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: {} });
    expect(dev.templates.pipeline.findResources('AWS::WAFv2::WebACLAssociation')).toEqual({});
    expect(Object.keys(prod().templates.pipeline.findResources('AWS::WAFv2::WebACLAssociation'))).toHaveLength(1);
    for (const [id, fn] of Object.entries(resourcesOf(prod().templates.pipeline, 'AWS::Lambda::Function'))) expect(fn.Properties?.ReservedConcurrentExecutions, id).toBeUndefined();
  });
});
