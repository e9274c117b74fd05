import { describe, expect, it } from 'vitest';
import { ingestAccess, stageAccess } from '../../infra/lake-access.ts';
import { stageNamed } from '../../functions/lib/stages/registry.ts';

// The sensors merge reads the sensor registry (sensors = registered ∪ seen in readings): the function that
// runs it hourly and the ingest functions that run it after their files may read the registry, and none of
// them may write or delete it (only `observatory ingest sensors` does); they delete only the sightings merged.

const REGISTRY = 'curated/sensor_registry/';
const SIGHTINGS = 'staging/sensor-sightings/';

describe('the sensors merge’s access to the sensor registry', () => {
  it('lets the sensors stage read the registry and rewrite only its own outputs', () => {
    const access = stageAccess(stageNamed('sensors'));
    expect(access.reads).toContain(REGISTRY);
    expect(access.writes).not.toContain(REGISTRY);
    expect(access.deletes).not.toContain(REGISTRY);
  });

  it('lets the ingest functions read the registry, and delete the staged sightings only', () => {
    for (const incoming of [true, false]) {
      const access = ingestAccess({ incoming });
      expect(access.reads).toContain(REGISTRY);
      expect(access.writes).not.toContain(REGISTRY);
      expect(access.deletes).toContain(SIGHTINGS);
      expect(access.deletes).not.toContain(REGISTRY);
    }
  });
});
