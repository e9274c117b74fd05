import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseIndicatorsDaily, noiseReadings } from '../../functions/lib/datasets/index.ts';
import { simulateNoiseNetwork } from '../../functions/lib/demo/index.ts';
import { WHO_2018 } from '../../functions/lib/domain/noise/thresholds.ts';
import { localDayBounds } from '../../functions/lib/domain/time/paris.ts';
import { markDemo } from '../../functions/lib/lake/manifest.ts';
import type { CommuneJson } from '../../functions/lib/publish/contract.ts';
import { SITE_PREFIX } from '../../functions/lib/lake/layout.ts';
import { publishCommunes } from '../../functions/lib/stages/communes.ts';
import { ingestNoise } from '../../functions/lib/stages/ingest-noise.ts';
import { noiseIndicators } from '../../functions/lib/stages/noise-indicators.ts';
import { refreshSensors } from '../../functions/lib/stages/sensors.ts';
import { publishSite } from '../../functions/lib/stages/publish-site.ts';
import { lakeStatus } from '../../functions/lib/stages/status.ts';
import { tempLake } from '../support/lake.ts';
import { observatoryInProcess } from '../notebooks/in-process.ts';

// Issue 22 "Done when": the demo network plus a stuck, a spiking and a drifting sensor in Saint-Denis.
// Each faulty sensor is quiet (nights about 38 dB(A), under the WHO guideline) so that its faulty
// readings alone would raise a noisy-night alert; the quality control must keep them out of every
// indicator and alert, and show them in noise_readings, in status and on the commune page.

const START = '2025-10-20';
const DAYS = 10;
const STEP_S = 900;
const NOW = new Date('2025-10-30T23:30:00Z');
const SAINT_DENIS = { insee: '93066', lon: 2.36, lat: 48.935 };

type Lake = Awaited<ReturnType<typeof tempLake>>;

/** a quiet street: about 50 dB(A) by day, 38 at night, never the same value twice in a row */
function quiet(t: number, i: number): number {
  const hour = Number(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: 'Europe/Paris' }).format(t));
  const base = hour >= 22 || hour < 6 ? 38 : 50;
  return base + ((i * 7) % 13) / 10;
}

interface Faulty {
  readonly id: string;
  readonly name: string;
  /** LAeq, LAmax, LAS of reading i at t, given the quiet level */
  readonly reading: (t: number, i: number, quietLevel: number) => [number, number, number];
}

const dayStart = (d: number) => localDayBounds(new Date(Date.parse(`${START}T12:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10)).start;
const STUCK_FROM = dayStart(4) + 8 * 3_600_000;
const STUCK_TO = STUCK_FROM + 36 * 3_600_000;
const DRIFT_FROM = dayStart(7);
/** 02:00 local on each of the first nights: an isolated reading 45 dB above the street */
const SPIKES = [1, 2, 3, 5, 8].map((d) => dayStart(d) + 2 * 3_600_000);

const FAULTY: Faulty[] = [
  { id: 'qc-stuck', name: 'Saint-Denis — capteur figé', reading: (t, _i, q) => (t >= STUCK_FROM && t < STUCK_TO ? [62, 70, 61] : [q, q + 8, q - 1]) },
  { id: 'qc-spiky', name: 'Saint-Denis — capteur parasité', reading: (t, _i, q) => (SPIKES.includes(t) ? [q + 45, q + 50, q + 44] : [q, q + 8, q - 1]) },
  { id: 'qc-drifting', name: 'Saint-Denis — capteur déréglé', reading: (t, _i, q) => (t >= DRIFT_FROM ? [q + 15, q + 23, q + 14] : [q, q + 8, q - 1]) },
];

function faultyCsv(f: Faulty): Buffer {
  const lines = ['timestamp,LAeq,LAmax,LAS'];
  const from = dayStart(0);
  const to = dayStart(DAYS);
  for (let t = from, i = 0; t < to; t += STEP_S * 1000, i++) {
    const levels = f.reading(t, i, quiet(t, i)).map((v) => v.toFixed(1));
    lines.push(`${new Date(t).toISOString()},${levels.join(',')}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/** the demo network plus the faulty sensors, ingested, their indicators computed and the site published */
class QcDemoSubject {
  constructor(readonly lake: Lake) {}

  static async build(): Promise<QcDemoSubject> {
    const lake = await tempLake({ now: NOW });
    await publishCommunes(lake);
    await markDemo(lake.store, 'Simulated demo data for the tests — not measurements.', {}, NOW);
    const network = simulateNoiseNetwork({ start: START, days: DAYS, sensorsPerCommune: (c) => (c.commune_insee === SAINT_DENIS.insee ? 3 : 0) });
    for (const f of network) {
      const csv = f.kind === 'noise-csv' ? { sensorId: f.options?.sensorId ?? '', lon: f.options?.lon, lat: f.options?.lat, tz: f.options?.tz } : undefined;
      await ingestNoise(lake, { sourceKind: f.kind, bytes: f.bytes, origin: f.name, demo: true, csv });
    }
    for (const f of FAULTY) {
      await ingestNoise(lake, { sourceKind: 'noise-csv', bytes: faultyCsv(f), origin: `${f.id}.csv`, demo: true, csv: { sensorId: f.id, name: f.name, lon: SAINT_DENIS.lon, lat: SAINT_DENIS.lat } });
    }
    await refreshSensors(lake);
    await noiseIndicators(lake);
    await publishSite(lake);
    return new QcDemoSubject(lake);
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.lake.lake.all(sql)).rows;
  }

  /** the faulty sensors' rows of Saint-Denis's noise sensors table, and its alerts, as published */
  async communePage(): Promise<{ rows: Record<string, unknown>[]; alerts: string }> {
    const c = JSON.parse((await this.lake.store.get(`${SITE_PREFIX}/data/communes/${SAINT_DENIS.insee}.json`)).toString('utf8')) as CommuneJson;
    const table = c.sections.find((s) => s.id === 'noise')?.tables.find((t) => t.id === 'noise-sensors');
    if (!table) throw new Error(`no noise-sensors table on the page of ${SAINT_DENIS.insee}`);
    return { rows: table.rows as Record<string, unknown>[], alerts: JSON.stringify(c.alerts) };
  }
}

/** the number of readings the faulty sensors' faults cover: the stuck run, the spikes, the drifted days */
const FLAGGED = (36 * 3600) / STEP_S + SPIKES.length + (3 * 86_400) / STEP_S;

function field(rows: Record<string, Record<string, unknown>>, key: string, column: string): unknown {
  const row = rows[key];
  if (!row) throw new Error(`no row ${key} among ${Object.keys(rows).join(', ')}`);
  return row[column];
}

async function flagsShown(subject: QcDemoSubject): Promise<void> {
  await subject.lake.lake.attach([noiseReadings]);
  const flagged = await subject.query(`SELECT sensor_id, qc, count(*) AS n, min(ts_from) AS first FROM noise_readings WHERE sensor_id LIKE 'qc-%' AND qc <> 'ok' GROUP BY ALL ORDER BY sensor_id, qc`);
  const by = Object.fromEntries(flagged.map((r) => [`${String(r['sensor_id'])} ${String(r['qc'])}`, r]));
  // the 36 h run is cut by local midnight into runs of 16 h and 20 h: every reading of both is flagged
  expect(Number(field(by, 'qc-stuck stuck', 'n'))).toBe((36 * 3600) / STEP_S);
  expect(field(by, 'qc-stuck stuck', 'first')).toEqual(new Date(STUCK_FROM));
  expect(Number(field(by, 'qc-spiky spike', 'n'))).toBe(SPIKES.length);
  expect(Number(field(by, 'qc-drifting drift', 'n'))).toBe((3 * 86_400) / STEP_S);
  expect(field(by, 'qc-drifting drift', 'first')).toEqual(new Date(DRIFT_FROM));
  expect(flagged).toHaveLength(3);
}

async function okReadingsOnly(subject: QcDemoSubject): Promise<void> {
  await subject.lake.lake.attach([noiseReadings, noiseIndicatorsDaily]);
  const days = await subject.query(`SELECT r.sensor_id, r.dt, count(*) FILTER (WHERE r.qc = 'ok') AS ok, any_value(d.samples) AS samples
    FROM noise_readings r LEFT JOIN noise_indicators_daily d ON d.sensor_id = r.sensor_id AND CAST(d.day AS VARCHAR) = r.dt AND d.convention = 'eu'
    WHERE r.laeq IS NOT NULL GROUP BY r.sensor_id, r.dt ORDER BY 1, 2`);
  expect(days.length).toBeGreaterThan(DAYS * 5);
  for (const d of days) {
    if (Number(d['ok']) === 0) expect(d['samples'], `${String(d['sensor_id'])} ${String(d['dt'])}`).toBeNull();
    else expect(Number(d['samples']), `${String(d['sensor_id'])} ${String(d['dt'])}`).toBe(Number(d['ok']));
  }
  const guideline = WHO_2018.unknown.lnight;
  if (guideline === null) throw new Error('no WHO night guideline for an unknown source');
  // the faulty sensors' nights stay under the guideline with their ok readings only…
  const nights = await subject.query(`SELECT sensor_id, max(lnight) AS worst FROM noise_indicators_daily WHERE sensor_id LIKE 'qc-%' AND convention = 'eu' GROUP BY 1 ORDER BY 1`);
  expect(nights).toHaveLength(3);
  for (const n of nights) expect(Number(n['worst'])).toBeLessThan(guideline);
  // …while their flagged readings alone would raise them above it (the test could fail)
  const raw = await subject.query(`SELECT sensor_id, max(l) AS worst FROM (
      SELECT sensor_id, dt, 10 * log10(avg(pow(10, laeq / 10))) AS l FROM noise_readings
      WHERE sensor_id LIKE 'qc-%' AND (hour(timezone('Europe/Paris', ts_from)) >= 22 OR hour(timezone('Europe/Paris', ts_from)) < 6) GROUP BY ALL)
    GROUP BY 1 ORDER BY 1`);
  for (const n of raw) expect(Number(n['worst'])).toBeGreaterThan(guideline);
}

async function noAlertFromFlagged(subject: QcDemoSubject): Promise<void> {
  const page = await subject.communePage();
  // the page is built, the faulty sensors are listed on it, and no alert names them
  expect(page.rows.map((r) => (r.name as { fr: string }).fr)).toEqual(expect.arrayContaining(FAULTY.map((f) => f.name)));
  for (const f of FAULTY) expect(page.alerts).not.toContain(f.name);
}

async function flagsOnCommunePage(subject: QcDemoSubject): Promise<void> {
  const page = await subject.communePage();
  // the share from the readings themselves (the page reads the stored daily counts, not the readings)
  const counted = await subject.query(`SELECT sensor_id, 100 * count(*) FILTER (WHERE qc <> 'ok') / count(*) AS share FROM noise_readings WHERE sensor_id LIKE 'qc-%' GROUP BY 1`);
  const why = { 'qc-stuck': /^figé /, 'qc-spiky': /^pic /, 'qc-drifting': /^dérive / } as const;
  for (const f of FAULTY) {
    const row = page.rows.find((r) => (r.name as { fr: string }).fr === f.name);
    const share = Number(counted.find((r) => r['sensor_id'] === f.id)?.['share']);
    expect(share).toBeGreaterThan(0);
    expect(row?.qc_share).toBeCloseTo(share, 1);
    expect((row?.qc_why as { fr: string } | undefined)?.fr).toMatch(why[f.id as keyof typeof why]);
  }
}

async function flagsInStatus(subject: QcDemoSubject): Promise<void> {
  const status = await lakeStatus(subject.lake);
  const csv = status.sources.find((s) => s.source_kind === 'noise-csv');
  expect(csv?.records_flagged).toBe(FLAGGED);
  expect(csv?.flags).toMatch(/stuck 144/);
  expect(csv?.flags).toMatch(/drift 288/);
  expect(csv?.flags).toMatch(new RegExp(`spike ${SPIKES.length}`));
}

async function flagsInQuarantineReport(subject: QcDemoSubject): Promise<void> {
  const r = await observatoryInProcess(['--lake', subject.lake.dir, 'quarantine', 'list']);
  expect(r.code, r.stderr).toBe(0);
  const line = r.stderr.split('\n').find((l) => l.startsWith('noise-csv: ')) ?? '';
  expect(line).toMatch(new RegExp(`^noise-csv: ${FLAGGED} curated readings flagged by quality control \\(.+\\): kept in the lake, left out of indicators$`));
  for (const flag of ['stuck 144', 'drift 288', `spike ${SPIKES.length}`]) expect(line).toContain(flag);
}

describe('quality control over the demo network plus a stuck, a spiking and a drifting sensor', () => {
  let subject: QcDemoSubject;

  beforeAll(async () => {
    subject = await QcDemoSubject.build();
  }, 300_000);
  afterAll(() => subject?.lake.cleanup());

  it('shows the flags in noise_readings: the stuck run, each spike, the drifted days', () => flagsShown(subject));

  it('computes no indicator from a flagged reading: each sensor-day counts its ok readings only, and a fully flagged day has none', () => okReadingsOnly(subject));

  it('raises no alert from the flagged readings', () => noAlertFromFlagged(subject));

  it('shows the flags on each faulty sensor’s row of the commune page: its share set aside, and why', () => flagsOnCommunePage(subject));

  it('counts the flags in status', () => flagsInStatus(subject));

  it('counts the flags in the quarantine report (observatory quarantine list), as status does', () => flagsInQuarantineReport(subject));
});
