// A minimal reader of the simulator's output for the tests: not the project's parser, just enough
// to check what the files contain.
import type { DemoFile } from '../../functions/lib/demo/index.ts';

export interface Decoded {
  readonly file: string;
  readonly id: string;
  readonly type: string;
  readonly sensor: string;
  readonly from: string;
  readonly to: string;
  readonly laeq: number;
  readonly lamax: number;
  readonly las: number;
  readonly lon: number;
  readonly lat: number;
  readonly noiseSource: string;
  readonly dataProvider: string;
  readonly encoding: string;
}

type Json = Record<string, unknown>;

const unwrap = (x: unknown): unknown => {
  if (x && typeof x === 'object' && !Array.isArray(x)) {
    const o = x as Json;
    if ('@value' in o) return o['@value'];
    if ('object' in o) return o.object;
    if ('value' in o) return unwrap(o.value);
  }
  return x;
};

export function encodingOf(e: Json): string {
  if (e.type === 'Feature') return 'geojson-feature';
  const ld = '@context' in e;
  const normalized = typeof e.LAeq === 'object';
  return `ngsi-${ld ? 'ld' : 'v2'}-${normalized ? 'normalized' : 'keyvalues'}`;
}

export function decodeEntity(file: string, e: Json): Decoded {
  const p = e.type === 'Feature' ? { ...(e.properties as Json), id: e.id } : e;
  const location = unwrap(p.location) as { coordinates: [number, number] };
  const ref = (unwrap(p.refDevice) ?? unwrap(p.refPointOfInterest)) as string | undefined;
  const [lon, lat] = location.coordinates;
  return {
    file,
    id: p.id as string,
    type: p.type as string,
    sensor: ref ?? `loc:${lon.toFixed(5)},${lat.toFixed(5)}`,
    from: unwrap(p.dateObservedFrom) as string,
    to: unwrap(p.dateObservedTo) as string,
    laeq: unwrap(p.LAeq) as number,
    lamax: unwrap(p.LAmax) as number,
    las: unwrap(p.LAS) as number,
    lon,
    lat,
    noiseSource: unwrap(p.noiseSource) as string,
    dataProvider: unwrap(p.dataProvider) as string,
    encoding: encodingOf(e),
  };
}

/** the entities of every readable FIWARE file, in arrival order */
export function decodeFiles(files: readonly DemoFile[]): Decoded[] {
  const out: Decoded[] = [];
  for (const f of files) {
    if (f.kind !== 'noise-fiware') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.bytes.toString('utf8'));
    } catch {
      continue;
    }
    for (const e of parsed as Json[]) out.push(decodeEntity(f.name, e));
  }
  return out;
}
