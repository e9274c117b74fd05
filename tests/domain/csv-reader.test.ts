import { describe, expect, it } from 'vitest';
import { columnKey, readCsv } from '../../functions/lib/domain/csv/reader.ts';
import { parseDailySeries } from '../../functions/lib/models/river/series.ts';
import { parseNoiseCsv, type NoiseCsvOptions } from '../../functions/lib/domain/noise/csv.ts';
import { UnreadableInputError } from '../../functions/lib/domain/noise/observation.ts';

describe('readCsv(), the one CSV reader', () => {
  it('reads quoted fields, doubled quotes and line breaks inside quotes, keeping each record’s first line and text', () => {
    const r = readCsv('\uFEFFa;b;c\r\n1;"x;\r\ny";"say ""hi"""\n\n2;3;4\r5;6;7');
    expect(r.delimiter).toBe(';');
    expect(r.records.map((x) => [x.line, x.fields])).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['1', 'x;\ny', 'say "hi"']],
      [5, ['2', '3', '4']],
      [6, ['5', '6', '7']],
    ]);
    expect(r.records[1]!.text).toBe('1;"x;\ny";"say ""hi"""');
    expect(r.unterminated).toBeUndefined();
  });

  it('keeps the records before an unterminated quote and says where it opened', () => {
    const r = readCsv('t,l\n1,2\n3,"4\n5,6\n');
    expect(r.records.map((x) => x.fields)).toEqual([['t', 'l'], ['1', '2']]);
    expect(r.unterminated).toEqual({ line: 3, text: '3,"4\n5,6' });
  });

  it('flags a quote inside an unquoted field instead of guessing', () => {
    const r = readCsv('t,l\n1,ab"c"d\n2,3\n');
    expect(r.records.map((x) => x.fields[1])).toEqual(['l', 'ab"c"d', '3']);
  });

  it('compares column names without case, accents, spaces or punctuation', () => {
    expect(columnKey('Fecha/Hora medición')).toBe(columnKey('FECHA HORA MEDICION'));
    expect(columnKey('Décibels (dB(A))')).toBe('decibelsdba');
  });

  it('reads river series with quoted headers and values through the same reader', () => {
    const series = parseDailySeries('"date","H5920014"\n"2001-01-01","212,5"\n2001-01-03,NA\n', 'flows.csv');
    expect(series.length).toBe(3);
    expect(Array.from(series.columns.H5920014!)).toEqual([212.5, NaN, NaN]);
    expect(() => parseDailySeries('date,x\n2001-01-01,"1\n', 'cut.csv')).toThrow('cut.csv, line 2: a quote opened on this line is never closed');
  });
});

// A city noise-meter export as published by Spanish open-data portals (one file, many sensors, a reading
// every few seconds, naive local times with fractions of seconds); generated in that shape.
const CITY = [
  'Codigo;Decibelios medidos;Fecha/Hora medicion',
  'RU-03;65,2;01/06/2023 10:00:00,250',
  'RU-07;58,1;01/06/2023 10:00:02,500',
  'RU-03;66,0;01/06/2023 10:00:05,250',
  'RU-07;57,4;01/06/2023 10:00:07,500',
  'RU-03;64,9;01/06/2023 10:00:10,250',
].join('\r\n');
const CITY_OPTIONS: NoiseCsvOptions = {
  sensorColumn: 'codigo',
  levelColumn: 'DECIBELIOS MEDIDOS',
  timeColumn: 'fecha/hora medición',
  timeFormat: '%d/%m/%Y %H:%M:%S,%f',
  tz: 'Europe/Madrid',
  decimal: ',',
};

describe('noise CSV with column mapping', () => {
  it('reads a multi-sensor city export by the columns named, with per-sensor typical steps', () => {
    const { observations, rejections } = parseNoiseCsv(CITY, CITY_OPTIONS);
    expect(rejections).toEqual([]);
    expect(observations.map((o) => [o.sensorId, o.tsFrom.toISOString(), (o.tsTo.getTime() - o.tsFrom.getTime()) / 1000, o.laeq, o.lon])).toEqual([
      ['RU-03', '2023-06-01T08:00:00.250Z', 5, 65.2, null],
      ['RU-07', '2023-06-01T08:00:02.500Z', 5, 58.1, null],
      ['RU-03', '2023-06-01T08:00:05.250Z', 5, 66, null],
      ['RU-07', '2023-06-01T08:00:07.500Z', 5, 57.4, null],
      ['RU-03', '2023-06-01T08:00:10.250Z', 5, 64.9, null],
    ]);
  });

  it('takes each irregular reading’s length from --interval, or from the registry per sensor, anchored as told', () => {
    const span = (o: { tsFrom: Date; tsTo: Date }) => [o.tsFrom.toISOString().slice(11, 23), o.tsTo.toISOString().slice(11, 23)];
    const given = parseNoiseCsv(CITY, { ...CITY_OPTIONS, intervalSeconds: 1, intervalAnchor: 'end' }).observations;
    expect(span(given[0]!)).toEqual(['07:59:59.250', '08:00:00.250']);
    const registered = parseNoiseCsv(CITY, { ...CITY_OPTIONS, intervalSeconds: 1, sensorIntervals: { 'RU-07': { seconds: 2, anchor: 'start' } } }).observations;
    expect(registered.map(span).slice(0, 2)).toEqual([
      ['08:00:00.250', '08:00:01.250'],
      ['08:00:02.500', '08:00:04.500'],
    ]);
  });

  it('reads interval ends from an end column', () => {
    const text = 'start|end|level\n2025-06-01 10:00:00|2025-06-01 10:15:00|55.5\n2025-06-01 10:15:00|2025-06-01 10:20:00|56.5\n'.replaceAll('|', '\t');
    const r = parseNoiseCsv(text, { sensorId: 's', timeColumn: 'start', endColumn: 'END', levelColumn: 'level', delimiter: '\t' });
    expect(r.observations.map((o) => [o.tsFrom.toISOString(), o.tsTo.toISOString()])).toEqual([
      ['2025-06-01T08:00:00.000Z', '2025-06-01T08:15:00.000Z'],
      ['2025-06-01T08:15:00.000Z', '2025-06-01T08:20:00.000Z'],
    ]);
  });

  it('with --decimal, refuses the other mark, saying which it expected', () => {
    const r = parseNoiseCsv('datetime;LAeq\n2025-06-01 10:00;55.5\n2025-06-01 10:01;55,5\n', { sensorId: 's', decimal: ',' });
    expect(r.observations.map((o) => o.laeq)).toEqual([55.5]);
    expect(r.rejections[0]).toMatchObject({ record: '2', field: 'LAeq', found: '55.5', expected: 'a number (dB(A)) with a decimal comma (--decimal ,)' });
  });

  it('quarantines a row whose time does not match the format or names no sensor, naming the line and field', () => {
    const text = 'Codigo;Decibelios medidos;Fecha/Hora medicion\n;60;01/06/2023 10:00:00,0\nRU-03;61;2023-06-01 10:00:00\n';
    const r = parseNoiseCsv(text, CITY_OPTIONS);
    expect(r.rejections.map((x) => [x.record, x.field])).toEqual([
      ['2', 'Codigo'],
      ['3', 'Fecha/Hora medicion'],
    ]);
    expect(r.rejections[1]!.reason).toContain('in the format %d/%m/%Y %H:%M:%S,%f');
  });

  it('makes the file unreadable for a column that is not there, a bad format, or both or neither sensor options', () => {
    const fails = (options: NoiseCsvOptions) => {
      try {
        parseNoiseCsv(CITY, options);
      } catch (e) {
        expect(e).toBeInstanceOf(UnreadableInputError);
        return e as UnreadableInputError;
      }
      throw new Error('accepted');
    };
    expect(fails({ ...CITY_OPTIONS, levelColumn: 'dB' }).found).toBe('columns "Codigo", "Decibelios medidos", "Fecha/Hora medicion"');
    expect(fails({ ...CITY_OPTIONS, timeFormat: '%d/%m/%Y %I:%M' }).message).toContain('unknown directive %I');
    expect(fails({ ...CITY_OPTIONS, sensorId: 'x' }).message).toBe('a sensor id and a sensor column both given');
    expect(fails({ ...CITY_OPTIONS, sensorColumn: undefined }).message).toBe('a noise CSV series needs the sensor it comes from');
  });
});
