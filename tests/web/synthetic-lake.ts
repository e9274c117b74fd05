import {
  floodIndicatorsDaily,
  floodVigilanceCommuneDaily,
  heatIndicatorsCommuneDaily,
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsYearly,
  noiseQualityDaily,
  noiseReadings,
  riverStations,
  sensors,
  type DatasetDeclaration,
} from '../../functions/lib/datasets/index.ts';
import { partitionOf } from '../../functions/lib/datasets/declaration.ts';
import { modelEvaluations, predictions } from '../../functions/lib/datasets/models.ts';
import { FR_LIMITS_2006, WHO_2018 } from '../../functions/lib/domain/noise/thresholds.ts';
import { datasetFileKey } from '../../functions/lib/lake/layout.ts';
import { markDemo } from '../../functions/lib/lake/manifest.ts';
import { writeDataset } from '../../functions/lib/lake/write.ts';
import { addDays, daysBetween } from '../../functions/lib/publish/sql.ts';
import type { StageContext } from '../../functions/lib/stages/context.ts';
import { publishCommunes } from '../../functions/lib/stages/communes.ts';

// A small lake written row by row, so that the tests know every figure the site must show: two
// communes with noise data (Paris, Saint-Denis), the other 128 without; optionally heat, flood and
// forecast rows for Paris.

export const FIRST_DAY = '2025-10-01';
export const LAST_DAY = '2025-10-14';
export const DAYS = daysBetween(FIRST_DAY, LAST_DAY);
export const NOW = new Date('2025-10-15T12:00:00Z');

export const SENSORS = [
  { sensor_id: 'S-PARIS-ROAD', name: 'Paris — boulevard', lon: 2.35, lat: 48.85, commune_insee: '75056', noise_source: 'road', lden: 65, lnight: 55 },
  { sensor_id: 'S-PARIS-PARK', name: 'Paris — parc', lon: 2.3, lat: 48.87, commune_insee: '75056', noise_source: 'road', lden: 50, lnight: 40 },
  { sensor_id: 'S-SD-RAIL', name: 'Saint-Denis — voie ferrée', lon: 2.36, lat: 48.935, commune_insee: '93066', noise_source: 'rail', lden: 70, lnight: 62 },
] as const;

/** Paris's daily Lden and Lnight (EU periods); Saint-Denis has one night missing */
export const PARIS_LDEN = DAYS.map((_, i) => 60 + (i % 3));
export const PARIS_LNIGHT = DAYS.map((_, i) => 50 + (i % 2));
export const SAINT_DENIS_LDEN = DAYS.map(() => 70);
export const SAINT_DENIS_LNIGHT: (number | null)[] = DAYS.map((_, i) => (i === 5 ? null : 62));

/**
 * The quality control's daily counts of the Paris road sensor: 96 readings a day, 6 stuck on the 3rd
 * day, 2 spikes and 1 drift on the 8th; and a day before the period (left out of the share).
 */
const qualityDay = (day: string, flags: Partial<Record<'stuck' | 'spike' | 'range' | 'clock' | 'drift', number>> = {}) => {
  const set = Object.values(flags).reduce((t, n) => t + n, 0);
  return { sensor_id: 'S-PARIS-ROAD', day, readings: 96, readings_ok: 96 - set, readings_stuck: 0, readings_spike: 0, readings_range: 0, readings_clock: 0, readings_drift: 0, ...Object.fromEntries(Object.entries(flags).map(([f, n]) => [`readings_${f}`, n])), night_floor_db: 40 };
};
export const QUALITY = [
  qualityDay('2025-09-20', { range: 96 }),
  ...DAYS.map((day, i) => qualityDay(day, i === 2 ? { stuck: 6 } : i === 7 ? { spike: 2, drift: 1 } : {})),
];

export const energyMean = (levels: readonly (number | null)[]): number => {
  const v = levels.filter((x): x is number => x !== null);
  return 10 * Math.log10(v.reduce((t, x) => t + 10 ** (x / 10), 0) / v.length);
};

async function write(ctx: StageContext, d: DatasetDeclaration, rows: readonly Record<string, unknown>[]): Promise<void> {
  const partitioned = d.columns.some((c) => c.partition);
  if (!partitioned) return writeDataset(ctx, d, rows, datasetFileKey(d, 'test'));
  const byDt = new Map<string, Record<string, unknown>[]>();
  // rows say their day; the dataset's partition is that day's, month or year (its declared granularity)
  for (const r of rows) {
    const dt = partitionOf(d, String(r.dt));
    byDt.set(dt, [...(byDt.get(dt) ?? []), { ...r, dt }]);
  }
  for (const [dt, part] of byDt) await writeDataset(ctx, d, part, datasetFileKey(d, 'test', dt));
}

export async function writeNoiseLake(ctx: StageContext): Promise<void> {
  await publishCommunes(ctx);
  await markDemo(ctx.store, 'Simulated demo data for the tests — not measurements.', {}, NOW);
  await write(
    ctx,
    sensors,
    [
      ...SENSORS.map((s) => ({ ...s, in_metropole: true, sonometer_class: '1', first_seen: new Date(`${FIRST_DAY}T00:00:00Z`), last_seen: new Date(`${LAST_DAY}T22:00:00Z`) })),
      { sensor_id: 'S-OUTSIDE', name: 'Outside', lon: 1.9, lat: 48.6, commune_insee: null, in_metropole: false, noise_source: 'road', sonometer_class: null, first_seen: NOW, last_seen: NOW },
    ],
  );
  await writeNoiseLevels(ctx);
  await writeNoiseDetail(ctx);
}

/** the communes' and the sensors' daily levels */
async function writeNoiseLevels(ctx: StageContext): Promise<void> {
  const communeDaily = DAYS.flatMap((day, i) =>
    (['eu', 'fr'] as const).flatMap((convention) => [
      { commune_insee: '75056', day, convention, lden: (PARIS_LDEN[i] ?? NaN) + (convention === 'fr' ? 0.5 : 0), lnight: PARIS_LNIGHT[i], lday: 58, levening: 55, leq: 57, sensors: 2, dt: day },
      { commune_insee: '93066', day, convention, lden: SAINT_DENIS_LDEN[i], lnight: SAINT_DENIS_LNIGHT[i], lday: 68, levening: 66, leq: 67, sensors: 1, dt: day },
    ]),
  );
  await write(ctx, noiseIndicatorsCommuneDaily, communeDaily);
  const daily = DAYS.flatMap((day, i) =>
    SENSORS.flatMap((s) =>
      (['eu', 'fr'] as const).map((convention) => {
        const who = WHO_2018[s.noise_source];
        const fr = FR_LIMITS_2006[s.noise_source];
        const ok = !(s.sensor_id === 'S-PARIS-PARK' && i === 0);
        return {
          sensor_id: s.sensor_id,
          commune_insee: s.commune_insee,
          day,
          convention,
          leq: s.lden - 2,
          lday: s.lden - 1,
          levening: s.lden - 3,
          lnight: s.lnight,
          lden: s.lden,
          l10: s.lden + 3,
          l50: s.lden - 4,
          l90: s.lden - 10,
          samples: 96,
          coverage: ok ? 1 : 0.3,
          coverage_ok: ok,
          noise_source: s.noise_source,
          who_lden_exceeded: s.lden > (who.lden ?? Infinity),
          who_lnight_exceeded: s.lnight > (who.lnight ?? Infinity),
          fr_lden_exceeded: s.lden > (fr.lden ?? Infinity),
          fr_ln_exceeded: s.lnight > (fr.lnight ?? Infinity),
          dt: day,
        };
      }),
    ),
  );
  await write(ctx, noiseIndicatorsDaily, daily);
}

/** the sensors' yearly levels, Paris's hourly levels over the last 3 days, the quality control's counts, one reading */
async function writeNoiseDetail(ctx: StageContext): Promise<void> {
  await write(
    ctx,
    noiseIndicatorsYearly,
    SENSORS.map((s) => ({ sensor_id: s.sensor_id, commune_insee: s.commune_insee, year: 2025, convention: 'eu', lday: s.lden - 1, levening: s.lden - 3, ln: s.lnight, lden: s.lden, days: 14, coverage: 0.04, noise_source: s.noise_source })),
  );
  const hourly = DAYS.slice(-3).flatMap((day) =>
    Array.from({ length: 24 }, (_, h) => ({
      sensor_id: 'S-PARIS-ROAD',
      commune_insee: '75056',
      hour_start: new Date(`${day}T${String(h).padStart(2, '0')}:00:00Z`),
      local_hour: h,
      leq: 50 + h / 2,
      samples: 4,
      coverage: 1,
      dt: day,
    })),
  );
  await write(ctx, noiseIndicatorsHourly, hourly);
  await write(ctx, noiseQualityDaily, QUALITY.map((q) => ({ ...q, dt: q.day })));
  await write(ctx, noiseReadings, [
    {
      sensor_id: 'S-PARIS-ROAD',
      commune_insee: '75056',
      ts_from: new Date(`${LAST_DAY}T21:45:00Z`),
      ts_to: new Date(`${LAST_DAY}T22:00:00Z`),
      laeq: 55.5,
      source_kind: 'noise-fiware',
      raw_key: 'raw/noise-fiware/ab/abc.json',
      record: 0,
      received_at: NOW,
      dt: LAST_DAY,
    },
  ]);
}

/** Paris: heat with a heat-wave episode starting on the 10th day, flood vigilance orange on the 12th, a gauging station, forecasts */
export async function writeClimateAndForecasts(ctx: StageContext): Promise<void> {
  await writeHeat(ctx);
  await writeFlood(ctx);
  await writeForecasts(ctx);
}

/** a heat-wave episode from the 10th to the 12th day */
async function writeHeat(ctx: StageContext): Promise<void> {
  await write(
    ctx,
    heatIndicatorsCommuneDaily,
    DAYS.map((day, i) => {
      const wave = i >= 9 && i <= 11;
      return {
        commune_insee: '75056',
        departement: '75',
        station_id: '75114001',
        station_verified: true,
        day,
        tn: wave ? 23 : 15,
        tx: wave ? 35 : 24,
        tn_doubtful: false,
        tx_doubtful: false,
        ibmn: wave ? 22 : 15,
        ibmx: wave ? 33 : 24,
        ibmn_threshold: 21,
        ibmx_threshold: 31,
        thresholds_verified: true,
        heatwave: wave,
        heatwave_episode: wave ? `75114001/${DAYS[9]}` : null,
        heatwave_day: wave ? i - 8 : null,
        heatwave_days: wave ? 3 : null,
        tropical_night: wave,
        hot_day: wave,
        very_hot_day: wave && i === 10,
        dt: day,
      };
    }),
  );
}

/** flood vigilance yellow from the 10th day, orange on the 12th and 13th; the Austerlitz gauge rising */
async function writeFlood(ctx: StageContext): Promise<void> {
  await write(
    ctx,
    floodVigilanceCommuneDaily,
    DAYS.map((day, i) => ({ commune_insee: '75056', day, level_max: i >= 11 && i <= 12 ? 3 : i >= 9 ? 2 : 1, level_max_label: 'green', sections: 'IF5', bulletins: 2, dt: day })),
  );
  await write(ctx, riverStations, [
    {
      station_code: 'F700000103',
      site_code: 'F7000001',
      label: 'La Seine à Paris - Austerlitz',
      river: 'Seine',
      commune_insee: '75056',
      lon: 2.3659,
      lat: 48.8448,
      raw_key: 'raw/hubeau/x.json',
      record: 0,
      received_at: NOW,
    },
  ]);
  await write(
    ctx,
    floodIndicatorsDaily,
    DAYS.map((day, i) => ({ site_code: 'F7000001', station_code: 'F700000103', day, h_max: 2 + i / 10, h_max_at: new Date(`${day}T10:00:00Z`), h_samples: 96, q_samples: 0, ratio_1910: (2 + i / 10) / 8.62, flood_rank: 8, reference_floods: 7, dt: day })),
  );
}

/** noise-night forecasts for the next 3 nights, and the model's evaluation against its baseline */
async function writeForecasts(ctx: StageContext): Promise<void> {
  // an hour before the clock: within the noise forecast's freshness limit (6 h)
  const run = new Date(NOW.getTime() - 3_600_000);
  await write(
    ctx,
    predictions,
    [0, 1, 2].map((k) => {
      const target = addDays(LAST_DAY, k + 1);
      return {
        model: 'noise',
        version: 'v1',
        run_time: run,
        origin_time: run,
        target_time: new Date(`${target}T21:00:00Z`),
        target_end: new Date(`${addDays(target, 1)}T05:00:00Z`),
        horizon_hours: 30 + 24 * k,
        entity_kind: 'commune',
        entity: '75056',
        variable: 'lnight_eu',
        unit: 'dB(A)',
        value: 50 + k,
        lower: 46 + k,
        upper: 54 + k,
        threshold_name: 'who_lnight',
        threshold: 45,
        probability: 0.7 + k / 10,
        source: 'model',
        method: 'mlp',
        dt: target,
      };
    }),
  );
  await write(
    ctx,
    modelEvaluations,
    (['model', 'same_hour_last_week'] as const).map((predictor) => ({
      model: 'noise',
      version: 'v1',
      evaluated_at: run,
      data: 'lake',
      train_from: new Date('2025-09-01T00:00:00Z'),
      train_until: new Date('2025-10-01T00:00:00Z'),
      test_from: new Date('2025-10-01T00:00:00Z'),
      test_until: new Date('2025-10-15T00:00:00Z'),
      target: 'lnight_eu',
      predictor,
      is_baseline: predictor !== 'model',
      horizon_hours: null,
      metric: 'mae',
      value: predictor === 'model' ? 1.8 : 2.6,
      n: 280,
      beats_baseline: predictor === 'model' ? true : null,
      backend: 'wasm',
    })),
  );
}
