import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeText, gzipIntegrity, HEAT, isGzip, parseDailyFileName, parseHeatConfig, parseMeteoFranceDaily, readMeteoFranceDaily, thresholdsOf } from '../../functions/lib/domain/heat/index.ts';
import { UnreadableInputError } from '../../functions/lib/domain/noise/observation.ts';

const header = (await readFile(new URL('../fixtures/heat/meteofrance-Q_RR-T-Vent-header.csv', import.meta.url), 'utf8')).trim();
const columns = header.split(';');

/** a data line with the real header's 58 columns */
function line(values: Record<string, string>): string {
  return columns.map((c) => values[c] ?? '').join(';');
}
const montsouris = (day: string, over: Record<string, string> = {}) =>
  line({ NUM_POSTE: '75114001', NOM_USUEL: 'PARIS-MONTSOURIS', LAT: '48.821667', LON: '2.337833', ALTI: '75', AAAAMMJJ: day, RR: '0.0', QRR: '1', TN: '22.6', QTN: '1', TX: '35.2', QTX: '1', TM: '28.4', QTM: '9', ...over });
const csv = (...lines: string[]) => Buffer.from([header, ...lines].join('\n') + '\n');

describe('parseMeteoFranceDaily(): columns, values and rejected lines', () => {
  it('reads the columns by their header names, values and quality codes', () => {
    const p = parseMeteoFranceDaily(csv(montsouris('20260722'), montsouris('20260723', { TN: '23.1', TX: '36.4', QTX: '2', RR: '' })));
    expect(p).toMatchObject({ gzip: false, encoding: 'utf-8', truncated: false, lines: 2, rejections: [] });
    expect(p.days[0]).toEqual({
      record: 2,
      recordText: montsouris('20260722'),
      stationId: '75114001',
      stationName: 'PARIS-MONTSOURIS',
      departement: '75',
      lat: 48.821667,
      lon: 2.337833,
      alti: 75,
      day: '2026-07-22',
      rr: 0,
      qrr: 1,
      tn: 22.6,
      qtn: 1,
      tx: 35.2,
      qtx: 1,
      tm: 28.4,
      qtm: 9,
    });
    expect(p.days[1]).toMatchObject({ day: '2026-07-23', tx: 36.4, qtx: 2, rr: null });
  });

  it('rejects malformed lines and stations outside the Métropole’s and the basin rain stations’ départements, naming the field; takes a basin station', () => {
    const p = parseMeteoFranceDaily(
      csv(
        montsouris('20260722', { NUM_POSTE: '7511400' }),
        montsouris('20260722', { NUM_POSTE: '45055001' }),
        montsouris('20260725', { NUM_POSTE: '58062001', NOM_USUEL: 'CHATEAU-CHINON', RR: '12.4' }),
        montsouris('20260230'),
        montsouris('20260722', { TN: 'abc' }),
        montsouris('20260722', { QTN: '5' }),
        '75114001;PARIS;48.8;2.3',
        montsouris('20260724'),
      ),
    );
    expect(p.days.map((d) => [d.stationId, d.departement, d.day, d.rr])).toEqual([
      ['58062001', '58', '2026-07-25', 12.4],
      ['75114001', '75', '2026-07-24', 0],
    ]);
    expect(p.rejections.map((r) => [r.record, r.field])).toEqual([
      ['2', 'NUM_POSTE'],
      ['3', 'NUM_POSTE'],
      ['5', 'AAAAMMJJ'],
      ['6', 'TN'],
      ['7', 'QTN'],
      ['8', 'line'],
    ]);
    expect(p.rejections[1]).toMatchObject({
      expected: "a station of the Métropole's départements (75, 91, 92, 93, 94, 95) or of the basin rain stations' (58, 89, 10, 52, 77)",
      reason: "station in département 45, neither the Métropole's nor a basin rain station's (config/basin-rain-stations.json)",
    });
    expect(p.lines).toBe(8);
  });
});

describe('parseMeteoFranceDaily(): gzip, encodings, truncated and corrupt files', () => {
  it('recognises gzip by its magic bytes, whatever the file is called', () => {
    const plain = csv(montsouris('20260722'));
    const gz = gzipSync(plain);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(plain)).toBe(false);
    const p = parseMeteoFranceDaily(gz);
    expect(p.gzip).toBe(true);
    expect(p.days).toEqual(parseMeteoFranceDaily(plain).days);
  });

  it('decodes Latin-1 station names (and keeps UTF-8 ones)', () => {
    const text = [header, line({ NUM_POSTE: '94068001', NOM_USUEL: 'SAINT-MAUR-DES-FOSSÉS', AAAAMMJJ: '20260722', TN: '21.5', QTN: '1' })].join('\r\n');
    const latin = parseMeteoFranceDaily(gzipSync(Buffer.from(text, 'latin1')));
    expect(latin.encoding).toBe('latin-1');
    expect(latin.days[0]?.stationName).toBe('SAINT-MAUR-DES-FOSSÉS');
    const utf8 = parseMeteoFranceDaily(Buffer.from(text, 'utf8'));
    expect(utf8.encoding).toBe('utf-8');
    expect(utf8.days[0]?.stationName).toBe('SAINT-MAUR-DES-FOSSÉS');
    expect(decodeText(Buffer.from('é', 'latin1')).text).toBe('é');
  });

  it('reads a truncated gzip stream up to the cut and rejects the cut line', () => {
    const day = (i: number) => new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10).replaceAll('-', '');
    const lines = Array.from({ length: 400 }, (_, i) => montsouris(day(i), { NOM_USUEL: `PARIS-MONTSOURIS-${i}-ÉTÉ` }));
    const full = gzipSync(csv(...lines));
    const cut = full.subarray(0, Math.floor(full.length * 0.6));
    const p = parseMeteoFranceDaily(cut);
    expect(p.truncated).toBe(true);
    expect(p.encoding).toBe('utf-8'); // a cut inside a multi-byte character does not turn the file into Latin-1
    expect(p.days.length).toBeGreaterThan(50);
    expect(p.days.length).toBeLessThan(400);
    expect(p.days.every((d, i) => d.stationName === `PARIS-MONTSOURIS-${i}-ÉTÉ`)).toBe(true);
    expect(p.lines).toBe(p.days.length + p.rejections.length);
    expect(p.rejections).toHaveLength(1);
    expect(p.rejections[0]).toMatchObject({ field: 'line', reason: expect.stringContaining('truncated') as unknown });
  });

  it('a corrupt gzip stream, an empty one or a file without the key columns is unreadable', () => {
    const gz = Buffer.from(gzipSync(csv(montsouris('20260722'))));
    const crc = gz.length - 6;
    gz[crc] = (gz[crc] ?? 0) ^ 0xff; // the CRC
    expect(() => parseMeteoFranceDaily(gz)).toThrow(UnreadableInputError);
    expect(() => parseMeteoFranceDaily(gzipSync(Buffer.alloc(0)).subarray(0, 12))).toThrow(UnreadableInputError);
    expect(() => parseMeteoFranceDaily(Buffer.from('POSTE;DATE;TN\n75114001;20260722;20.1\n'))).toThrow(/no NUM_POSTE column/);
  });
});

describe('reading a daily file a part at a time', () => {
  it('lists the data lines and their dates, and parses the lines asked for only', () => {
    const f = readMeteoFranceDaily(gzipSync(csv(montsouris('20260722'), '', montsouris('20260723'), montsouris('2026-07-24'))));
    expect(f.dataLines).toHaveLength(3);
    expect(f.dataLines.map((i) => f.dateOf(i))).toEqual(['20260722', '20260723', '2026-07-24']);
    const p = f.parse(f.dataLines.slice(1, 2));
    // records keep their physical line numbers (the empty line 3 counts)
    expect(p.days.map((d) => [d.record, d.day])).toEqual([[4, '2026-07-23']]);
    expect(f.parse(f.dataLines.slice(2, 3)).rejections.map((r) => [r.record, r.field])).toEqual([['5', 'AAAAMMJJ']]);
  });

  it('says a gzip stream cut before the end of the header is truncated, not empty', () => {
    // stored (level 0) deflate blocks: the bytes before the cut decompress to the start of the header
    const gz = gzipSync(csv(montsouris('20260722')), { level: 0 });
    expect(() => parseMeteoFranceDaily(gz.subarray(0, 100))).toThrow('gzip stream truncated before the end of the first line');
  });

  it('tells a complete gzip stream from a cut or corrupt one, without keeping the data', async () => {
    const gz = gzipSync(csv(...Array.from({ length: 200 }, (_, i) => montsouris(String(20250101 + i)))));
    expect(await gzipIntegrity(gz)).toBe('complete');
    expect(await gzipIntegrity(gz.subarray(0, gz.length - 10))).toBe('truncated');
    // a deflate block of the reserved type 3
    expect(await gzipIntegrity(Buffer.concat([gz.subarray(0, 10), Buffer.from([0x07, 0, 0, 0])]))).toBe('corrupt');
    expect(await gzipIntegrity(Buffer.from('<html>'))).toBe('not-gzip');
  });
});

describe('parseDailyFileName()', () => {
  it('reads the département, the period and its years from the RR-T-Vent file names only', () => {
    expect(parseDailyFileName('Q_75_latest-2025-2026_RR-T-Vent.csv.gz')).toEqual({ name: 'Q_75_latest-2025-2026_RR-T-Vent.csv.gz', departement: '75', period: 'latest', fromYear: 2025, toYear: 2026 });
    expect(parseDailyFileName('Q_2A_previous-1950-2024_RR-T-Vent.csv.gz')).toMatchObject({ departement: '2A', period: 'previous', fromYear: 1950, toYear: 2024 });
    expect(parseDailyFileName('Q_971_latest-2025-2026_RR-T-Vent.csv.gz')?.departement).toBe('971');
    for (const other of ['Q_75_latest-2025-2026_autres-parametres.csv.gz', 'Q_75_1852-1949_RR-T-Vent.csv.gz', 'Q_descriptif_champs_RR-T-Vent.csv', 'Q_75_latest-2025-2026_RR-T-Vent.csv']) {
      expect(parseDailyFileName(other), other).toBeUndefined();
    }
  });
});

describe('heat thresholds (config/heat-thresholds.json)', () => {
  it('Paris: IBMn 21 °C / IBMx 31 °C at Paris-Montsouris, confirmed; the other départements to verify', () => {
    expect(thresholdsOf('75')).toMatchObject({ reference_station: '75114001', ibmn: 21, ibmx: 31, thresholds_status: 'confirmed', station_status: 'confirmed' });
    for (const d of ['91', '92', '93', '94', '95']) expect(thresholdsOf(d)?.thresholds_status, d).toBe('to_verify');
    expect([HEAT.tropical_night_tn, HEAT.hot_day_tx, HEAT.very_hot_day_tx, HEAT.window_days]).toEqual([20, 30, 35, 3]);
  });

  it('a configuration missing a département of the Métropole fails with the path', () => {
    const { '93': _, ...rest } = HEAT.departements;
    expect(() => parseHeatConfig({ ...HEAT, departements: rest })).toThrow(/config\/heat-thresholds\.json: departements\.93: département 93/);
  });
});
