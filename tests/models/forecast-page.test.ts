import { beforeAll, describe, expect, it } from 'vitest';
import { riverStations } from '../../functions/lib/datasets/index.ts';
import { modelEvaluations, predictions } from '../../functions/lib/datasets/models.ts';
import { COMMUNES } from '../../functions/lib/domain/geo/communes.ts';
import { datasetFileKey } from '../../functions/lib/lake/layout.ts';
import { markDemo } from '../../functions/lib/lake/manifest.ts';
import { writeDataset } from '../../functions/lib/lake/write.ts';
import type { CommuneSection, SectionOutput, TableSpec } from '../../functions/lib/publish/contract.ts';
import { forecastSection } from '../../functions/lib/publish/sections/forecast.ts';
import { tempLake } from '../support/lake.ts';

// The forecast section rendered from crafted predictions and evaluations on a demo lake whose clock is
// 2026-06-30 00:00 in Paris (2026-06-29T22:00Z), while the wall clock is two weeks later:
// - heat (a baseline forecast, fresh at the demo clock) and the climate-risk index (heat only: no
//   flood forecast in this run) for Paris;
// - a river forecast from 2026-06-20: older than its 2-day limit;
// - noise evaluations where the best baseline on the Brier score is not the first one listed;
// - a heat evaluation on a test window without a heat wave.

const CLOCK = '2026-06-29T22:00:00.000Z';
const PARIS_TZ_FR = '(heure de Paris)';
const at = (iso: string) => new Date(iso);

function prediction(over: Record<string, unknown>) {
  return {
    version: 'v1',
    run_time: at(CLOCK),
    origin_time: at(CLOCK),
    horizon_hours: 24,
    unit: null,
    value: null,
    lower: null,
    upper: null,
    threshold_name: null,
    threshold: null,
    probability: null,
    dt: '2026-06-30',
    ...over,
  };
}

const evaluation = (model: string, target: string, predictor: string, metric: string, value: number, over: Record<string, unknown> = {}) => ({
  model,
  version: 'v1',
  evaluated_at: at('2026-06-28T00:00:00Z'),
  data: 'lake',
  train_from: at('2026-06-01T00:00:00Z'),
  train_until: at('2026-06-22T00:00:00Z'),
  test_from: at('2026-06-22T00:00:00Z'),
  test_until: at('2026-06-29T00:00:00Z'),
  target,
  predictor,
  is_baseline: !['model', 'observed'].includes(predictor),
  horizon_hours: null,
  metric,
  reference: null,
  bin_from: null,
  bin_to: null,
  value,
  n: 500,
  beats_baseline: null,
  backend: 'wasm',
  ...over,
});

let output: SectionOutput;
let paris: CommuneSection;
const fr = (t: unknown) => (t as { fr: string } | null)?.fr ?? t;

beforeAll(async () => {
  const lake = await tempLake({ now: new Date('2026-07-14T12:00:00Z') });
  try {
    await markDemo(lake.store, 'demo', {}, lake.now(), new Date(CLOCK));
    const days = ['2026-06-30', '2026-07-01', '2026-07-02'];
    const start = (d: string) => at(`${d}T00:00:00+02:00`);
    const end = (d: string) => new Date(start(d).getTime() + 86_400_000);
    const heat = days.map((d, k) =>
      prediction({ model: 'heat', target_time: start(d), target_end: end(d), entity_kind: 'station', entity: '75114001', variable: 'heatwave', unit: '1', threshold_name: 'heatwave_ibm', probability: [0.4, 0.3, 0.2][k], source: 'baseline', method: 'markov_climatology' }),
    );
    const risk = days.flatMap((d, k) =>
      (['climate_risk_index', 'exposed_population', 'river_proximity'] as const).map((variable) =>
        prediction({
          model: 'climate-risk',
          version: 'index-1',
          target_time: start(d),
          target_end: end(d),
          entity_kind: 'commune',
          entity: '75056',
          variable,
          unit: variable === 'climate_risk_index' ? 'index 0-100' : variable === 'exposed_population' ? 'inhabitants' : '1',
          value: variable === 'climate_risk_index' ? [40, 30, 20][k] : variable === 'exposed_population' ? 800_000 : 1,
          source: 'baseline',
          method: 'index(heat=markov_climatology,flood=none)',
        }),
      ),
    );
    const stale = at('2026-06-20T00:00:00Z');
    const river = [24, 48, 72].map((h) =>
      prediction({ model: 'river', run_time: stale, origin_time: stale, target_time: new Date(stale.getTime() + (h - 1) * 3_600_000), target_end: new Date(stale.getTime() + h * 3_600_000), horizon_hours: h, entity_kind: 'station', entity: 'F700000103', variable: 'level', unit: 'm', value: 3.1, lower: 2.9, upper: 3.3, threshold_name: 'flood_threshold', threshold: 5.84, probability: 0, source: 'baseline', method: 'trend', dt: '2026-06-20' }),
    );
    await writeDataset(lake, predictions, [...heat, ...risk], datasetFileKey(predictions, 'fresh', '2026-06-30'));
    await writeDataset(lake, predictions, river, datasetFileKey(predictions, 'stale', '2026-06-20'));
    await writeDataset(lake, riverStations, [{ station_code: 'F700000103', site_code: 'F7000001', label: 'La Seine à Paris - Austerlitz', river: 'Seine', commune_insee: '75056' }], datasetFileKey(riverStations, 'stations'));
    const noiseTarget = 'lnight_eu>who_lnight';
    await writeDataset(
      lake,
      modelEvaluations,
      [
        // noise, night threshold: the best baseline on the Brier score is the hour-of-week mean (0.064), not the first listed
        evaluation('noise', noiseTarget, 'model', 'brier', 0.08, { beats_baseline: false }),
        evaluation('noise', noiseTarget, 'same_hour_last_week', 'brier', 0.2),
        evaluation('noise', noiseTarget, 'hour_of_week_mean', 'brier', 0.064),
        evaluation('noise', noiseTarget, 'day_type_hour_profile', 'brier', 0.07),
        evaluation('noise', noiseTarget, 'model', 'bss', 0.6, { reference: 'same_hour_last_week' }),
        evaluation('noise', noiseTarget, 'model', 'bss', -0.25, { reference: 'hour_of_week_mean' }),
        evaluation('noise', noiseTarget, 'model', 'bss', -0.143, { reference: 'day_type_hour_profile' }),
        evaluation('noise', noiseTarget, 'observed', 'base_rate', 0.3),
        // heat: no heat wave in the test window
        evaluation('heat', 'heatwave', 'model', 'brier', 0.002, { beats_baseline: false }),
        evaluation('heat', 'heatwave', 'climatology', 'brier', 0.004),
        evaluation('heat', 'heatwave', 'markov_climatology', 'brier', 0.001),
        evaluation('heat', 'heatwave', 'observed', 'base_rate', 0),
        // river: the model does better than persistence but not than the trend
        evaluation('river', 'F700000103', 'model', 'mae', 0.2, { beats_baseline: false }),
        evaluation('river', 'F700000103', 'persistence', 'mae', 0.3),
        evaluation('river', 'F700000103', 'trend', 'mae', 0.15),
        evaluation('river', 'F700000103', 'linear', 'mae', 0.18),
        evaluation('river', 'F700000103', 'model', 'dm_p_value', 0.41, { reference: 'trend' }),
        // a score that decides nothing: shown for information, without a verdict
        evaluation('river', 'F700000103', 'model', 'nse', 0.97),
        evaluation('river', 'F700000103', 'persistence', 'nse', 0.9),
        evaluation('river', 'F700000103', 'trend', 'nse', 0.95),
        evaluation('river', 'F700000103', 'model', 'coverage_90', 0.87),
        evaluation('river', 'F700000103', 'trend', 'coverage_90', 0.93),
        evaluation('heat', 'heatwave', 'model', 'reliability', 0.05, { bin_from: 0, bin_to: 0.1, n: 120 }),
      ],
      datasetFileKey(modelEvaluations, 'crafted'),
    );
    await lake.lake.attach([predictions, modelEvaluations, riverStations]);
    const present = new Set<string>([predictions.name, modelEvaluations.name, riverStations.name]);
    output = await forecastSection.build({ ctx: lake, communes: COMMUNES, has: (name) => Promise.resolve(present.has(name)) });
    paris = output.communes.get('75056')!;
  } finally {
    await lake.cleanup();
  }
});

const rowsOf = (t: TableSpec) => t.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fr(v)])));

describe('the forecast section on a demo lake', () => {
  it('Paris: the demo clock, each fresh forecast said for what it is, and the stale river forecast withdrawn with its reason', () => {
    const issued = `30 juin 2026, 00:00 ${PARIS_TZ_FR}`;
    expect(paris.facts.map((f) => [fr(f.label), fr(f.value)])).toEqual([
      ['Données de démonstration', `données de démonstration au ${issued} : les prévisions sont émises et jugées fraîches à cette date`],
      [
        'Indice de risque climatique',
        `émise le ${issued} avec les données jusqu’au ${issued} ; indice calculé par une formule (voir la méthodologie) à partir des prévisions de ce même calcul — canicule : climatologie conditionnelle (selon l’état du jour) ; crue : non disponible dans ce calcul`,
      ],
      [
        'Canicule',
        `émise le ${issued} avec les données jusqu’au ${issued} ; Canicule : prévision de référence (climatologie conditionnelle (selon l’état du jour)), la meilleure sur la période de test — le modèle entraîné ne fait pas mieux`,
      ],
      [
        'Crue (hauteur de la Seine)',
        `Crue (hauteur de la Seine) : prévision non publiée — les dernières données datent du 20 juin 2026, 02:00 ${PARIS_TZ_FR}, plus de 2 jours avant le ${issued} (horloge de démonstration).`,
      ],
    ]);
    // the river forecast is neither charted nor mapped
    expect(paris.charts.map((c) => fr(c.title))).toEqual([
      'Prévision : Indice de risque climatique',
      'Prévision : Population exposée',
      'Prévision : probabilité — Canicule (Paris-Montsouris)',
    ]);
    expect(output.layers.map((l) => l.id)).toEqual(['forecast-climate-risk-climate_risk_index', 'forecast-climate-risk-exposed_population']);
  });

  it('the skill table names the best baseline, says "beats" against it only, and gives no verdict without an event', () => {
    const table = paris.tables.find((t) => t.id === 'model-skill')!;
    expect(rowsOf(table)).toEqual([{ model: 'Canicule', target: 'Canicule', metric: 'score de Brier', score: 0.002, baseline: 'climatologie conditionnelle (selon l’état du jour)', baseline_score: 0.001, beats: 'aucun épisode dans la période de test', p: null, n: 500 }]);
    const all = output.methodology[0]!.tables.find((t) => t.id === 'model-skill')!;
    const noise = rowsOf(all).filter((r) => r['model'] === 'Bruit (réseau de capteurs)');
    expect(noise).toEqual([]); // no noise run: its evaluation is not shown
    const river = rowsOf(all).filter((r) => r['model'] === 'Crue (hauteur de la Seine)');
    expect(river).toEqual([
      { model: 'Crue (hauteur de la Seine)', target: 'La Seine à Paris - Austerlitz', metric: 'erreur absolue moyenne', score: 0.2, baseline: 'tendance du dernier jour prolongée', baseline_score: 0.15, beats: 'non', p: 0.41, n: 500 },
      { model: 'Crue (hauteur de la Seine)', target: 'La Seine à Paris - Austerlitz', metric: 'Nash–Sutcliffe', score: 0.97, baseline: 'tendance du dernier jour prolongée', baseline_score: 0.95, beats: '—', p: null, n: 500 },
    ]);
  });

  it('the methodology says what the index is, the freshness limits, and why a forecast is missing', () => {
    const block = output.methodology[0]!;
    const paragraphs = block.paragraphs.map(fr);
    expect(paragraphs.slice(2)).toEqual([
      'Bruit (réseau de capteurs) : 6 h',
      'Crue (hauteur de la Seine) : 2 jours',
      'Canicule : 36 h',
      'Indice de risque climatique : 36 h',
      'L’indice de risque climatique n’est pas un modèle entraîné : c’est une formule qui combine, pour chaque commune, les probabilités de canicule et de crue d’un même calcul avec la proximité de la Seine ou de la Marne ; une composante absente de ce calcul est dite « non disponible ».',
      `Crue (hauteur de la Seine) : prévision non publiée — les dernières données datent du 20 juin 2026, 02:00 ${PARIS_TZ_FR}, plus de 2 jours avant le 30 juin 2026, 00:00 ${PARIS_TZ_FR} (horloge de démonstration).`,
    ]);
    expect(rowsOf(block.tables.find((t) => t.id === 'model-coverage')!)).toEqual([
      { model: 'Crue (hauteur de la Seine)', predictor: 'réseau de neurones', coverage: 87, n: 500 },
      { model: 'Crue (hauteur de la Seine)', predictor: 'tendance du dernier jour prolongée', coverage: 93, n: 500 },
    ]);
    expect(rowsOf(block.tables.find((t) => t.id === 'model-reliability')!)).toEqual([{ model: 'Canicule', target: 'Canicule', bin: '0 – 10 %', observed: 5, n: 120 }]);
  });

  it('no page text carries a method key, a version string or a station number', () => {
    // every string a reader sees is a Text: { fr, en }
    const seen: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        if ('fr' in v && 'en' in v) seen.push(String((v as { fr: string }).fr), String((v as { en: string }).en));
        else Object.values(v).forEach(walk);
      }
    };
    walk({ communes: [...output.communes.values()], layers: output.layers, methodology: output.methodology });
    expect(seen.length).toBeGreaterThan(100);
    const texts = seen.join('\n');
    for (const key of ['markov_climatology', 'hour_of_week_mean', 'same_hour_last_week', '"v1"', 'index-1', 'mlp', '75114001', 'river_proximity']) expect(texts).not.toContain(key);
  });
});

describe('the best baseline for a skill score', () => {
  it('is the best on the Brier score, and the BSS shown is against it', async () => {
    const lake = await tempLake({ now: new Date(CLOCK) });
    try {
      const o = at(CLOCK);
      await writeDataset(
        lake,
        predictions,
        [prediction({ model: 'noise', target_time: o, target_end: new Date(o.getTime() + 3_600_000), entity_kind: 'sensor', entity: 's1', variable: 'laeq', unit: 'dB(A)', value: 55, source: 'model', method: 'mlp' })],
        datasetFileKey(predictions, 'noise', '2026-06-30'),
      );
      const t = 'lnight_eu>who_lnight';
      await writeDataset(
        lake,
        modelEvaluations,
        [
          evaluation('noise', t, 'model', 'brier', 0.08, { beats_baseline: false }),
          evaluation('noise', t, 'same_hour_last_week', 'brier', 0.2),
          evaluation('noise', t, 'hour_of_week_mean', 'brier', 0.064),
          evaluation('noise', t, 'model', 'bss', 0.6, { reference: 'same_hour_last_week' }),
          evaluation('noise', t, 'model', 'bss', -0.25, { reference: 'hour_of_week_mean' }),
          evaluation('noise', t, 'observed', 'base_rate', 0.3),
        ],
        datasetFileKey(modelEvaluations, 'noise'),
      );
      await lake.lake.attach([predictions, modelEvaluations]);
      const present = new Set<string>([predictions.name, modelEvaluations.name]);
      const out = await forecastSection.build({ ctx: lake, communes: COMMUNES, has: (name) => Promise.resolve(present.has(name)) });
      const rows = rowsOf(out.methodology[0]!.tables.find((x) => x.id === 'model-skill')!);
      expect(rows).toEqual([
        { model: 'Bruit (réseau de capteurs)', target: 'Lnight (périodes européennes) au-dessus de la recommandation OMS', metric: 'score de Brier', score: 0.08, baseline: 'moyenne par heure de la semaine', baseline_score: 0.064, beats: 'non', p: null, n: 500 },
        { model: 'Bruit (réseau de capteurs)', target: 'Lnight (périodes européennes) au-dessus de la recommandation OMS', metric: 'score de compétence de Brier', score: -0.25, baseline: 'moyenne par heure de la semaine', baseline_score: '—', beats: 'non', p: null, n: 500 },
      ]);
    } finally {
      await lake.cleanup();
    }
  });
});
