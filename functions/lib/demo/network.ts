import { COMMUNES, communeAt, communeBbox, pointInCommune, type Commune } from '../domain/geo/communes.ts';
import { ARRONDISSEMENTS, arrondissementAt, arrondissementBbox, PARIS_INSEE } from '../domain/geo/arrondissements.ts';
import { NOISE_SOURCES } from '../datasets/noise.ts';
import { shuffled, stream, uniform, weighted, type Random } from './prng.ts';

// The simulated sensor network: where each sensor stands, what it listens to, how loud its site is,
// and how it delivers its data.

export type NoiseSource = Exclude<(typeof NOISE_SOURCES)[number], 'unknown'>;
export type SiteType = 'quiet' | 'moderate' | 'loud';
export type Airport = 'orly' | 'le-bourget' | 'roissy';
export const ENCODINGS = ['ngsi-v2-keyvalues', 'ngsi-v2-normalized', 'ngsi-ld-keyvalues', 'ngsi-ld-normalized', 'geojson-feature'] as const;
export type Encoding = (typeof ENCODINGS)[number];
/** which FIWARE reference names the sensor: refDevice, refPointOfInterest only, or none (location-derived id) */
export type Reference = 'device' | 'point-of-interest' | 'none';

export interface DemoSensor {
  /** local name, also the <sensor> part of entity ids: demo-<insee>-<nn> */
  readonly key: string;
  /** the sensor_id ingestion derives: refDevice, else refPointOfInterest, else loc:<lon>,<lat> */
  readonly sensorId: string;
  readonly name: string;
  readonly communeInsee: string;
  readonly communeName: string;
  readonly inMetropole: boolean;
  /** WGS84, 5 decimals (about 1 m) */
  readonly lon: number;
  readonly lat: number;
  readonly noiseSource: NoiseSource;
  readonly site: SiteType;
  readonly siteLabel: string;
  /** nominal weekday daytime LAeq of the site, dB(A) */
  readonly dayLevel: number;
  /** daytime LAeq of the road traffic heard at the site, dB(A) */
  readonly roadLevel: number;
  /** how deep the night trough is relative to the standard road profile (1 = standard) */
  readonly nightDepth: number;
  /** sound exposure level of one train or aircraft pass-by, dB(A) */
  readonly passByLevel: number;
  readonly airport: Airport | undefined;
  readonly sonometerClass: '1' | '2';
  readonly reference: Reference;
  readonly delivery: 'fiware' | 'csv';
  /** the encoding the sensor's vendor gateway uses */
  readonly encoding: Encoding;
}

// communes under approach/departure paths; the first sensor there watches aircraft
const AIRPORT_COMMUNES: Readonly<Record<string, Airport>> = {
  '94054': 'orly', // Orly
  '94077': 'orly', // Villeneuve-le-Roi
  '91479': 'orly', // Paray-Vieille-Poste
  '91027': 'orly', // Athis-Mons
  '94001': 'orly', // Ablon-sur-Seine
  '91432': 'orly', // Morangis
  '93013': 'le-bourget', // Le Bourget
  '93030': 'le-bourget', // Dugny
  '93007': 'le-bourget', // Le Blanc-Mesnil
  '93073': 'roissy', // Tremblay-en-France
  '93078': 'roissy', // Villepinte
};
// ports and markets whose last sensor watches industrial activity
const INDUSTRY_COMMUNES = new Set(['92036' /* Gennevilliers port */, '94011' /* Bonneuil port */, '94065' /* Rungis market */]);

const AIRPORT_NAMES: Readonly<Record<Airport, string>> = { orly: 'Orly', 'le-bourget': 'Le Bourget', roissy: 'Roissy-CDG' };

/** flights (or trains) per hour at the busiest daytime hours: the pass-by level is derived from it */
export const DAYTIME_PASSES_PER_HOUR = { rail: 10, orly: 14, 'le-bourget': 3, roissy: 20 } as const;

/** default network size: Paris 20 sensors (one per arrondissement), 3 in communes of 100 000+ inhabitants, 2 from 50 000, else 1 */
export function defaultSensorsPerCommune(commune: Commune): number {
  if (commune.commune_insee === PARIS_INSEE) return 20;
  if (commune.population >= 100_000) return 3;
  if (commune.population >= 50_000) return 2;
  return 1;
}

// two sensors outside the Métropole exercise in_metropole = false
const OUTSIDE = [
  { insee: '78646', name: 'Versailles', lon: 2.1301, lat: 48.8049, source: 'road' as const, airport: undefined },
  { insee: '95527', name: 'Roissy-en-France', lon: 2.5175, lat: 49.004, source: 'air' as const, airport: 'roissy' as const },
];

const round5 = (x: number) => Math.round(x * 1e5) / 1e5;

/**
 * a point inside the commune polygon (inside the arrondissement too, for a sensor of Paris given one):
 * rejection sampling in its bounding box
 */
function pointIn(random: Random, insee: string, taken: Set<string>, arrondissement?: string): [number, number] {
  const bbox = arrondissement ? arrondissementBbox(arrondissement) : communeBbox(insee);
  if (!bbox) throw new Error(`commune ${insee}: no geometry`);
  const [x0, y0, x1, y1] = bbox;
  for (let tries = 0; tries < 100_000; tries++) {
    const lon = round5(uniform(random, x0, x1));
    const lat = round5(uniform(random, y0, y1));
    // also require the commune lookup to agree, so simplified borders never attribute it elsewhere
    if (
      !taken.has(`${lon},${lat}`) &&
      pointInCommune(lon, lat, insee) &&
      communeAt(lon, lat)?.commune_insee === insee &&
      (!arrondissement || arrondissementAt(lon, lat).arrondissement_insee === arrondissement)
    ) {
      taken.add(`${lon},${lat}`);
      return [lon, lat];
    }
  }
  throw new Error(`commune ${insee}${arrondissement ? `, arrondissement ${arrondissement}` : ''}: no point found inside its polygon`);
}

/** Paris's sensors go to its arrondissements in turn, the most populous first: with 20 sensors, one in each */
const PARIS_SENSOR_ARRONDISSEMENTS = [...ARRONDISSEMENTS].sort((a, b) => b.population - a.population).map((a) => a.arrondissement_insee);

interface Draft {
  key: string;
  communeInsee: string;
  communeName: string;
  inMetropole: boolean;
  lon: number;
  lat: number;
  noiseSource: NoiseSource;
  airport: Airport | undefined;
  /** a fixed site for the showcase sensors of Paris */
  site?: { site: SiteType; label: string; dayLevel: number; nightDepth: number };
}

const ROAD_SITES: Readonly<Record<SiteType, { label: string; day: [number, number]; depth: [number, number] }>> = {
  quiet: { label: 'park', day: [45, 50], depth: [1.0, 1.15] },
  moderate: { label: 'residential street', day: [55, 60], depth: [0.95, 1.1] },
  loud: { label: 'boulevard', day: [70, 75], depth: [0.8, 0.95] },
};

function siteOf(level: number): SiteType {
  return level < 52 ? 'quiet' : level < 65 ? 'moderate' : 'loud';
}

function completeSensor(seed: number, d: Draft): Omit<DemoSensor, 'reference' | 'delivery' | 'encoding' | 'sensorId'> {
  const r = stream(seed, 'sensor', d.key);
  const sonometerClass = r() < 0.25 ? '1' : '2';
  const common = { ...d, sonometerClass } as const;
  const number = Number(d.key.slice(-2));
  const name = (label: string) => `DEMO ${d.communeName} ${number} — ${label}`;
  if (d.site) {
    const { site, label, dayLevel, nightDepth } = d.site;
    return { ...common, name: name(label), site, siteLabel: label, dayLevel, roadLevel: dayLevel, nightDepth, passByLevel: 0 };
  }
  switch (d.noiseSource) {
    case 'road': {
      const site = weighted<SiteType>(r, [['quiet', 0.2], ['moderate', 0.5], ['loud', 0.3]]);
      const s = ROAD_SITES[site];
      const dayLevel = uniform(r, ...s.day);
      return { ...common, name: name(s.label), site, siteLabel: s.label, dayLevel, roadLevel: dayLevel, nightDepth: uniform(r, ...s.depth), passByLevel: 0 };
    }
    case 'rail': {
      const dayLevel = uniform(r, 60, 66);
      const label = 'railway line';
      return { ...common, name: name(label), site: siteOf(dayLevel), siteLabel: label, dayLevel, roadLevel: uniform(r, 48, 55), nightDepth: 1, passByLevel: passBy(dayLevel, DAYTIME_PASSES_PER_HOUR.rail) };
    }
    case 'air': {
      const airport = d.airport ?? 'orly';
      const dayLevel = airport === 'le-bourget' ? uniform(r, 52, 57) : uniform(r, 57, 64);
      const label = `${AIRPORT_NAMES[airport]} flight path`;
      return { ...common, name: name(label), site: siteOf(dayLevel), siteLabel: label, dayLevel, roadLevel: uniform(r, 46, 54), nightDepth: 1, passByLevel: passBy(dayLevel, DAYTIME_PASSES_PER_HOUR[airport]) };
    }
    case 'industry': {
      const dayLevel = uniform(r, 60, 66);
      const label = 'industrial zone';
      return { ...common, name: name(label), site: siteOf(dayLevel), siteLabel: label, dayLevel, roadLevel: dayLevel - uniform(r, 4, 8), nightDepth: 0.9, passByLevel: 0 };
    }
    case 'mixed': {
      const dayLevel = uniform(r, 62, 68);
      const label = 'station square';
      return { ...common, name: name(label), site: siteOf(dayLevel), siteLabel: label, dayLevel, roadLevel: dayLevel, nightDepth: uniform(r, 0.9, 1.05), passByLevel: passBy(dayLevel - 3, DAYTIME_PASSES_PER_HOUR.rail / 2) };
    }
  }
}

/** the pass-by SEL giving `level` dB(A) LAeq with `perHour` pass-bys an hour: SEL = L − 10·log10(n/3600 s) */
function passBy(level: number, perHour: number): number {
  return level - 10 * Math.log10(perHour / 3600);
}

export interface NetworkOptions {
  readonly seed: number;
  readonly sensorsPerCommune: number | ((commune: Commune) => number);
}

export function sensorIdOf(s: Pick<DemoSensor, 'key' | 'reference' | 'lon' | 'lat'>): string {
  if (s.reference === 'device') return `urn:ngsi-ld:Device:${s.key}`;
  if (s.reference === 'point-of-interest') return `urn:ngsi-ld:PointOfInterest:${s.key}`;
  return `loc:${s.lon.toFixed(5)},${s.lat.toFixed(5)}`;
}

/** the whole network, in a stable order (Paris first, then by INSEE code; the outside sensors last) */
export function demoNetwork(options: NetworkOptions): DemoSensor[] {
  const { seed } = options;
  const perCommune = typeof options.sensorsPerCommune === 'number' ? () => options.sensorsPerCommune as number : options.sensorsPerCommune;
  const place = stream(seed, 'placement');
  const kinds = stream(seed, 'sources');
  const taken = new Set<string>();
  const drafts: Draft[] = [];
  const communes = [...COMMUNES].sort((a, b) => (a.commune_insee === PARIS_INSEE ? -1 : b.commune_insee === PARIS_INSEE ? 1 : a.commune_insee.localeCompare(b.commune_insee)));
  for (const c of communes) {
    const n = Math.max(1, Math.floor(perCommune(c)));
    for (let i = 1; i <= n; i++) {
      const key = `demo-${c.commune_insee}-${String(i).padStart(2, '0')}`;
      const arrondissement = c.commune_insee === PARIS_INSEE ? PARIS_SENSOR_ARRONDISSEMENTS[(i - 1) % PARIS_SENSOR_ARRONDISSEMENTS.length] : undefined;
      const [lon, lat] = pointIn(place, c.commune_insee, taken, arrondissement);
      const airport = AIRPORT_COMMUNES[c.commune_insee];
      let noiseSource: NoiseSource = weighted<NoiseSource>(kinds, [['road', 0.8], ['rail', 0.1], ['mixed', 0.1]]);
      if (i === 1 && airport) noiseSource = 'air';
      else if (i === n && INDUSTRY_COMMUNES.has(c.commune_insee)) noiseSource = 'industry';
      const draft: Draft = { key, communeInsee: c.commune_insee, communeName: c.name, inMetropole: true, lon, lat, noiseSource, airport: noiseSource === 'air' ? airport : undefined };
      // Paris showcases the two extremes: the boulevard périphérique and a park
      if (c.commune_insee === PARIS_INSEE && i === 1) draft.site = { site: 'loud', label: 'boulevard périphérique', dayLevel: 75, nightDepth: 0.8 };
      if (c.commune_insee === PARIS_INSEE && i === 2) draft.site = { site: 'quiet', label: 'park', dayLevel: 46, nightDepth: 1.1 };
      if (draft.site) draft.noiseSource = 'road';
      drafts.push(draft);
    }
  }
  const jitter = stream(seed, 'outside');
  for (const o of OUTSIDE) {
    const lon = round5(o.lon + uniform(jitter, -0.002, 0.002));
    const lat = round5(o.lat + uniform(jitter, -0.002, 0.002));
    drafts.push({ key: `demo-${o.insee}-01`, communeInsee: o.insee, communeName: o.name, inMetropole: false, lon, lat, noiseSource: o.source, airport: o.airport });
  }

  const sensors = drafts.map((d) => completeSensor(seed, d));
  // delivery and identification: a few CSV series, a few sensors known only by a point of interest or by location
  const roles = stream(seed, 'roles');
  const ordinary = shuffled(
    roles,
    sensors.filter((s) => s.inMetropole && s.noiseSource === 'road' && s.communeInsee !== PARIS_INSEE),
  ).map((s) => s.key);
  const csv = new Set(ordinary.slice(0, 3));
  const poi = new Set(ordinary.slice(3, 7));
  const none = new Set(ordinary.slice(7, 9));
  const vendor = stream(seed, 'vendors');
  return sensors.map((s) => {
    const reference: Reference = poi.has(s.key) ? 'point-of-interest' : none.has(s.key) ? 'none' : 'device';
    const encoding = weighted<Encoding>(vendor, [
      ['ngsi-v2-keyvalues', 0.3],
      ['ngsi-v2-normalized', 0.2],
      ['ngsi-ld-keyvalues', 0.2],
      ['ngsi-ld-normalized', 0.2],
      ['geojson-feature', 0.1],
    ]);
    const full = { ...s, reference, delivery: csv.has(s.key) ? ('csv' as const) : ('fiware' as const), encoding };
    return { ...full, sensorId: sensorIdOf(full) };
  });
}

