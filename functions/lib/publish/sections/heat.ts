import { heatIndicatorsCommuneDaily, heatIndicatorsDaily, weatherDaily } from '../../datasets/index.ts';
import { HEAT, METROPOLE_DEPARTEMENTS } from '../../domain/heat/thresholds.ts';
import { bandClasses } from '../classes.ts';
import type { Alert, ChartSpec, CommuneSection, Indicator, MapLayer, MapPoint, MethodBlock, SectionInput, SectionOutput, SiteSection } from '../contract.ts';
import { formatDay, formatNumber, text, type Text } from '../i18n.ts';
import { addDays, dateLiteral, num, roundTo, rows, str, type Row } from '../sql.ts';
import { both, countClasses, dailyByCommune, type DailySeries, dayEndIso, dayStartIso, rollingPeriod, spanWords } from './common.ts';

// The heat theme, from the heat-indicators stage: heat-wave days (IBMn and IBMx at or above the
// département's SACS thresholds), tropical nights, hot days, the latest IBMn/IBMx against the
// thresholds, daily TN/TX charts, and an alert when a heat-wave episode starts.

export const HEAT_PERIOD_DAYS = 365;
export const HEAT_CHART_DAYS = 92;
export const HEAT_ALERT_DAYS = 92;

const SOURCE = text(
  'Météo-France, données climatologiques de base ; indicateurs de la station de référence du département (système d’alerte canicule et santé)',
  'Météo-France daily climatological data; indicators of the département’s reference station (heat-health warning system)',
);
const DAYS = text('j', 'd');
const C = '°C';

export const heatSection: SiteSection = {
  id: 'heat',
  title: text('Chaleur', 'Heat'),
  requires: [heatIndicatorsCommuneDaily.name],
  build: buildHeat,
};

interface HeatData {
  last: string;
  period: { from: string; to: string };
  span: Text;
  periodNote: Text;
  totals: Map<string, Row>;
  latest: Map<string, Row>;
  daily: Map<string, DailySeries>;
  starts: Row[];
}

async function buildHeat({ ctx, communes, has }: SectionInput): Promise<SectionOutput> {
  const duck = ctx.lake;
  const t = heatIndicatorsCommuneDaily.name;
  const data = await readHeat(duck);
  const section = new Map<string, CommuneSection>();
  for (const c of communes) section.set(c.commune_insee, heatCommuneSection(c.commune_insee, data));
  const layers = heatLayers(communes, data);
  const alerts = heatAlerts(data.starts);

  const points = (await has(weatherDaily.name)) ? [await weatherStations(ctx.lake)] : [];
  const [asOf] = await rows(duck, `SELECT CAST(max(day) AS VARCHAR) AS day FROM ${t}`);

  return {
    asOf: str(asOf?.day) === null ? null : dayEndIso(str(asOf?.day) ?? ''),
    layers,
    points,
    communes: section,
    alerts,
    downloads: [
      // a commune takes its département's reference station: per-commune files would repeat the same rows
      { dataset: heatIndicatorsCommuneDaily.name, perCommune: false },
      { dataset: heatIndicatorsDaily.name, perCommune: false },
      {
        dataset: weatherDaily.name,
        perCommune: false,
        csvColumns: ['station_id', 'station_name', 'departement', 'lat', 'lon', 'alti', 'day', 'rr', 'q_rr', 'tn', 'q_tn', 'tx', 'q_tx', 'tm', 'q_tm', 'doubtful', 'dt'],
      },
    ],
    methodology: [heatMethodology()],
  };
}

/** the communes' heat days over the period, their latest day, the chart's days and the episodes' starts */
async function readHeat(duck: SectionInput['ctx']['lake']): Promise<HeatData> {
  const t = heatIndicatorsCommuneDaily.name;
  const [bounds] = await rows(duck, `SELECT CAST(max(day) AS VARCHAR) AS last, CAST(min(day) FILTER (WHERE day > (SELECT max(day) FROM ${t}) - ${HEAT_PERIOD_DAYS}) AS VARCHAR) AS first FROM ${t}`);
  const last = str(bounds?.last) ?? '';
  const period = rollingPeriod(last, str(bounds?.first), HEAT_PERIOD_DAYS);
  const inPeriod = `day BETWEEN ${dateLiteral(period.from)} AND ${dateLiteral(period.to)}`;
  const count = (flag: string) => `CASE WHEN count(${flag}) = 0 THEN NULL ELSE count(*) FILTER (WHERE ${flag}) END`;
  const totals = new Map(
    (
      await rows(
        duck,
        `SELECT commune_insee, ${count('heatwave')} AS heatwave_days, ${count('tropical_night')} AS tropical_nights,
           ${count('hot_day')} AS hot_days, ${count('very_hot_day')} AS very_hot_days, count(*) AS days
         FROM ${t} WHERE ${inPeriod} GROUP BY 1`,
      )
    ).map((r) => [String(r.commune_insee), r]),
  );
  // the latest day of each commune, and for the trend the same day a year before (364 days: the same
  // weekday) when the data reach back that far, else the day a week before — the calendar days, not rows
  const latest = new Map(
    (
      await rows(
        duck,
        `SELECT c.commune_insee, CAST(c.day AS VARCHAR) AS day, c.ibmn, c.ibmx, c.ibmn_threshold, c.ibmx_threshold, c.heatwave, c.station_id, c.station_verified, c.thresholds_verified,
           w.ibmn AS ibmn_week_before, w.ibmx AS ibmx_week_before, y.ibmn AS ibmn_year_before, y.ibmx AS ibmx_year_before
         FROM ${t} c
         LEFT JOIN ${t} w ON w.commune_insee = c.commune_insee AND w.day = c.day - 7
         LEFT JOIN ${t} y ON y.commune_insee = c.commune_insee AND y.day = c.day - 364
         QUALIFY row_number() OVER (PARTITION BY c.commune_insee ORDER BY c.day DESC) = 1`,
      )
    ).map((r) => [String(r.commune_insee), r]),
  );
  const chartFrom = addDays(last, 1 - HEAT_CHART_DAYS);
  const daily = dailyByCommune(
    await rows(duck, `SELECT commune_insee, CAST(day AS VARCHAR) AS day, tn, tx, ibmn, ibmx FROM ${t} WHERE day >= ${dateLiteral(chartFrom)}`),
    ['tn', 'tx', 'ibmn', 'ibmx'],
    last,
  );
  const starts = await rows(
    duck,
    `SELECT commune_insee, CAST(day AS VARCHAR) AS day, heatwave_episode, heatwave_days, ibmn, ibmx, ibmn_threshold, ibmx_threshold, station_id
     FROM ${t} WHERE heatwave_day = 1 AND day >= ${dateLiteral(addDays(last, 1 - HEAT_ALERT_DAYS))}`,
  );
  // the words of the period actually covered (« 12 mois glissants » only when the data fill it)
  const span = spanWords(period, HEAT_PERIOD_DAYS);
  const periodNote = both((l) => (l === 'fr' ? `${span.fr} jusqu’au ${formatDay(l, last)}` : `${span.en} up to ${formatDay(l, last)}`));
  return { last, period, span, periodNote, totals, latest, daily, starts };
}

/** the smaller of the gaps IBMn − threshold and IBMx − threshold */
function ibmMargin(r: Row | undefined): number | null {
  const a = num(r?.ibmn);
  const b = num(r?.ibmx);
  const ta = num(r?.ibmn_threshold);
  const tb = num(r?.ibmx_threshold);
  return a === null || b === null || ta === null || tb === null ? null : Math.min(a - ta, b - tb);
}

function heatLayers(communes: SectionInput['communes'], { last, period, span, totals, latest }: HeatData): MapLayer[] {
  const values = (f: (insee: string) => number | null) => Object.fromEntries(communes.map((c) => [c.commune_insee, f(c.commune_insee)]));
  return [
    {
      id: 'heat-heatwave-days',
      group: 'heat',
      title: text('Jours de canicule', 'Heat-wave days'),
      short: text('Jours de canicule', 'Heat-wave days'),
      unit: DAYS.fr,
      decimals: 0,
      description: text(
        `Jours où les indicateurs biométéorologiques IBMn et IBMx (moyennes sur 3 jours des températures minimale et maximale) atteignent tous deux les seuils d’alerte du département, sur ${span.fr}.`,
        `Days when the biometeorological indicators IBMn and IBMx (3-day means of the minimum and maximum temperatures) both reach the département’s alert thresholds, over ${span.en}.`,
      ),
      source: SOURCE,
      period,
      classes: countClasses([1, 3, 6, 11], 'orrd', DAYS),
      values: values((k) => num(totals.get(k)?.heatwave_days)),
    },
    {
      id: 'heat-tropical-nights',
      group: 'heat',
      title: text('Nuits tropicales', 'Tropical nights'),
      short: text('Nuits tropicales', 'Tropical nights'),
      unit: DAYS.fr,
      decimals: 0,
      description: text(
        `Nuits où la température minimale reste à ${HEAT.tropical_night_tn} °C ou plus, sur ${span.fr}.`,
        `Nights when the minimum temperature stays at ${HEAT.tropical_night_tn} °C or above, over ${span.en}.`,
      ),
      source: SOURCE,
      period,
      classes: countClasses([1, 5, 10, 20, 40], 'orrd', DAYS),
      values: values((k) => num(totals.get(k)?.tropical_nights)),
    },
    {
      id: 'heat-ibm-margin',
      group: 'heat',
      title: text('Écart aux seuils d’alerte canicule (dernier jour)', 'Gap to the heat-wave alert thresholds (latest day)'),
      short: text('Écart aux seuils canicule', 'Gap to heat-wave thresholds'),
      unit: C,
      decimals: 1,
      description: text(
        'Le plus petit des écarts IBMn − seuil IBMn et IBMx − seuil IBMx au dernier jour mesuré : 0 ou plus, les deux seuils sont atteints (épisode de canicule).',
        'The smaller of IBMn − IBMn threshold and IBMx − IBMx threshold on the latest measured day: 0 or more, both thresholds are reached (heat wave).',
      ),
      source: SOURCE,
      period: { from: last, to: last },
      classes: bandClasses([-9, -6, -3, 0], 'orrd', '', 0),
      values: values((k) => roundTo(ibmMargin(latest.get(k)), 1)),
    },
  ];
}

function heatCommuneSection(k: string, { totals, latest, daily, periodNote }: HeatData): CommuneSection {
  const tot = totals.get(k);
  const lat = latest.get(k);
  const count = (id: string, label: Text, column: string, note: Text): Indicator => ({ id, label, unit: DAYS.fr, decimals: 0, value: num(tot?.[column]), trend: null, note });
  const series = daily.get(k);
  return {
    id: 'heat',
    title: text('Chaleur', 'Heat'),
    indicators: [
      count('heat-heatwave-days', text('Jours de canicule', 'Heat-wave days'), 'heatwave_days', periodNote),
      count('heat-tropical-nights', text(`Nuits tropicales (TN ≥ ${HEAT.tropical_night_tn} °C)`, `Tropical nights (TN ≥ ${HEAT.tropical_night_tn} °C)`), 'tropical_nights', periodNote),
      count('heat-hot-days', text(`Jours chauds (TX ≥ ${HEAT.hot_day_tx} °C)`, `Hot days (TX ≥ ${HEAT.hot_day_tx} °C)`), 'hot_days', periodNote),
      count('heat-very-hot-days', text(`Jours très chauds (TX ≥ ${HEAT.very_hot_day_tx} °C)`, `Very hot days (TX ≥ ${HEAT.very_hot_day_tx} °C)`), 'very_hot_days', periodNote),
      ibmIndicator('ibmn', text('IBMn (moyenne sur 3 jours des minimales)', 'IBMn (3-day mean of the minima)'), lat),
      ibmIndicator('ibmx', text('IBMx (moyenne sur 3 jours des maximales)', 'IBMx (3-day mean of the maxima)'), lat),
    ],
    charts: [heatChart(series, lat)],
    tables: [],
    facts: [
      { label: text('Station de référence', 'Reference station'), value: both((l) => (lat ? `${stationName(str(lat.station_id))}${lat.station_verified ? '' : l === 'fr' ? ' (provisoire)' : ' (provisional)'}` : l === 'fr' ? 'pas de données' : 'no data')) },
      { label: text('Seuils d’alerte', 'Alert thresholds'), value: both((l) => (lat ? `IBMn ${formatNumber(l, num(lat.ibmn_threshold) ?? NaN, 0)} °C / IBMx ${formatNumber(l, num(lat.ibmx_threshold) ?? NaN, 0)} °C${lat.thresholds_verified ? '' : l === 'fr' ? ' (provisoires)' : ' (provisional)'}` : '—')) },
      { label: text('Jours avec des données', 'Days with data'), value: both((l) => formatNumber(l, num(tot?.days) ?? 0, 0)) },
    ],
  };
}

function ibmIndicator(id: 'ibmn' | 'ibmx', label: Text, lat: Row | undefined): Indicator {
  const v = roundTo(num(lat?.[id]), 1);
  const yearBefore = num(lat?.[`${id}_year_before`]);
  const before = yearBefore ?? num(lat?.[`${id}_week_before`]);
  const threshold = num(lat?.[`${id}_threshold`]);
  const day = str(lat?.day);
  return {
    id: `heat-${id}`,
    label,
    unit: C,
    decimals: 1,
    value: v,
    trend:
      v !== null && before !== null
        ? {
            delta: roundTo(v - before, 1) ?? 0,
            window:
              yearBefore !== null
                ? text('même jour l’an dernier', 'same day last year')
                : text('7 jours plus tôt (moins d’un an de données)', '7 days earlier (less than a year of data)'),
          }
        : null,
    note: both((l) =>
      day
        ? l === 'fr'
          ? `le ${formatDay(l, day)}, seuil d’alerte ${threshold === null ? '—' : formatNumber(l, threshold, 0)} °C`
          : `on ${formatDay(l, day)}, alert threshold ${threshold === null ? '—' : formatNumber(l, threshold, 0)} °C`
        : '—',
    ),
  };
}

/** an alert when a heat-wave episode starts */
function heatAlerts(starts: readonly Row[]): Map<string, Alert[]> {
  const alerts = new Map<string, Alert[]>();
  for (const r of starts) {
    const k = String(r.commune_insee);
    const day = String(r.day);
    const length = num(r.heatwave_days);
    const f = (l: 'fr' | 'en', v: unknown) => formatNumber(l, num(v) ?? NaN, 1);
    const alert: Alert = {
      id: `urn:observatoire-grand-paris:alerte:canicule:${k}:${str(r.heatwave_episode) ?? day}`,
      kind: 'heat-wave-start',
      severity: 'warning',
      start: dayStartIso(day),
      updated: dayEndIso(length ? addDays(day, length - 1) : day),
      title: text(`Début d’un épisode de canicule le ${formatDay('fr', day)}`, `Heat wave starting on ${formatDay('en', day)}`),
      content: both((l) =>
        l === 'fr'
          ? `IBMn ${f(l, r.ibmn)} °C et IBMx ${f(l, r.ibmx)} °C atteignent les seuils ${f(l, r.ibmn_threshold)} / ${f(l, r.ibmx_threshold)} °C (station ${str(r.station_id)})${length ? `, épisode de ${length} jour${length > 1 ? 's' : ''}` : ''}.`
          : `IBMn ${f(l, r.ibmn)} °C and IBMx ${f(l, r.ibmx)} °C reach the thresholds ${f(l, r.ibmn_threshold)} / ${f(l, r.ibmx_threshold)} °C (station ${str(r.station_id)})${length ? `, a ${length}-day episode` : ''}.`,
      ),
      value: roundTo(num(r.ibmx), 1),
      threshold: num(r.ibmx_threshold),
      unit: C,
    };
    alerts.set(k, [...(alerts.get(k) ?? []), alert]);
  }
  return alerts;
}

function heatChart(series: DailySeries | undefined, latest: Row | undefined): ChartSpec {
  const days = series?.days ?? [];
  const col = (c: string) => series?.columns[c] ?? [];
  const tx = col('tx').filter((v): v is number => v !== null);
  const tn = col('tn').filter((v): v is number => v !== null);
  const thresholdN = num(latest?.ibmn_threshold);
  const thresholdX = num(latest?.ibmx_threshold);
  return {
    id: 'heat-daily',
    title: text(`Températures journalières et indicateurs canicule (${HEAT_CHART_DAYS} derniers jours au plus)`, `Daily temperatures and heat-wave indicators (last ${HEAT_CHART_DAYS} days at most)`),
    summary:
      tx.length === 0
        ? text('Aucune température pour cette commune sur la période.', 'No temperature for this commune over the period.')
        : both((l) => {
            const f = (v: number) => formatNumber(l, v, 1);
            return l === 'fr'
              ? `Du ${formatDay(l, (days[0] ?? ''))} au ${formatDay(l, (days.at(-1) ?? ''))} : maximales de ${f(Math.min(...tx))} à ${f(Math.max(...tx))} °C, minimales de ${f(Math.min(...tn))} à ${f(Math.max(...tn))} °C. Les seuils d’alerte canicule (IBMn ${thresholdN ?? '—'} °C, IBMx ${thresholdX ?? '—'} °C) sont tracés.`
              : `From ${formatDay(l, (days[0] ?? ''))} to ${formatDay(l, (days.at(-1) ?? ''))}: maxima from ${f(Math.min(...tx))} to ${f(Math.max(...tx))} °C, minima from ${f(Math.min(...tn))} to ${f(Math.max(...tn))} °C. The heat-wave alert thresholds (IBMn ${thresholdN ?? '—'} °C, IBMx ${thresholdX ?? '—'} °C) are drawn.`;
          }),
    x: { kind: 'day', label: text('Jour', 'Day'), values: days },
    y: { label: text('Température', 'Temperature'), unit: C, decimals: 1 },
    series: [
      { id: 'tx', label: text('TX (maximale)', 'TX (maximum)'), values: col('tx') },
      { id: 'tn', label: text('TN (minimale)', 'TN (minimum)'), values: col('tn') },
      { id: 'ibmx', label: text('IBMx', 'IBMx'), values: col('ibmx') },
      { id: 'ibmn', label: text('IBMn', 'IBMn'), values: col('ibmn') },
    ],
    thresholds: [
      ...(thresholdX === null ? [] : [{ value: thresholdX, kind: 'fr' as const, label: text(`Seuil IBMx ${thresholdX}`, `IBMx threshold ${thresholdX}`) }]),
      ...(thresholdN === null ? [] : [{ value: thresholdN, kind: 'fr' as const, label: text(`Seuil IBMn ${thresholdN}`, `IBMn threshold ${thresholdN}`) }]),
    ],
    source: SOURCE,
  };
}

async function weatherStations(duck: SectionInput['ctx']['lake']) {
  const r = await rows(
    duck,
    `SELECT w.station_id, w.station_name, w.lon, w.lat, CAST(w.day AS VARCHAR) AS day, w.tn, w.tx, w.departement
     FROM ${weatherDaily.name} w
     WHERE w.lon IS NOT NULL AND w.lat IS NOT NULL AND w.station_id IN (SELECT DISTINCT station_id FROM ${heatIndicatorsDaily.name})
     QUALIFY row_number() OVER (PARTITION BY w.station_id ORDER BY w.day DESC) = 1`,
  );
  const points: MapPoint[] = r.map((s) => ({
    id: String(s.station_id),
    name: str(s.station_name),
    lon: num(s.lon) ?? NaN,
    lat: num(s.lat) ?? NaN,
    commune_insee: null,
    label: both((l) => `${str(s.station_name) ?? String(s.station_id)} · TX ${num(s.tx) === null ? '—' : formatNumber(l, num(s.tx) ?? 0, 1)} °C (${formatDay(l, String(s.day))})`),
    properties: { station_id: String(s.station_id), name: str(s.station_name), departement: str(s.departement), latest_day: str(s.day), tn: num(s.tn), tx: num(s.tx) },
  }));
  return { id: 'weather-stations', kind: 'weather-station' as const, title: text('Stations météo', 'Weather stations'), points };
}

function heatMethodology(): MethodBlock {
  return {
    id: 'heat-indicators',
    title: text('Indicateurs de chaleur', 'Heat indicators'),
    paragraphs: [
      text(
        'Le système d’alerte canicule et santé (SACS) compare deux indicateurs biométéorologiques aux seuils de chaque département : IBMn, moyenne sur trois jours des températures minimales, et IBMx, moyenne sur trois jours des maximales, mesurées sous abri à la station de référence. Un jour est « de canicule » lorsque les deux atteignent leur seuil. Une valeur douteuse (code qualité 2) n’entre dans aucun indicateur.',
        'The heat-health warning system (SACS) compares two biometeorological indicators with each département’s thresholds: IBMn, the 3-day mean of the minimum temperatures, and IBMx, the 3-day mean of the maxima, measured under shelter at the reference station. A day is a heat-wave day when both reach their threshold. A doubtful value (quality code 2) enters no indicator.',
      ),
      text(
        `Nuit tropicale : TN ≥ ${HEAT.tropical_night_tn} °C ; jour chaud : TX ≥ ${HEAT.hot_day_tx} °C ; jour très chaud : TX ≥ ${HEAT.very_hot_day_tx} °C. Chaque commune prend les indicateurs de la station de référence de son département.`,
        `Tropical night: TN ≥ ${HEAT.tropical_night_tn} °C; hot day: TX ≥ ${HEAT.hot_day_tx} °C; very hot day: TX ≥ ${HEAT.very_hot_day_tx} °C. Each commune takes the indicators of its département’s reference station.`,
      ),
    ],
    formulas: [{ label: text('Indicateurs biométéorologiques', 'Biometeorological indicators'), expression: 'IBMn(j) = (TN(j) + TN(j−1) + TN(j−2)) / 3 · IBMx(j) = (TX(j) + TX(j−1) + TX(j−2)) / 3' }],
    tables: [
      {
        id: 'heat-thresholds',
        title: text('Seuils d’alerte canicule par département, en °C', 'Heat-wave alert thresholds by département, in °C'),
        columns: [
          { id: 'dep', label: text('Département', 'Département'), kind: 'text' },
          { id: 'station', label: text('Station de référence', 'Reference station'), kind: 'text' },
          { id: 'ibmn', label: text('Seuil IBMn', 'IBMn threshold'), kind: 'number', decimals: 0 },
          { id: 'ibmx', label: text('Seuil IBMx', 'IBMx threshold'), kind: 'number', decimals: 0 },
          { id: 'status', label: text('Statut', 'Status'), kind: 'text' },
        ],
        rows: METROPOLE_DEPARTEMENTS.flatMap((d) => {
          const t = HEAT.departements[d];
          if (!t) throw new Error(`heat thresholds: département ${d} of the Métropole missing from config/heat-thresholds.json; add its reference station and IBMn/IBMx thresholds`);
          return {
            dep: d,
            station: `${t.reference_name} (${t.reference_station})`,
            ibmn: t.ibmn,
            ibmx: t.ibmx,
            status: t.thresholds_status === 'confirmed' ? text('confirmé', 'confirmed') : text('provisoire', 'provisional'),
          };
        }),
        note: text(
          'Seuils et stations de référence de la vigilance canicule de Météo-France, par département ; seuls ceux de Paris sont confirmés par une source primaire, les autres sont provisoires.',
          'Thresholds and reference stations of Météo-France’s heat-wave vigilance, by département; only those of Paris are confirmed by a primary source, the others are provisional.',
        ),
        empty: text('—', '—'),
      },
    ],
  };
}

/** a Météo-France station by its name when it is a département's reference station, else its number */
function stationName(id: string | null): string {
  const d = Object.values(HEAT.departements).find((t) => t.reference_station === id);
  return d ? `${d.reference_name} (${id})` : (id ?? '—');
}
