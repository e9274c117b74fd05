import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type ColumnInfo,
  type GetQueryResultsCommandOutput,
  type QueryExecutionStatus,
} from '@aws-sdk/client-athena';
import type { QueryResult } from './duckdb.ts';

// Athena: researchers' SQL on AWS, over the Glue tables generated from the same dataset declarations.

export interface AthenaSettings {
  readonly workgroup: string;
  readonly database: string;
  /** s3://… where results go; optional when the workgroup enforces its own */
  readonly outputLocation?: string;
  readonly region?: string;
  /** polling interval bounds, ms */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
  /** give up waiting after this long */
  readonly timeoutMs?: number;
}

export interface AthenaQueryResult extends QueryResult {
  readonly queryExecutionId: string;
  readonly bytesScanned: number;
  readonly engineMs?: number;
}

type Sender = Pick<AthenaClient, 'send'>;

export class AthenaQueryError extends Error {
  constructor(
    message: string,
    readonly queryExecutionId: string | undefined,
    readonly state: string,
  ) {
    super(message);
    this.name = 'AthenaQueryError';
  }
}

/** reads Athena settings from the environment (OBSERVATORY_ATHENA_*), overridden by explicit values */
export function athenaSettingsFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<AthenaSettings> = {}): AthenaSettings {
  const workgroup = overrides.workgroup ?? env.OBSERVATORY_ATHENA_WORKGROUP;
  const database = overrides.database ?? env.OBSERVATORY_ATHENA_DATABASE;
  const missing = [!workgroup && 'OBSERVATORY_ATHENA_WORKGROUP (--workgroup)', !database && 'OBSERVATORY_ATHENA_DATABASE (--database)'].filter(Boolean);
  if (missing.length) throw new Error(`Athena needs ${missing.join(' and ')}`);
  return {
    workgroup: workgroup!,
    database: database!,
    outputLocation: overrides.outputLocation ?? env.OBSERVATORY_ATHENA_OUTPUT,
    region: overrides.region ?? env.AWS_REGION ?? 'eu-west-3',
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class AthenaEngine {
  private readonly client: Sender;

  constructor(
    readonly settings: AthenaSettings,
    client?: Sender,
  ) {
    this.client = client ?? new AthenaClient({ region: settings.region });
  }

  async query(sql: string): Promise<AthenaQueryResult> {
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.settings.workgroup,
        QueryExecutionContext: { Database: this.settings.database },
        ...(this.settings.outputLocation ? { ResultConfiguration: { OutputLocation: this.settings.outputLocation } } : {}),
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new AthenaQueryError('Athena did not return a query execution id', undefined, 'UNKNOWN');
    const execution = await this.waitFor(id);
    const columns: ColumnInfo[] = [];
    const rows: Record<string, unknown>[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page: GetQueryResultsCommandOutput = await this.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }));
      if (first) columns.push(...(page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []));
      const data = page.ResultSet?.Rows ?? [];
      // the first row of the first page of a SELECT repeats the column names
      const start = first && data.length && data[0]!.Data?.every((d, i) => d.VarCharValue === columns[i]?.Label) ? 1 : 0;
      for (const row of data.slice(start)) {
        rows.push(Object.fromEntries(columns.map((c, i) => [c.Label ?? c.Name!, decodeAthenaValue(row.Data?.[i]?.VarCharValue, c.Type)])));
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return {
      queryExecutionId: id,
      columns: columns.map((c) => ({ name: c.Label ?? c.Name!, type: athenaTypeToDuck(c.Type) })),
      rows,
      bytesScanned: execution.bytesScanned,
      engineMs: execution.engineMs,
    };
  }

  private async waitFor(id: string): Promise<{ bytesScanned: number; engineMs?: number }> {
    const min = this.settings.pollMinMs ?? 200;
    const max = this.settings.pollMaxMs ?? 2000;
    const deadline = Date.now() + (this.settings.timeoutMs ?? 10 * 60_000);
    for (let wait = min; ; wait = Math.min(max, wait * 2)) {
      const r = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = r.QueryExecution?.Status?.State ?? 'UNKNOWN';
      const stats = r.QueryExecution?.Statistics;
      if (state === 'SUCCEEDED') return { bytesScanned: stats?.DataScannedInBytes ?? 0, engineMs: stats?.EngineExecutionTimeInMillis };
      if (state === 'FAILED' || state === 'CANCELLED') throw failedQuery(id, state, r.QueryExecution?.Status);
      if (Date.now() > deadline) throw new AthenaQueryError(`Athena query ${id} still ${state} after the timeout`, id, state);
      await sleep(wait);
    }
  }
}

/** a query Athena failed or cancelled, with its reason */
function failedQuery(id: string, state: string, status: QueryExecutionStatus | undefined): AthenaQueryError {
  const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage ?? 'no reason given';
  return new AthenaQueryError(`Athena query ${id} ${state.toLowerCase()}: ${reason}`, id, state);
}

/** Athena returns every value as text; the column type says how to read it back */
export function decodeAthenaValue(text: string | undefined, type: string | undefined): unknown {
  if (text === undefined) return null;
  switch ((type ?? 'varchar').toLowerCase()) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
      return Number.parseInt(text, 10);
    case 'bigint':
      return BigInt(text);
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return text === 'NaN' ? Number.NaN : text === 'Infinity' ? Infinity : text === '-Infinity' ? -Infinity : Number(text);
    case 'boolean':
      return text === 'true';
    case 'date':
      return new Date(`${text}T00:00:00Z`);
    case 'timestamp':
    case 'timestamp with time zone': {
      // "2025-06-02 10:00:00.000" (UTC) or "… UTC"
      const iso = text.replace(' UTC', '').replace(' ', 'T');
      return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
    }
    default:
      return text;
  }
}

function athenaTypeToDuck(type: string | undefined): string {
  const t = (type ?? 'varchar').toLowerCase();
  return (
    {
      integer: 'INTEGER',
      bigint: 'BIGINT',
      double: 'DOUBLE',
      boolean: 'BOOLEAN',
      date: 'DATE',
      timestamp: 'TIMESTAMP WITH TIME ZONE',
      varchar: 'VARCHAR',
    } as Record<string, string>
  )[t] ?? t.toUpperCase();
}
