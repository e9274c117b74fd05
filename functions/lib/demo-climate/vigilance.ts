import { SECTIONS } from '../domain/flood/sections.ts';
import { localDayBounds } from '../domain/time/paris.ts';
import { DEMO_FLOOD, DEMO_STATION_MODELS, demoStage } from './hydrograph.ts';

// Simulated Vigicrues bulletins for the demo flood, in the shape of InfoVigiCru.geojson: one feature
// per section (the configured sections of the Métropole, whose geometry is their course, plus two
// sections elsewhere that stay green), issued at 10:00 and 16:00 Paris time. A section's level follows
// the stage its gauge will reach 24 hours later, as a forecaster's would. Demo data.

/** section → gauge and the stages (m) of yellow, orange and red (demo thresholds, not Vigicrues') */
const SECTION_GAUGES: Readonly<Record<string, { readonly station: string; readonly levels: readonly [number, number, number] }>> = {
  IF3: { station: 'F490000104', levels: [3.0, 4.0, 6.0] },
  IF5: { station: 'F700000103', levels: [3.3, 4.5, 6.5] },
  IF17: { station: 'F664000404', levels: [2.5, 3.4, 4.5] },
};

const ELSEWHERE = [
  { code: 'DEMO-LO7', label: 'Loire blésoise (demo)', line: [[1.30, 47.57], [1.36, 47.60]] },
  { code: 'DEMO-YO2', label: 'Yonne aval (demo)', line: [[3.28, 48.20], [3.02, 48.38]] },
] as const;

export interface DemoBulletin {
  readonly at: Date;
  readonly levels: Readonly<Record<string, number>>;
  readonly body: string;
}

export function demoLevel(section: string, ms: number): number {
  const g = SECTION_GAUGES[section];
  if (!g) return 1;
  const model = DEMO_STATION_MODELS.find((m) => m.station === g.station)!;
  const stage = demoStage(model, ms + 24 * 3_600_000);
  return 1 + g.levels.filter((x) => stage >= x).length;
}

export function demoBulletins(options: { start?: string; days?: number } = {}): DemoBulletin[] {
  const first = options.start ?? DEMO_FLOOD.start;
  const days = options.days ?? DEMO_FLOOD.days;
  const out: DemoBulletin[] = [];
  const [y, m, d0] = first.split('-').map(Number) as [number, number, number];
  for (let d = 0; d < days; d++) {
    const date = new Date(Date.UTC(y, m - 1, d0 + d)).toISOString().slice(0, 10);
    const dayStart = localDayBounds(date).start;
    for (const hour of [10, 16]) {
      // local midnight + hours: exact away from the clock changes (the demo flood is in January)
      const at = new Date(dayStart + hour * 3_600_000);
      const levels: Record<string, number> = {};
      const features = [
        ...SECTIONS.map((s, i) => {
          levels[s.code] = demoLevel(s.code, at.getTime());
          return feature(i + 1, s.code, s.label, levels[s.code]!, s.course);
        }),
        ...ELSEWHERE.map((e, i) => {
          levels[e.code] = 1;
          return feature(SECTIONS.length + i + 1, e.code, e.label, 1, [e.line]);
        }),
      ];
      const doc = { type: 'FeatureCollection', DtHrInfoVigiCru: at.toISOString().replace('.000Z', '+00:00'), features };
      out.push({ at, levels, body: JSON.stringify(doc) });
    }
  }
  return out;
}

function feature(gid: number, code: string, label: string, level: number, lines: readonly (readonly (readonly number[])[])[]) {
  return {
    type: 'Feature',
    properties: { gid, CdEntCru: code, typentcru: '8', lbentcru: label, NivInfViCr: level, dhmentcru: '2020/01/01 00:00:00.000', cdensup_1: '7', demo: true },
    geometry: { type: 'MultiLineString', coordinates: lines },
  };
}
