import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { STAGES } from '../functions/lib/stages/registry.ts';

// Configuration of one deployment environment (dev, prod): infra/config/<env>.json, overridable from
// the CDK context, validated here at synth time. A bad value fails `cdk synth` naming the field.

const CONFIG_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'config');

const days = z.number().int().positive();
const scheduleExpression = z
  .string()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\)|at\(.+\))$/, {
    message: 'expected an EventBridge Scheduler expression: rate(…), cron(…) or at(…)',
  });

const functionSettings = z.strictObject({
  memoryMb: z.number().int().min(128).max(10240).default(1769),
  timeoutSeconds: z.number().int().min(1).max(900).default(300),
  /** /tmp size: stages move Parquet through it */
  ephemeralStorageMb: z.number().int().min(512).max(10240).default(1024),
  /**
   * caps concurrent executions; unset (the default): the account's unreserved pool. Reserving needs
   * functions.accountConcurrency, since Lambda keeps 100 executions unreserved.
   */
  reservedConcurrency: z.number().int().min(1).optional(),
});

const pushNetwork = z.strictObject({
  /** the network's id, recorded in the origin of every reading it pushes */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, { message: 'expected a lower-case id (letters, digits, dashes)' }),
  /** sensors (or gateways) that push on their own; the usage plan's rate, burst and quota follow from the fleet */
  sensors: z.number().int().positive().max(100_000),
  /** minutes between two pushes of one sensor; sensors push on the same tick (the quarter hour) */
  pushIntervalMinutes: z.number().int().min(1).max(1440),
  /** requests one sensor sends per push (a large backlog is split into batches under MAX_PUSH_BYTES) */
  requestsPerPush: z.number().int().min(1).max(100).default(1),
});

/** the deployed functions that are not stages */
export const INGEST_FUNCTIONS = ['ingest-push', 'ingest-file'] as const;

export const configSchema = z
  .strictObject({
    envName: z.enum(['dev', 'prod']),
    /** 12-digit account; unset: the account of the deploying credentials */
    account: z.string().regex(/^\d{12}$/, { message: 'expected a 12-digit AWS account id' }).optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'expected an AWS region, e.g. eu-west-3' }),
    /** prefix of stack names and named resources */
    project: z.string().regex(/^[a-z][a-z0-9-]{2,20}$/).default('observatory'),
    /** keep buckets, the catalog's data and secrets when a stack is deleted (the default) */
    retainData: z.boolean().default(true),
    /**
     * the resources a deleted stack retained under fixed names (the Glue database) exist: use them
     * instead of creating them (docs/deploy.md, "Redeploying after cdk destroy")
     */
    adoptRetained: z.boolean().default(false),
    storage: z.strictObject({
      rawInfrequentAccessAfterDays: days.min(30, { message: 'S3 moves objects to STANDARD_IA after 30 days at the earliest' }),
      rawArchiveAfterDays: days,
      /** noncurrent versions of raw objects (overwritten or deleted) are kept this long */
      rawNoncurrentVersionDays: days,
      /** files dropped under incoming/ are ingested at once; the copy in raw/ is the record */
      incomingExpireDays: days,
      accessLogsExpireDays: days,
      athenaResultsExpireDays: days,
    }),
    athena: z.strictObject({
      /** per query; Athena's minimum is 10 MB */
      bytesScannedCutoffPerQuery: z.number().int().min(10_000_000, { message: 'Athena refuses a cutoff below 10 MB (10000000 bytes)' }),
    }),
    researchers: z.strictObject({
      /** IAM principals (ARNs) allowed to assume the researcher role; empty: the account's own principals */
      principalArns: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(root|role\/.+|user\/.+)$/, { message: 'expected an IAM role, user or root ARN' })).default([]),
    }),
    functions: z.strictObject({
      defaults: functionSettings.default(functionSettings.parse({})),
      /** per function: a stage name or ingest-push / ingest-file */
      overrides: z.record(z.string(), functionSettings.partial()).default({}),
      logRetentionDays: z.union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(365)]),
      /** the account's Lambda concurrent-executions quota (Service Quotas, L-B99A9384); needed to reserve any */
      accountConcurrency: z.number().int().min(10).optional(),
    }),
    pipeline: z.strictObject({
      /** when the whole pipeline (every stage, in order) runs; the stages' own schedules come from STAGES */
      schedule: scheduleExpression,
      timezone: z.string().default('Europe/Paris'),
      /** false: schedules are created disabled */
      schedulesEnabled: z.boolean(),
      timeoutMinutes: z.number().int().min(1).max(24 * 60),
    }),
    ingest: z.strictObject({
      pushNetworks: z.array(pushNetwork).min(1, { message: 'at least one sensor network is needed for the push API' }),
      /** attach a WAF web ACL (rate limit per IP, AWS IP reputation list) to the push API */
      waf: z.boolean(),
    }),
    monitoring: z.strictObject({
      /** alarm e-mails; unset: the topic has no subscriber yet */
      alarmEmail: z.email().optional(),
      /** ALARM when no reading was curated for this long */
      freshnessHours: z.number().int().min(1).max(24),
    }),
    site: z.strictObject({
      priceClass: z.enum(['PriceClass_100', 'PriceClass_200', 'PriceClass_All']),
      /** seconds: data files (/data/*) change after every indicator run */
      dataTtlSeconds: z.number().int().min(0).max(3600),
      /** seconds: pages (everything that is neither data nor a hashed asset) */
      pageTtlSeconds: z.number().int().min(0).max(86_400),
      /** a custom domain needs an ACM certificate in us-east-1 */
      domainName: z.string().optional(),
      certificateArn: z.string().regex(/^arn:aws:acm:us-east-1:\d{12}:certificate\/.+$/, { message: 'expected an ACM certificate ARN in us-east-1' }).optional(),
    }),
  })
  .superRefine((c, ctx) => {
    if (c.storage.rawArchiveAfterDays < c.storage.rawInfrequentAccessAfterDays + 30) {
      ctx.addIssue({
        code: 'custom',
        path: ['storage', 'rawArchiveAfterDays'],
        message: `must be at least 30 days after rawInfrequentAccessAfterDays (${c.storage.rawInfrequentAccessAfterDays}): S3 keeps objects 30 days in STANDARD_IA before archiving`,
      });
    }
    if (Boolean(c.site.domainName) !== Boolean(c.site.certificateArn)) {
      ctx.addIssue({ code: 'custom', path: ['site'], message: 'domainName and certificateArn go together: set both or neither' });
    }
    const functions = [...STAGES.map((st) => st.name), ...INGEST_FUNCTIONS];
    reservedConcurrencyIssue(c, functions, ctx);
    for (const name of Object.keys(c.functions.overrides)) {
      if (!functions.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['functions', 'overrides', name], message: `no function is called "${name}": expected one of ${functions.join(', ')}` });
      }
    }
    const ids = c.ingest.pushNetworks.map((n) => n.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice) ctx.addIssue({ code: 'custom', path: ['ingest', 'pushNetworks'], message: `network "${twice}" is declared twice` });
  });

/** Lambda refuses a reservation that leaves fewer unreserved concurrent executions than this */
export const LAMBDA_UNRESERVED_MINIMUM = 100;

type Issues = { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void };
type ParsedConfig = { functions: { defaults: { reservedConcurrency?: number }; overrides: Record<string, { reservedConcurrency?: number }>; accountConcurrency?: number } };

function reservedConcurrencyIssue(c: ParsedConfig, functions: readonly string[], ctx: Issues): void {
  const reserved = functions.map((name) => c.functions.overrides[name]?.reservedConcurrency ?? c.functions.defaults.reservedConcurrency ?? 0);
  const total = reserved.reduce((a, b) => a + b, 0);
  if (total === 0) return;
  const quota = c.functions.accountConcurrency;
  if (quota === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['functions', 'accountConcurrency'],
      message: `is needed when functions reserve concurrency (${total} in all): set it to the account's "Concurrent executions" quota (Service Quotas, AWS Lambda) so the reservation can be checked`,
    });
  } else if (quota - total < LAMBDA_UNRESERVED_MINIMUM) {
    ctx.addIssue({
      code: 'custom',
      path: ['functions', 'accountConcurrency'],
      message: `${quota} leaves ${quota - total} unreserved after the ${total} reserved executions; Lambda keeps at least ${LAMBDA_UNRESERVED_MINIMUM}: reserve less or raise the quota`,
    });
  }
}

export type ObservatoryConfig = z.infer<typeof configSchema>;
export type FunctionSettings = z.infer<typeof functionSettings>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** validates a configuration object; the error lists every bad field with its path */
export function parseConfig(raw: unknown, source: string): ObservatoryConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid observatory configuration (${source}):\n${lines.join('\n')}`);
}

export const ENVIRONMENTS = ['dev', 'prod'] as const;

/**
 * The configuration of `envName`: infra/config/<env>.json, then `overrides` (from `-c config=<json>`)
 * merged on top, field by field.
 */
export function loadConfig(envName: string, overrides: Record<string, unknown> = {}): ObservatoryConfig {
  if (!(ENVIRONMENTS as readonly string[]).includes(envName)) {
    throw new ConfigError(`unknown environment "${envName}": expected one of ${ENVIRONMENTS.join(', ')} (cdk synth -c env=dev)`);
  }
  const file = path.join(CONFIG_DIR, `${envName}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read ${path.relative(process.cwd(), file)}: ${(e as Error).message}`);
  }
  return parseConfig(deepMerge(raw, overrides), `${path.relative(process.cwd(), file)}${Object.keys(overrides).length ? ' + context overrides' : ''}`);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * settings of one function: a stage's limits come from the stage registry, the other functions' from
 * the defaults; the environment's override for that function is applied on top
 */
export function functionSettingsOf(config: ObservatoryConfig, name: string): FunctionSettings {
  const stage = STAGES.find((s) => s.name === name);
  const base = stage
    ? { ...config.functions.defaults, memoryMb: stage.limits.memoryMb, timeoutSeconds: stage.limits.timeoutS, ephemeralStorageMb: stage.limits.ephemeralStorageMb }
    : config.functions.defaults;
  return { ...base, ...config.functions.overrides[name] };
}
