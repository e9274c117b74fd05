import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsYearly,
  noiseReadings,
  partitionOf,
  type DatasetDeclaration,
} from '../../functions/lib/datasets/index.ts';
import { datasetFileKey } from '../../functions/lib/lake/layout.ts';
import { writeDataset } from '../../functions/lib/lake/write.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { noiseIndicators } from '../../functions/lib/stages/noise-indicators.ts';
import { observatory } from '../support/cli.ts';
import { tempLake } from '../support/lake.ts';

// `observatory run --from --to` against a clean full run: the readings of some days change behind the
// change log's back (as a migration or a restore would); the backfill of a range recomputes exactly the
// range's days — row for row what a clean run over the new readings gives — and leaves the others alone.

const SENSORS = [
  { sensor_id: 'paris-1', commune_insee: '75056' },
  { sensor_id: 'montreuil-1', commune_insee: '93048' },
];
const DAYS = ['2024-12-31', '2025-06-29', '2025-06-30', '2025-07-01', '2025-07-02'];
const RANGE = { from: '2025-06-30', to: '2025-07-01' };
/** days whose readings change behind the change log: two in the range, one outside it (another year) */
const ALTERED = ['2024-12-31', '2025-06-30', '2025-07-01'];
const DAILY_OUTPUTS = [noiseIndicatorsHourly, noiseIndicatorsDaily, noiseIndicatorsCommuneDaily];

type Lake = Awaited<ReturnType<typeof tempLake>>;

function readingsOf(day: string, shift: number) {
  return SENSORS.flatMap((s, k) =>
    Array.from({ length: 96 }, (_, q) => {
      const from = new Date(Date.parse(`${day}T00:00:00+02:00`) + q * 900_000);
      return {
        ...s,
        ts_from: from,
        ts_to: new Date(from.getTime() + 900_000),
        laeq: 42 + k * 6 + (q % 24) / 3 + shift,
        lamax: 80,
        las: null,
        source_kind: 'noise-fiware',
        raw_key: `raw/noise-fiware/aa/${day}.json`,
        record: q,
        received_at: new Date(`${day}T23:00:00Z`),
      };
    }),
  );
}

async function writeReadings(lake: Lake, altered: readonly string[]): Promise<void> {
  for (const day of DAYS) await writeDataset(lake, noiseReadings, readingsOf(day, altered.includes(day) ? 7 : 0), datasetFileKey(noiseReadings, 'part', day));
}

/**
 * a table's rows in key order, doubles to 12 significant digits: DuckDB's parallel sums may add in
 * another order from one run to the next (a last-bit difference), which says nothing about the backfill
 */
async function rows(lake: Lake, d: DatasetDeclaration, where = ''): Promise<Record<string, unknown>[]> {
  await lake.lake.attach([d]);
  const result = await lake.lake.all(`SELECT * FROM ${d.name} ${where} ORDER BY ${d.key!.join(', ')}`);
  return result.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v])));
}

/** the Paris day of a row: the day column of a dataset partitioned by month, else its dt */
const dayOf = (d: DatasetDeclaration) => (d.dayColumn ? `strftime(${d.dayColumn}, '%Y-%m-%d')` : 'dt');
const IN_RANGE = (d: DatasetDeclaration) => `WHERE ${dayOf(d)} BETWEEN '${RANGE.from}' AND '${RANGE.to}'`;
const OUTSIDE = (d: DatasetDeclaration) => `WHERE ${dayOf(d)} NOT BETWEEN '${RANGE.from}' AND '${RANGE.to}'`;

describe('observatory run --from --to (backfill)', () => {
  let clean: Lake;
  let lake: Lake;
  const before: Record<string, { inRange: unknown[]; outside: unknown[]; yearly2024?: unknown[] }> = {};
  let report: { plan: { years: { year: number; chunks: { from: string; to: string }[] }[]; consumers: string[] }; stages: { stage: string; range?: { from: string; to: string } }[] };

  beforeAll(async () => {
    // the clean run: indicators computed once over the altered readings
    clean = await tempLake();
    await writeReadings(clean, ALTERED);
    await noiseIndicators(clean);
    // the backfilled lake: indicators of the original readings, then the readings change unannounced
    lake = await tempLake();
    await writeReadings(lake, []);
    await noiseIndicators(lake);
    for (const d of DAILY_OUTPUTS) before[d.name] = { inRange: await rows(lake, d, IN_RANGE(d)), outside: await rows(lake, d, OUTSIDE(d)) };
    before[noiseIndicatorsYearly.name] = { inRange: [], outside: [], yearly2024: await rows(lake, noiseIndicatorsYearly, 'WHERE year = 2024') };
    await writeReadings(lake, ALTERED);
    const r = await observatory(['--lake', lake.dir, 'run', '--from', RANGE.from, '--to', RANGE.to, '--format', 'json'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    report = JSON.parse(r.stdout) as typeof report;
  }, 300_000);
  afterAll(async () => Promise.all([clean?.cleanup(), lake?.cleanup()]));

  it('runs noise-indicators once per chunk (a month at most), then its consumers once', () => {
    const chunks = report.plan.years.flatMap((y) => y.chunks);
    expect(chunks).toEqual([
      { from: '2025-06-30', to: '2025-06-30', bytes: expect.any(Number) as unknown },
      { from: '2025-07-01', to: '2025-07-01', bytes: expect.any(Number) as unknown },
    ]);
    const ranged = report.stages.filter((s) => s.stage === 'noise-indicators');
    expect(ranged.map((s) => s.range)).toEqual([{ from: '2025-06-30', to: '2025-06-30' }, { from: '2025-07-01', to: '2025-07-01' }]);
    expect(report.plan.consumers).toContain('publish-site');
    expect(report.stages.slice(ranged.length).map((s) => s.stage)).toEqual(report.plan.consumers);
  });

  it('the range’s days equal a clean run row by row', async () => {
    for (const d of DAILY_OUTPUTS) {
      const got = await rows(lake, d, IN_RANGE(d));
      expect(got.length, d.name).toBeGreaterThan(0);
      expect(got, d.name).toEqual(await rows(clean, d, IN_RANGE(d)));
      // and differ from what was there: the backfill did recompute them
      expect(got, d.name).not.toEqual(before[d.name]!.inRange);
    }
    // the range's year: its other days' stored hourly rows are unchanged, so the yearly rows equal the clean run's
    expect(await rows(lake, noiseIndicatorsYearly, 'WHERE year = 2025')).toEqual(await rows(clean, noiseIndicatorsYearly, 'WHERE year = 2025'));
  });

  it('days outside the range keep their indicators, even the one whose readings changed', async () => {
    for (const d of DAILY_OUTPUTS) expect(await rows(lake, d, OUTSIDE(d)), d.name).toEqual(before[d.name]!.outside);
    // the altered day of 2024 was not recomputed: it still differs from the clean run, and so does its year
    const altered = `WHERE ${dayOf(noiseIndicatorsDaily)} = '2024-12-31'`;
    expect(await rows(lake, noiseIndicatorsDaily, altered)).not.toEqual(await rows(clean, noiseIndicatorsDaily, altered));
    expect(await rows(lake, noiseIndicatorsYearly, 'WHERE year = 2024')).toEqual(before[noiseIndicatorsYearly.name]!.yearly2024);
    // no indicator file was written for a partition the readings do not hold
    const keys = (await listKeys(lake.store, `${noiseIndicatorsDaily.prefix}/`)).map((o) => o.key);
    expect(keys).toHaveLength(new Set(DAYS.map((day) => partitionOf(noiseIndicatorsDaily, day))).size);
  });

  it('leaves the change log and the state alone: the next incremental run has nothing to do', async () => {
    const next = await noiseIndicators(lake);
    expect(next.fullReason).toBeNull();
    expect(next.dts).toEqual([]);
  });

  it('refuses, with exit 2 and one line, --schedule with a range, half a range, a reversed range and a non-date', async () => {
    for (const [args, message] of [
      [['--schedule', 'hourly', '--from', '2025-06-30', '--to', '2025-07-01'], /exclude each other/],
      [['--from', '2025-06-30'], /needs both --from and --to/],
      [['--from', '2025-07-02', '--to', '2025-07-01'], /--from 2025-07-02 is after --to 2025-07-01/],
      [['--from', '2025-02-30', '--to', '2025-03-01'], /--from: "2025-02-30" is not a calendar date/],
    ] as const) {
      const r = await observatory(['--lake', lake.dir, 'run', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
