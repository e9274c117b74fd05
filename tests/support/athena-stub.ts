import type { Lake } from '../../functions/lib/ports/lake.ts';
import { trinoSyntaxErrors } from './trino.ts';

// A stand-in for the Athena service behind the real SDK command objects: it parses the SQL with a
// real Trino grammar and fails what Trino would not parse (as Athena does, SYNTAX_ERROR), then runs it
// on DuckDB and answers in Athena's wire shapes (every value as text, a header row, NextToken paging,
// QUEUED/RUNNING states before SUCCEEDED, FAILED with StateChangeReason). No AWS account exists here.

/**
 * The Trino functions toAthena() writes, as DuckDB macros, so that the stand-in's DuckDB runs the
 * rewritten SQL. Test code only: nothing sent to the real service goes through these.
 */
export const TRINO_FUNCTIONS_ON_DUCKDB: readonly string[] = [
  'CREATE OR REPLACE MACRO to_unixtime(t) AS epoch(t)',
  'CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  'CREATE OR REPLACE MACRO approx_percentile(x, p) AS quantile_cont(x, p)',
  'CREATE OR REPLACE MACRO array_join(l, s) AS array_to_string(l, s)',
  // Trino's date_format takes MySQL specifiers; back to strftime's, in an order where no replacement
  // feeds a later one (%M before %i)
  "CREATE OR REPLACE MACRO date_format(t, f) AS strftime(t, replace(replace(replace(replace(replace(f, '%M', '%B'), '%W', '%A'), '%h', '%I'), '%i', '%M'), '%s', '%S'))",
];

interface Execution {
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  polls: number;
  columns: { name: string; type: string }[];
  rows: (string | undefined)[][];
  error?: string;
}

const ATHENA_TYPE: Record<string, string> = {
  INTEGER: 'integer',
  BIGINT: 'bigint',
  DOUBLE: 'double',
  BOOLEAN: 'boolean',
  DATE: 'date',
  VARCHAR: 'varchar',
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
  TIMESTAMP: 'timestamp',
};

function athenaText(v: unknown, type: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) {
    const iso = v.toISOString();
    return type === 'date' ? iso.slice(0, 10) : iso.replace('T', ' ').replace('Z', '');
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v.toString();
  return JSON.stringify(v);
}

export class AthenaStub {
  readonly calls: { command: string; input: Record<string, unknown> }[] = [];
  private readonly executions = new Map<string, Execution>();
  private next = 0;

  constructor(
    private readonly duck: Pick<Lake, 'readOnly'>,
    private readonly options: { pollsBeforeDone?: number; pageSize?: number; bytesScanned?: number } = {},
  ) {}

  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<Record<string, unknown>> {
    const name = command.constructor.name;
    this.calls.push({ command: name, input: command.input });
    switch (name) {
      case 'StartQueryExecutionCommand': {
        const id = `q-${++this.next}`;
        const exec: Execution = { state: 'QUEUED', polls: 0, columns: [], rows: [] };
        const syntax = trinoSyntaxErrors(String(command.input.QueryString));
        if (syntax.length) {
          exec.error = `SYNTAX_ERROR: ${syntax[0]}`;
          this.executions.set(id, exec);
          return { QueryExecutionId: id };
        }
        try {
          const r = await this.duck.readOnly(String(command.input.QueryString));
          exec.columns = r.columns.map((c) => ({ name: c.name, type: ATHENA_TYPE[c.type] ?? 'varchar' }));
          exec.rows = r.rows.map((row) => exec.columns.map((c) => athenaText(row[c.name], c.type)));
        } catch (e) {
          exec.error = `SYNTAX_ERROR: ${(e as Error).message.split('\n')[0]}`;
        }
        this.executions.set(id, exec);
        return { QueryExecutionId: id };
      }
      case 'GetQueryExecutionCommand': {
        const exec = this.executions.get(String(command.input.QueryExecutionId))!;
        exec.polls++;
        if (exec.polls > (this.options.pollsBeforeDone ?? 2)) exec.state = exec.error ? 'FAILED' : 'SUCCEEDED';
        else exec.state = exec.polls === 1 ? 'QUEUED' : 'RUNNING';
        return {
          QueryExecution: {
            Status: { State: exec.state, ...(exec.state === 'FAILED' ? { StateChangeReason: exec.error } : {}) },
            Statistics: { DataScannedInBytes: this.options.bytesScanned ?? 12345, EngineExecutionTimeInMillis: 42 },
          },
        };
      }
      case 'GetQueryResultsCommand': {
        const exec = this.executions.get(String(command.input.QueryExecutionId))!;
        if (exec.state !== 'SUCCEEDED') throw new Error(`InvalidRequestException: Query has not yet finished. Current state: ${exec.state}`);
        const pageSize = Math.min(Number(command.input.MaxResults ?? 1000), this.options.pageSize ?? 1000);
        const offset = command.input.NextToken ? Number(command.input.NextToken) : 0;
        const header = offset === 0 ? [{ Data: exec.columns.map((c) => ({ VarCharValue: c.name })) }] : [];
        const body = exec.rows.slice(offset, offset + pageSize - header.length).map((r) => ({ Data: r.map((v) => (v === undefined ? {} : { VarCharValue: v })) }));
        const consumed = offset + body.length;
        return {
          ResultSet: {
            ResultSetMetadata: { ColumnInfo: exec.columns.map((c) => ({ Name: c.name, Label: c.name, Type: c.type })) },
            Rows: [...header, ...body],
          },
          NextToken: consumed < exec.rows.length ? String(consumed) : undefined,
        };
      }
      default:
        throw new Error(`the Athena stub does not implement ${name}`);
    }
  }
}
