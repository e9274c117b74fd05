import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck, sqlString } from '../../functions/lib/adapters/duckdb.ts';
import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { STAGE_1910_M } from '../../functions/lib/domain/flood/reference-floods.ts';
import { HEAT } from '../../functions/lib/domain/heat/thresholds.ts';
import { WHO_2018 } from '../../functions/lib/domain/noise/thresholds.ts';
import { parseSqlHeader } from '../../functions/lib/sql/header.ts';
import { isSignificant, isWord, tokenize } from '../../functions/lib/sql/tokens.ts';
import { sqlFileQueries } from '../../infra/catalog.ts';
import { cleanNotebook, parseNotebook, serializeNotebook, sourceText } from '../../notebooks/harness/notebook.ts';
import { DATASETS_TO_COME, NOTEBOOKS_DIR, notebookFiles, SQL_DIR, sqlFiles } from './support.ts';

const files = sqlFiles();
const known = new Set([...DATASETS.map((d) => d.name), ...DATASETS_TO_COME]);

/** the numbers a pattern captures in a text */
const numbers = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => Number(m[1]));

describe('notebooks/sql: the shared queries', () => {
  it('has the queries the researchers asked for', () => {
    expect(files.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        'commune_lden_by_month.sql',
        'nights_above_who_lnight.sql',
        'heat_wave_days_by_year.sql',
        'river_level_exceedances.sql',
        'model_skill_by_horizon.sql',
        'quarantine_by_reason.sql',
        'sensor_coverage.sql',
      ]),
    );
  });

  it.each(files.map((f) => [f.file, f] as const))('%s: its header names a title, the question and exactly the datasets it reads', (_name, f) => {
    expect(f.title.length).toBeGreaterThan(10);
    expect(f.question).toMatch(/\?$/);
    for (const d of f.datasets) expect(known, `${f.file}: ${d} is neither declared nor expected`).toContain(d);
    const tokens = tokenize(f.sql).filter(isSignificant);
    const tables = new Set(tokens.filter((t, i) => t.kind === 'word' && isWord(tokens[i - 1], 'from', 'join')).map((t) => t.text.toLowerCase()));
    expect([...known].filter((d) => tables.has(d)).sort(), f.file).toEqual([...f.datasets].sort());
  });

  it('parseSqlHeader() says what a header lacks', () => {
    expect(() => parseSqlHeader('SELECT 1', 'x.sql')).toThrow(/x.sql: the header comment needs a first comment line with the title, a "-- Question: …" line, a "-- Datasets: a, b" line/);
    expect(parseSqlHeader('-- T\n-- Question: Q?\n-- Datasets: a, b\n-- note one\n-- note two\nSELECT 1', 'y.sql')).toEqual({ title: 'T', question: 'Q?', datasets: ['a', 'b'], notes: 'note one note two' });
  });

  it('infra/ registers each file as an Athena named query described by its title', () => {
    const registered = sqlFileQueries(SQL_DIR);
    expect(registered.map((q) => `${q.name}.sql`)).toEqual(files.map((f) => f.file));
    for (const q of registered) expect(q.description).toBe(files.find((f) => f.file === `${q.name}.sql`)!.title);
  });

  describe('SELECT only, and runnable on a lake that holds nothing yet', () => {
    let duck: Duck;
    let empty: string;
    beforeAll(async () => {
      duck = await Duck.open({ threads: 1 });
      empty = await mkdtemp(path.join(os.tmpdir(), 'observatory-empty-lake-'));
      await new DuckLake(duck, new FsObjectStore(empty)).attach(DATASETS);
    });
    afterAll(async () => {
      await duck?.close();
      await rm(empty, { recursive: true, force: true });
    });

    it.each(files.filter((f) => f.waitingFor.length === 0).map((f) => [f.file, f] as const))('%s runs on the empty views of a new lake', async (_name, f) => {
      expect((await duck.readOnly(f.sql)).rows).toEqual([]);
    });

    it.each(files.map((f) => [f.file, f] as const))('%s parses as one SELECT statement (datasets to come included)', async (_name, f) => {
      // json_serialize_sql parses without binding, and serialises SELECT statements only
      const r = await duck.all(`SELECT json_serialize_sql(${sqlString(f.sql)}) AS tree`);
      const tree = JSON.parse(String(r.rows[0]!.tree)) as { error: boolean; error_message?: string; statements?: unknown[] };
      expect(tree.error, `${f.file}: ${tree.error_message}`).toBe(false);
      expect(tree.statements).toHaveLength(1);
    });
  });

  it('nights_above_who_lnight.sql uses the WHO night guideline of functions/lib/domain/noise/thresholds.ts', () => {
    const f = files.find((x) => x.file === 'nights_above_who_lnight.sql')!;
    const limit = WHO_2018.road.lnight;
    expect(limit).toBe(45);
    const body = f.sql.split('\n').filter((l) => !l.trim().startsWith('--')).join('\n');
    const used = numbers(body, /lnight\s*>\s*(\d+(?:\.\d+)?)/gi);
    expect(used.length).toBeGreaterThan(0);
    expect(new Set(used)).toEqual(new Set([limit]));
    // the column names and the header say the same number
    expect(numbers(body, /_above_(\d+)\b/g).every((n) => n === limit)).toBe(true);
    expect(numbers(f.title, /Lnight > (\d+)/g)).toEqual([limit]);
    // the same guideline for the sources the indicator stage gives the road values
    expect([WHO_2018.mixed.lnight, WHO_2018.unknown.lnight]).toEqual([limit, limit]);
  });

  it('the heat and flood files describe the thresholds of the configuration', () => {
    const heat = files.find((x) => x.file === 'heat_wave_days_by_year.sql')!.notes;
    expect(numbers(heat, /TN >= (\d+)/g)).toEqual([HEAT.tropical_night_tn]);
    expect(numbers(heat, /TX >= (\d+)/g)).toEqual([HEAT.hot_day_tx, HEAT.very_hot_day_tx]);
    expect(heat).toContain(`Paris ${HEAT.departements['75']!.ibmn} / ${HEAT.departements['75']!.ibmx} °C`);
    expect(files.find((x) => x.file === 'river_level_exceedances.sql')!.notes).toContain(`1910 = ${STAGE_1910_M} m`);
  });
});

describe('notebooks: committed clean, valid and linked', () => {
  const notebooks = notebookFiles();

  it.each(notebooks.map((f) => [path.basename(f), f] as const))('%s is a clean TypeScript notebook (nbformat 4.5) in the layout Jupyter writes', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const nb = parseNotebook(text, file);
    expect(serializeNotebook(cleanNotebook(nb))).toBe(text);
    expect(nb.metadata.kernelspec.language).toBe('typescript');
    for (const c of nb.cells) if (c.cell_type === 'code') expect(c.metadata, c.id).toMatchObject({ language: 'typescript' });
  });

  it.each(notebooks.map((f) => [path.basename(f), f] as const))('%s opens with its title and question, links the data dictionary, and uses SQL files that exist', (_name, file) => {
    const nb = parseNotebook(readFileSync(file, 'utf8'), file);
    const first = nb.cells[0]!;
    expect(first.cell_type).toBe('markdown');
    expect(sourceText(first)).toMatch(/^# .+\n/);
    expect(sourceText(first), 'the question').toContain('?');
    const markdown = nb.cells.filter((c) => c.cell_type === 'markdown').map(sourceText).join('\n');
    expect(markdown).toContain('](../docs/data-dictionary.md)');
    const code = nb.cells.filter((c) => c.cell_type === 'code').map(sourceText).join('\n');
    for (const [, ref] of code.matchAll(/sql\('([\w./-]+\.sql)'\)/g)) expect(files.map((f) => `sql/${f.file}`), `${file}: ${ref}`).toContain(ref);
    for (const [, link] of markdown.matchAll(/\]\(((?:\.\.\/|sql\/)[^)#]+)\)/g)) {
      expect(() => readFileSync(path.resolve(NOTEBOOKS_DIR, link!)), `${file}: link ${link}`).not.toThrow();
    }
  });
});

describe('docs/researchers.md', () => {
  const doc = readFileSync(path.resolve(NOTEBOOKS_DIR, '../docs/researchers.md'), 'utf8');

  it('lists every SQL file with its question, and every notebook', () => {
    for (const f of files) expect(doc, f.file).toContain(`| \`${f.file}\` | ${f.question} |`);
    for (const nb of notebookFiles()) expect(doc, nb).toContain(`\`${path.basename(nb)}\``);
  });
});
