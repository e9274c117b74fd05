import { declareDataset } from './declaration.ts';
import { OPEN_LICENCE, sensorId } from './common.ts';

// The sensor registry: what a network says about its sensors, independently of their readings — where
// each stands (and from when to when), how long each reading lasts and whether its time stamps the
// start or the end. The noise ingest takes a reading's position and integration interval from here.

export const sensorRegistry = declareDataset({
  name: 'sensor_registry',
  title: 'Sensor registry',
  description:
    'Registered noise sensors: one row per sensor and period of validity (a sensor that moves gets a new row from the day it moves; its earlier readings keep the old position).',
  prefix: 'curated/sensor_registry',
  columns: [
    sensorId,
    { name: 'name', type: 'string', nullable: true, description: 'Human-readable name' },
    { name: 'network', type: 'string', nullable: true, description: 'The network the sensor belongs to' },
    { name: 'interval_s', type: 'double', unit: 's', nullable: true, min: 0, description: 'Integration time of each reading, for readings stamped with a single instant' },
    { name: 'interval_anchor', type: 'string', nullable: true, values: ['end', 'start'], description: 'Whether a single instant ends (end) or starts (start) its reading' },
    { name: 'lon', type: 'double', unit: '°', min: -180, max: 180, description: 'Longitude (WGS84)' },
    { name: 'lat', type: 'double', unit: '°', min: -90, max: 90, description: 'Latitude (WGS84)' },
    { name: 'valid_from', type: 'timestamp', nullable: true, description: 'Start of the period at this position (UTC; NULL: since always)' },
    { name: 'valid_to', type: 'timestamp', nullable: true, description: 'End of the period at this position, exclusive (UTC; NULL: still there)' },
    { name: 'source', type: 'string', description: 'The registry file the row comes from (its raw key)' },
  ],
  key: ['sensor_id', 'valid_from'],
  duplicateRule: 'A registry file replaces the rows of the sensors it lists; the other sensors keep theirs.',
  licence: OPEN_LICENCE,
  provenance: 'Registry files (CSV, GeoJSON points or NGSI Device entities) ingested with `observatory ingest sensors FILE`.',
});
