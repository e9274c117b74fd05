import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseIndicatorsHourly } from '../../functions/lib/datasets/index.ts';
import { datasetFileKey } from '../../functions/lib/lake/layout.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { tempLake } from '../support/lake.ts';

// A large partitioned COPY may write one partition in several files: DuckDB closes files when more
// partitions are open than `partitioned_write_max_open_files` (100 by default: a full recompute of a year
// of daily partitions reaches it) and opens new ones. Each partition is still stored as one object,
// holding every row once.

describe('writePartitions with DuckDB writing a partition in several files', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeAll(async () => {
    lake = await tempLake();
  });
  afterAll(async () => lake?.cleanup());

  it('stores one object per partition with every row once', async () => {
    // 150 days (more partitions than DuckDB keeps open), rows in key order: each sensor's hours pass
    // through every day, so DuckDB closes a day's file and opens another for the next sensor
    const dayCount = 150;
    const sensors = 300;
    await lake.lake.run(`CREATE TEMP TABLE pw AS
      SELECT 's-' || (i // (${dayCount} * 24)) AS sensor_id, '93066' AS commune_insee,
        TIMESTAMPTZ '2025-06-01 00:00:00+00' + INTERVAL (i % (${dayCount} * 24)) HOUR AS hour_start,
        CAST(i % 24 AS INTEGER) AS local_hour, 50.0 + (i % 7) AS leq, 10 AS samples, 1.0 AS coverage,
        strftime(TIMESTAMPTZ '2025-06-01 00:00:00+00' + INTERVAL (i % (${dayCount} * 24)) HOUR, '%Y-%m-%d') AS dt
      FROM range(${sensors * dayCount * 24}) t(i)`);
    const days = (await lake.lake.all('SELECT DISTINCT dt FROM pw ORDER BY dt')).rows.map((r) => String(r['dt']));
    expect(days).toHaveLength(dayCount);
    const d = noiseIndicatorsHourly;
    const written = await lake.lake.writePartitions(d, { table: 'pw', partitionExpr: 'dt', partitions: days, keyOf: (dt) => datasetFileKey(d, 'part-0', dt) });
    expect(written.written).toBe(dayCount);
    const objects = await listKeys(lake.store, `${d.prefix}/`);
    expect(objects.map((o) => o.key).sort()).toEqual(days.map((dt) => datasetFileKey(d, 'part-0', dt)).sort());
    for (const dt of [days[0]!, days[dayCount - 1]!]) {
      const file = lake.store.localPath!(datasetFileKey(d, 'part-0', dt));
      const r = await lake.lake.all(`SELECT sensor_id, hour_start FROM read_parquet('${file}')`);
      expect(r.rows).toHaveLength(sensors * 24);
      const keys = r.rows.map((x) => `${String(x['sensor_id'])} ${(x['hour_start'] as Date).toISOString()}`);
      expect(new Set(keys).size).toBe(sensors * 24);
    }
  });
});
