// A FIWARE NGSI-v2 keyValues array of NoiseLevelObserved entities, as a network pushes it: the tests
// that run the hourly cadence feed their history and their new hour through the real ingest with it.

export interface BatchSensor {
  readonly id: string;
  readonly lon: number;
  readonly lat: number;
}

/** each sensor, `count` readings of `seconds` each from `start`; `level(k, i)` the LAeq of sensor k's i-th reading */
export function fiwareBatch(sensors: readonly BatchSensor[], start: string, count: number, seconds: number, level: (k: number, i: number) => number): Buffer {
  const t0 = Date.parse(start);
  const entities = sensors.flatMap((s, k) =>
    Array.from({ length: count }, (_, i) => {
      const from = new Date(t0 + i * seconds * 1000);
      return {
        id: `urn:ngsi-ld:NoiseLevelObserved:${s.id}-${from.toISOString()}`,
        type: 'NoiseLevelObserved',
        refDevice: s.id,
        location: { type: 'Point', coordinates: [s.lon, s.lat] },
        dateObservedFrom: from.toISOString(),
        dateObservedTo: new Date(from.getTime() + seconds * 1000).toISOString(),
        LAeq: level(k, i),
      };
    }),
  );
  return Buffer.from(JSON.stringify(entities));
}
