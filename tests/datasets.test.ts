import { describe, expect, it } from 'vitest';
import { DATASETS, noiseReadings } from '../functions/lib/datasets/index.ts';
import { glueColumns, rowSchema, validateRow } from '../functions/lib/datasets/derive.ts';

describe('dataset declarations', () => {
  it('validateRow() names the field, the expectation and what was found', () => {
    const row = {
      sensor_id: 's1', commune_insee: null, ts_from: new Date('2025-01-01T00:00:00Z'), ts_to: new Date('2025-01-01T00:01:00Z'),
      laeq: 151, lamax: null, las: null, source_kind: 'noise-csv', raw_key: 'raw/x', record: 3, received_at: new Date(), dt: '2025-01-01',
    };
    const failures = validateRow(noiseReadings, row, { now: new Date('2025-01-02T00:00:00Z') });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ field: 'laeq', found: '151' });
    expect(failures[0]!.expected).toContain('[0, 150] dB(A)');
  });

  it('glue columns and zod keys cover every declared column exactly once', () => {
    for (const d of DATASETS) {
      const { columns, partitionKeys } = glueColumns(d);
      expect([...columns, ...partitionKeys].map((c) => c.name).sort()).toEqual(d.columns.map((c) => c.name).sort());
      expect(Object.keys(rowSchema(d).shape).sort()).toEqual(d.columns.map((c) => c.name).sort());
    }
  });
});
