import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { observationTimeCheck } from '../../functions/lib/datasets/common.ts';
import { isPartitioned, type DatasetDeclaration } from '../../functions/lib/datasets/declaration.ts';
import { glueColumns } from '../../functions/lib/datasets/derive.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { dedupQueries, glueTableInput, sqlFileQueries } from '../../infra/catalog.ts';
import { loadConfig } from '../../infra/config.ts';
import { cdkJsonContext } from '../../infra/observatory.ts';
import { CatalogStack, prefixFamilies } from '../../infra/stacks/catalog-stack.ts';
import { StorageStack } from '../../infra/stacks/storage-stack.ts';
import { defined, logicalId, policySize, resourcesOf, synthObservatory, text, type SynthesizedObservatory } from './support.ts';

const PARIS_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });
const parisDate = (d: Date) => PARIS_DAY.format(d);

interface TableInput {
  Name: string;
  Parameters: Record<string, string>;
  PartitionKeys: unknown[];
  StorageDescriptor: { Columns: unknown[]; Location: unknown; SerdeInfo: { SerializationLibrary: string }; InputFormat: string };
}

// set up once for every describe of this file
let dev: SynthesizedObservatory;
let tables: Map<string, TableInput>;
beforeAll(() => {
  dev = synthObservatory('dev');
  tables = new Map(
    Object.values(resourcesOf(dev.templates.catalog, 'AWS::Glue::Table')).map((r) => {
      const input = r.Properties?.TableInput as TableInput;
      return [input.Name, input];
    }),
  );
});

describe('catalog: Glue tables from the dataset declarations', () => {
  it('has one table per declared dataset, in the observatory database', () => {
    expect([...tables.keys()].sort()).toEqual(DATASETS.map((d) => d.name).sort());
    dev.templates.catalog.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'observatory_dev' } });
    for (const r of Object.values(resourcesOf(dev.templates.catalog, 'AWS::Glue::Table'))) expect(r.Properties?.DatabaseName).toBe('observatory_dev');
  });

  it('gives each table exactly the columns and partition keys glueColumns() derives from its declaration', () => {
    const upper = (cs: { name: string; type: string; comment: string }[]) => cs.map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment }));
    for (const d of DATASETS) {
      const t = defined(tables.get(d.name), `the table of ${d.name}`);
      const expected = glueColumns(d);
      expect(t.StorageDescriptor.Columns, d.name).toEqual(upper(expected.columns));
      expect(t.PartitionKeys ?? [], d.name).toEqual(upper(expected.partitionKeys));
    }
  });

  it('reads Parquet with the Hive Parquet SerDe, at the dataset prefix in the lake bucket', () => {
    const lake = logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'Lake');
    for (const d of DATASETS) {
      const t = defined(tables.get(d.name), `the table of ${d.name}`);
      expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
      expect(t.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
      expect(t.Parameters.classification).toBe('parquet');
      expect(text(t.StorageDescriptor.Location)).toContain(lake);
      expect(text(t.StorageDescriptor.Location)).toContain(`/${d.prefix}/`);
    }
  });

  // the first dt each partitioned dataset can hold, written from what its ingestion accepts (not read
  // from the code under test): observations from 2000-01-01 (functions/lib/datasets/common.ts,
  // observationTimeCheck), the Météo-France daily series from 1950 (the "previous" files the weather
  // poller loads), and what is derived from them
  // and each dataset's partition size (by day for readings, by month or year for small daily series, as
  // issue 14 sets them), in Athena's date projection terms (docs.aws.amazon.com/athena/latest/ug/
  // partition-projection-supported-types.html: a Java date format, an interval unit of DAYS, MONTHS or YEARS)
});

describe('catalog: partition projection', () => {
  const DAY = { format: 'yyyy-MM-dd', unit: 'DAYS' };
  const MONTH = { format: 'yyyy-MM', unit: 'MONTHS' };
  const YEAR = { format: 'yyyy', unit: 'YEARS' };
  const PROJECTED: Record<string, { first: string; format: string; unit: string }> = {
    noise_readings: { first: '2000-01-01', ...DAY },
    noise_indicators_daily: { first: '2000-01', ...MONTH },
    noise_indicators_commune_daily: { first: '2000-01', ...MONTH },
    noise_indicators_arrondissement_daily: { first: '2000-01', ...MONTH },
    noise_indicators_hourly: { first: '2000-01-01', ...DAY },
    noise_indicators_monthly: { first: '2000', ...YEAR },
    noise_quality_daily: { first: '2000', ...YEAR },
    river_observations: { first: '2000-01', ...MONTH },
    flood_vigilance: { first: '2000-01', ...MONTH },
    flood_indicators_daily: { first: '2000', ...YEAR },
    flood_vigilance_commune_daily: { first: '2000-01', ...MONTH },
    weather_daily: { first: '1950', ...YEAR },
    heat_indicators_daily: { first: '1950', ...YEAR },
    heat_indicators_commune_daily: { first: '1950', ...YEAR },
    // the daily river means go back to the first gauges (1900); forecasts are issued from 2000
    river_daily: { first: '1900', ...YEAR },
    weather_forecasts: { first: '2000', ...YEAR },
    predictions: { first: '2000-01', ...MONTH },
    quarantine: { first: '2000-01', ...MONTH },
  };

  it('has an expected projection for every partitioned dataset, and only for those', () => {
    expect(Object.keys(PROJECTED).sort()).toEqual(DATASETS.filter(isPartitioned).map((d) => d.name).sort());
  });

  it.each(DATASETS.filter(isPartitioned).map((d) => [d.name, d] as const))('%s: projects dt (a date of its partition size) from its first accepted day to NOW+2DAYS', (name, d) => {
    const p = defined(tables.get(name), `the table of ${name}`).Parameters;
    const expected = defined(PROJECTED[name], `the expected projection of ${name}`);
    expect(p).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': expected.format,
      'projection.dt.range': `${expected.first},NOW+2DAYS`,
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': expected.unit,
    });
    expect(text(p['storage.location.template'])).toContain(`/${d.prefix}/dt=\${dt}/`);
  });

  it('projects nothing for unpartitioned datasets', () => {
    for (const d of DATASETS.filter((x) => !isPartitioned(x))) {
      expect(Object.keys(tables.get(d.name)?.Parameters ?? {}).filter((k) => k.startsWith('projection.')), d.name).toEqual([]);
    }
  });

  it('accepts an observation at the start of the range, refuses one the day before', () => {
    const check = observationTimeCheck<{ ts: Date }>('ts', (r) => r.ts);
    const now = { now: new Date('2026-01-15T12:00:00Z') };
    expect(check.check({ ts: new Date('2000-01-01T00:00:00Z') }, now)).toBeUndefined();
    expect(check.check({ ts: new Date('1999-12-31T23:59:59Z') }, now)).toBeDefined();
    // the Paris date of the first accepted instant is the projection's first day
    expect(parisDate(new Date('2000-01-01T00:00:00Z'))).toBe(PROJECTED.noise_readings?.first);
  });

  it('reaches far enough past Athena’s NOW (UTC) for every Paris dt an observation accepted now can have', () => {
    // Athena's date projection: NOW[+-]<n>DAYS, evaluated in UTC
    const end = /^NOW\+(\d+)DAYS$/.exec(tables.get('noise_readings')?.Parameters['projection.dt.range']?.split(',')[1] ?? '');
    expect(end).not.toBeNull();
    const days = Number(end?.[1]);
    // every half hour of a year with both DST changes, and the Paris date of the latest observation accepted then
    const instants: { utcToday: number; latestDt: string }[] = [];
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 1_800_000) {
      instants.push({ utcToday: Math.floor(t / 86_400_000) * 86_400_000, latestDt: parisDate(new Date(t + 86_400_000)) });
    }
    const shortfall = (endDays: number) =>
      instants.filter((i) => i.latestDt > new Date(i.utcToday + endDays * 86_400_000).toISOString().slice(0, 10)).map((i) => i.latestDt);
    expect(shortfall(days)).toEqual([]);
    // NOW alone hid today's Paris partition around midnight, NOW+1DAYS the readings of a clock a day ahead
    expect(shortfall(0).length).toBeGreaterThan(0);
    expect(shortfall(1).length).toBeGreaterThan(0);
  });

  it('fails the synth, naming the column, when a Glue comment would exceed 255 characters', () => {
    const d = defined(DATASETS[0], 'a dataset');
    const long = { ...d, columns: d.columns.map((c, i) => (i === 0 ? { ...c, description: 'x'.repeat(300) } : c)) };
    expect(() => glueTableInput(long, 'bucket')).toThrow(new RegExp(`dataset ${d.name}, column ${d.columns[0]?.name}: .*255`));
  });
});

describe('catalog: Athena workgroup and named queries', () => {
  it('runs queries in a workgroup that enforces its settings, encrypts results with KMS and caps the bytes scanned', () => {
    const key = logicalId(dev.templates.storage, 'AWS::KMS::Key', 'DataKey');
    const [wg] = Object.values(resourcesOf(dev.templates.catalog, 'AWS::Athena::WorkGroup'));
    const c = wg?.Properties?.WorkGroupConfiguration as Record<string, unknown> & { ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: string; KmsKey: unknown }; OutputLocation: unknown } };
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
    for (const q of files) expect(named.find((n) => n.Name === q.name)?.QueryString).toBe(q.sql);
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
});

describe('catalog: researchers', () => {
  describe('the researcher policy', () => {
    let statements: { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[];
    beforeAll(() => {
      const [policy] = Object.values(resourcesOf(dev.templates.catalog, 'AWS::IAM::ManagedPolicy'));
      statements = (policy?.Properties?.PolicyDocument as { Statement: typeof statements }).Statement;
    });
    const actions = () => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

    it('only reads data and the catalog, and only writes query results', () => {
      const writes = actions().filter((a) => /^(s3:(Put|Delete)|glue:(Create|Update|Delete|Batch(Create|Delete|Update))|athena:(Create|Delete|Update))/.test(a));
      expect(writes).toEqual(['s3:PutObject']);
      const put = defined(statements.find((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('s3:PutObject')), 'the put statement');
      expect(text(put.Resource)).toContain(logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'AthenaResults'));
      expect(text(put.Resource)).toContain('/observatory-dev/*');
      expect(actions().some((a) => a.endsWith(':*'))).toBe(false);
    });

    it('reads the declared datasets through one grant per prefix family (curated/, quarantine/), never the whole bucket or the other areas', () => {
      const read = defined(statements.find((s) => s.Sid === 'ReadTheDatasets'), 'the read statement');
      const resources = (read.Resource as unknown[]).map(text);
      expect(resources).toHaveLength(2);
      expect(resources[0]).toContain('/curated/*');
      expect(resources[1]).toContain('/quarantine/*');
      for (const d of DATASETS) expect(d.prefix.startsWith('curated/') || d.prefix === 'quarantine', d.name).toBe(true);
      expect(text(read.Resource)).not.toMatch(/"\/\*"/);
      for (const area of ['raw/', 'state/', 'models/', 'staging/', 'site/']) expect(text(statements), area).not.toContain(area);
      expect(text(statements)).not.toContain(logicalId(dev.templates.storage, 'AWS::S3::Bucket', 'Raw'));
    });

    it('lets the Athena console browse: the data catalog, the database list (with `default`), the tables’ metadata', () => {
      const browse = defined(statements.find((s) => s.Sid === 'BrowseTheCatalogInTheConsole'), 'the browse statement');
      expect(browse.Action).toEqual(expect.arrayContaining(['athena:ListDatabases', 'athena:GetTableMetadata', 'athena:ListTableMetadata']));
      expect(text(browse.Resource)).toContain(':datacatalog/AwsDataCatalog');
      const glue = defined(statements.find((s) => s.Sid === 'ReadTheCatalog'), 'the glue statement');
      expect(glue.Action).toEqual(expect.arrayContaining(['glue:GetDatabases', 'glue:GetTables', 'glue:GetPartitions']));
      expect(text(glue.Resource)).toContain(':database/default');
      expect(text(glue.Resource)).toContain(':database/observatory_dev');
    });

    it('queries through the observatory workgroup only', () => {
      const q = defined(statements.find((s) => s.Sid === 'QueryThroughTheWorkGroup'), 'the q statement');
      expect(text(q.Resource)).toContain(':workgroup/observatory-dev');
    });

    it('is attached to an assumable researcher role', () => {
      dev.templates.catalog.hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 4 * 3600 });
    });
  });
});

describe('the researcher policy as datasets are added', () => {
  const MANAGED_POLICY_LIMIT = 6144;
  const researcherPolicyOf = (datasets: readonly DatasetDeclaration[]) => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true } });
    const config = loadConfig('prod');
    const env = { region: config.region, account: '123456789012' };
    const storage = new StorageStack(app, 'Storage', { config, env });
    const catalog = new CatalogStack(app, 'Catalog', { config, env, datasets, lakeBucket: storage.lakeBucket, athenaResultsBucket: storage.athenaResultsBucket, dataKey: storage.dataKey });
    const [policy] = Object.values(Template.fromStack(catalog).findResources('AWS::IAM::ManagedPolicy'));
    return (policy as { Properties: { PolicyDocument: unknown } }).Properties.PolicyDocument;
  };

  it('stays under 60 % of the 6 144-character managed-policy limit with twice today’s datasets', () => {
    // the new ones where new datasets go: under curated/
    const twice = [...DATASETS, ...DATASETS.map((d) => ({ ...d, name: `${d.name}_bis`, prefix: `curated/${d.name}_bis` }))];
    const today = policySize(researcherPolicyOf(DATASETS));
    const doubled = policySize(researcherPolicyOf(twice));
    expect(doubled).toBeLessThan(0.6 * MANAGED_POLICY_LIMIT);
    // one grant per family: more datasets in the same families add nothing
    expect(doubled).toBe(today);
    expect(prefixFamilies(twice)).toEqual(['curated/', 'quarantine/']);
  });

  it('measures what it claims: a policy listing each dataset would grow with them', () => {
    const perDataset = { Statement: [{ Resource: DATASETS.map((d) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Lake', 'Arn'] }, `/${d.prefix}/*`]] })) }] };
    expect(policySize(perDataset)).toBeGreaterThan(DATASETS.length * 120);
  });
});

describe('redeploying after cdk destroy', () => {
  it('retains the Glue database under its fixed name, and adopts it (creates none, puts the tables in it) with adoptRetained', () => {
    const fresh = synthObservatory('dev');
    const [db] = Object.values(resourcesOf(fresh.templates.catalog, 'AWS::Glue::Database'));
    expect(db?.DeletionPolicy).toBe('Retain');
    const adopted = synthObservatory('dev', { adoptRetained: true });
    expect(resourcesOf(adopted.templates.catalog, 'AWS::Glue::Database')).toEqual({});
    const tables = Object.values(resourcesOf(adopted.templates.catalog, 'AWS::Glue::Table'));
    expect(tables).toHaveLength(DATASETS.length);
    for (const t of tables) expect(t.Properties?.DatabaseName).toBe('observatory_dev');
  });
});
