import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPartitioned } from '../../functions/lib/datasets/declaration.ts';
import { glueColumns } from '../../functions/lib/datasets/derive.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { dedupQueries, glueTableInput, sqlFileQueries } from '../../infra/catalog.ts';
import { logicalId, resourcesOf, synthObservatory, text, type SynthesizedObservatory } from './support.ts';

interface TableInput {
  Name: string;
  Parameters: Record<string, string>;
  PartitionKeys: unknown[];
  StorageDescriptor: { Columns: unknown[]; Location: unknown; SerdeInfo: { SerializationLibrary: string }; InputFormat: string };
}

describe('catalog: Glue tables from the dataset declarations, Athena, researchers', () => {
  let dev: SynthesizedObservatory;
  let tables: Map<string, TableInput>;
  beforeAll(() => {
    dev = synthObservatory('dev');
    tables = new Map(
      Object.values(resourcesOf(dev.templates.catalog, 'AWS::Glue::Table')).map((r) => {
        const input = r.Properties!.TableInput as TableInput;
        return [input.Name, input];
      }),
    );
  });

  it('has one table per declared dataset, in the observatory database', () => {
    expect([...tables.keys()].sort()).toEqual(DATASETS.map((d) => d.name).sort());
    dev.templates.catalog.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'observatory_dev' } });
    for (const r of Object.values(resourcesOf(dev.templates.catalog, 'AWS::Glue::Table'))) expect(r.Properties!.DatabaseName).toBe('observatory_dev');
  });

  it('gives each table exactly the columns and partition keys glueColumns() derives from its declaration', () => {
    const upper = (cs: { name: string; type: string; comment: string }[]) => cs.map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment }));
    for (const d of DATASETS) {
      const t = tables.get(d.name)!;
      const expected = glueColumns(d);
      expect(t.StorageDescriptor.Columns, d.name).toEqual(upper(expected.columns));
      expect(t.PartitionKeys ?? [], d.name).toEqual(upper(expected.partitionKeys));
    }
  });

  it('reads Parquet with the Hive Parquet SerDe, at the dataset prefix in the lake bucket', () => {
    const lake = logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'Lake');
    for (const d of DATASETS) {
      const t = tables.get(d.name)!;
      expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
      expect(t.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
      expect(t.Parameters.classification).toBe('parquet');
      expect(text(t.StorageDescriptor.Location)).toContain(lake);
      expect(text(t.StorageDescriptor.Location)).toContain(`/${d.prefix}/`);
    }
  });

  it('projects the dt partitions (date, yyyy-MM-dd, from the configured start — or the dataset’s older history — to NOW) of partitioned datasets only', () => {
    for (const d of DATASETS) {
      const p = tables.get(d.name)!.Parameters;
      if (!isPartitioned(d)) {
        expect(Object.keys(p).filter((k) => k.startsWith('projection.')), d.name).toEqual([]);
        continue;
      }
      expect(p, d.name).toMatchObject({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': `${d.historySince && d.historySince < dev.config.dataStartDate ? d.historySince : dev.config.dataStartDate},NOW`,
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
      });
      expect(text(p['storage.location.template'])).toContain(`/${d.prefix}/dt=\${dt}/`);
    }
    // the weather history the poller loads (the "previous" files, from 1950) is visible to Athena
    for (const name of ['weather_daily', 'heat_indicators_daily', 'heat_indicators_commune_daily']) {
      expect(tables.get(name)!.Parameters['projection.dt.range'], name).toBe('1950-01-01,NOW');
    }
    expect(tables.get('noise_readings')!.Parameters['projection.dt.range']).toBe(`${dev.config.dataStartDate},NOW`);
  });

  it('fails the synth, naming the column, when a Glue comment would exceed 255 characters', () => {
    const d = DATASETS[0]!;
    const long = { ...d, columns: d.columns.map((c, i) => (i === 0 ? { ...c, description: 'x'.repeat(300) } : c)) };
    expect(() => glueTableInput(long, 'bucket', '2024-01-01')).toThrow(new RegExp(`dataset ${d.name}, column ${d.columns[0]!.name}: .*255`));
  });

  it('runs queries in a workgroup that enforces its settings, encrypts results with KMS and caps the bytes scanned', () => {
    const key = logicalId(dev.templates.storage, 'AWS::KMS::Key', 'DataKey');
    const [wg] = Object.values(resourcesOf(dev.templates.catalog, 'AWS::Athena::WorkGroup'));
    const c = wg!.Properties!.WorkGroupConfiguration as Record<string, unknown> & { ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: string; KmsKey: unknown }; OutputLocation: unknown } };
    expect(c.EnforceWorkGroupConfiguration).toBe(true);
    expect(c.BytesScannedCutoffPerQuery).toBe(dev.config.athena.bytesScannedCutoffPerQuery);
    expect(c.PublishCloudWatchMetricsEnabled).toBe(true);
    expect(c.ResultConfiguration.EncryptionConfiguration.EncryptionOption).toBe('SSE_KMS');
    expect(text(c.ResultConfiguration.EncryptionConfiguration.KmsKey)).toContain(key);
    expect(text(c.ResultConfiguration.OutputLocation)).toContain(logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'AthenaResults'));
  });

  it('registers every notebooks/sql/*.sql file, and a deduplicating query per dataset with a duplicate rule, as named queries', () => {
    const named = Object.values(resourcesOf(dev.templates.catalog, 'AWS::Athena::NamedQuery')).map((r) => r.Properties as { Name: string; QueryString: string; WorkGroup: string });
    const files = sqlFileQueries();
    expect(files.map((q) => q.name)).toContain('commune_lden_by_month');
    expect(named.map((q) => q.Name).sort()).toEqual([...files, ...dedupQueries(DATASETS)].map((q) => q.name).sort());
    for (const q of files) expect(named.find((n) => n.Name === q.name)!.QueryString).toBe(q.sql);
    for (const q of named) expect(q.WorkGroup).toBe('observatory-dev');
  });

  it('reads the .sql files of a folder, and none when the folder is missing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'observatory-sql-'));
    writeFileSync(path.join(dir, 'b.sql'), '-- second query\nSELECT 2');
    writeFileSync(path.join(dir, 'a.sql'), 'SELECT 1');
    writeFileSync(path.join(dir, 'notes.md'), '# not sql');
    expect(sqlFileQueries(dir).map((q) => [q.name, q.description])).toEqual([
      ['a', 'notebooks/sql/a.sql'],
      ['b', 'second query'],
    ]);
    expect(sqlFileQueries(path.join(dir, 'missing'))).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the researcher policy', () => {
    let statements: { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[];
    beforeAll(() => {
      const [policy] = Object.values(resourcesOf(dev.templates.catalog, 'AWS::IAM::ManagedPolicy'));
      statements = (policy!.Properties!.PolicyDocument as { Statement: typeof statements }).Statement;
    });
    const actions = () => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

    it('only reads data and the catalog, and only writes query results', () => {
      const writes = actions().filter((a) => /^(s3:(Put|Delete)|glue:(Create|Update|Delete|Batch(Create|Delete|Update))|athena:(Create|Delete|Update))/.test(a));
      expect(writes).toEqual(['s3:PutObject']);
      const put = statements.find((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('s3:PutObject'))!;
      expect(text(put.Resource)).toContain(logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'AthenaResults'));
      expect(text(put.Resource)).toContain('/observatory-dev/*');
      expect(actions().some((a) => a.endsWith(':*'))).toBe(false);
    });

    it('reads exactly the declared datasets’ prefixes of the lake bucket, never the whole bucket', () => {
      const read = statements.find((s) => s.Sid === 'ReadTheDatasets')!;
      const resources = text(read.Resource);
      for (const d of DATASETS) expect(resources).toContain(`/${d.prefix}/*`);
      expect(resources).not.toMatch(/"\/\*"/);
      expect(text(statements)).not.toContain('raw/');
      expect(text(statements)).not.toContain(logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'Raw'));
    });

    it('queries through the observatory workgroup only', () => {
      const q = statements.find((s) => s.Sid === 'QueryThroughTheWorkGroup')!;
      expect(text(q.Resource)).toContain(':workgroup/observatory-dev');
    });

    it('is attached to an assumable researcher role', () => {
      dev.templates.catalog.hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 4 * 3600 });
    });
  });
});
