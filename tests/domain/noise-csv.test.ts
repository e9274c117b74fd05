import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseNoiseCsv, type NoiseCsvOptions } from '../../functions/lib/domain/noise/csv.ts';
import { UnreadableInputError } from '../../functions/lib/domain/noise/observation.ts';

const series = (name: string) => gunzipSync(readFileSync(new URL(`../fixtures/series/${name}.gz`, import.meta.url))).toString('utf8');
const SENSOR: NoiseCsvOptions = { sensorId: 'urn:ngsi-ld:Device:nation' };
const parse = (text: string, options: Partial<NoiseCsvOptions> = {}) => parseNoiseCsv(text, { ...SENSOR, ...options });
const iso = (d: Date) => d.toISOString();

const unreadable = (text: string, options: Partial<NoiseCsvOptions> = {}): UnreadableInputError => {
  try {
    parse(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(UnreadableInputError);
    return error as UnreadableInputError;
  }
  throw new Error(`parseNoiseCsv() accepted ${JSON.stringify(text.slice(0, 40))}`);
};

describe('parseNoiseCsv()', () => {
  it('parseNoiseCsv() reads every line of a one-day 1-second series', () => {
    const text = series('laeq-1s-one-day.csv');
    const { observations, rejections } = parse(text, { lon: 2.3959, lat: 48.8483, name: 'Nation' });
    expect(rejections).toEqual([]);
    expect(observations).toHaveLength(text.trimEnd().split('\n').length - 1);
    expect(observations[0]).toEqual({
      record: 2,
      recordText: '2025-03-22 00:00:00,44.085907',
      sensorId: 'urn:ngsi-ld:Device:nation',
      name: 'Nation',
      lon: 2.3959,
      lat: 48.8483,
      tsFrom: new Date('2025-03-21T23:00:00Z'),
      tsTo: new Date('2025-03-21T23:00:01Z'),
      laeq: 44.085907,
      lamax: null,
      las: null,
      noiseSource: 'unknown',
      sonometerClass: null,
    });
    expect(observations.at(-1)).toMatchObject({ record: 86_402, tsFrom: new Date('2025-03-22T23:00:00Z'), laeq: 48.885907 });
  });

  it('parseNoiseCsv() rejects the 60 minutes of the spring-forward gap of an 11-day series and shifts nothing', () => {
    const text = series('laeq-1min-11-days.csv');
    const lines = text.trimEnd().split('\n');
    const { observations, rejections } = parse(text);
    expect(observations.length + rejections.length).toBe(lines.length - 1);
    expect(rejections).toHaveLength(60);
    expect(rejections.map((r) => r.found)).toEqual(Array.from({ length: 60 }, (_, m) => `2025-03-30 02:${String(m).padStart(2, '0')}:30`));
    expect(rejections[0]).toEqual({
      record: '13082',
      field: 'datetime',
      expected: 'a local time that occurs exactly once in Europe/Paris, or a time with an offset',
      found: '2025-03-30 02:00:30',
      reason:
        '2025-03-30 02:00:30 does not exist in Europe/Paris (clocks jump from 02:00 to 03:00 on 2025-03-30, daylight saving time); pass --tz or give times with an offset',
      recordText: lines[13_081],
    });
    // every other line is read, at its own local time: +01:00 before the change, +02:00 after
    const misplaced = observations.filter((o) => {
      const local = o.recordText.slice(0, 19).replace(' ', 'T');
      const offset = local < '2025-03-30T02' ? '+01:00' : '+02:00';
      const span = o.tsTo.getTime() - o.tsFrom.getTime();
      return o.tsFrom.getTime() !== Date.parse(local + offset) || span !== 60_000 || o.recordText !== lines[o.record - 1];
    });
    expect(misplaced).toEqual([]);
    const starts = observations.map((o) => o.tsFrom.getTime());
    expect(starts.every((t, i) => i === 0 || t > starts[i - 1]!)).toBe(true);
  });

});

describe('parseNoiseCsv(): local times', () => {
  it('parseNoiseCsv() reads naive times in the tz option', () => {
    const { observations, rejections } = parse(series('laeq-1min-11-days.csv'), { tz: 'UTC' });
    expect(rejections).toEqual([]);
    expect(observations).toHaveLength(16_470);
    expect(iso(observations[0]!.tsFrom)).toBe('2025-03-21T00:00:30.000Z');
  });

  it('parseNoiseCsv() rejects a time of the fall-back hour as ambiguous', () => {
    const text = 'timestamp,LAeq\n2025-10-26 01:59:00,50\n2025-10-26 02:30:00,51\n2025-10-26 03:00:00,52\n';
    const { observations, rejections } = parse(text);
    expect(observations.map((o) => iso(o.tsFrom))).toEqual(['2025-10-25T23:59:00.000Z', '2025-10-26T02:00:00.000Z']);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ record: '3', field: 'timestamp', found: '2025-10-26 02:30:00', expected: expect.stringContaining('exactly once') as unknown });
    expect(rejections[0]!.reason).toBe(
      '2025-10-26 02:30:00 occurs twice in Europe/Paris (clocks go back from 03:00 to 02:00 on 2025-10-26, end of daylight saving time); pass --tz or give times with an offset',
    );
  });

  it('parseNoiseCsv() places row by row an hour whose offset changes within it (Lord Howe shifts 30 minutes)', () => {
    const text = 'datetime,LAeq\n2025-10-05 02:15:00,51\n2025-10-05 02:45:00,52\n2026-04-05 01:15:00,53\n2026-04-05 01:45:00,54\n';
    const { observations, rejections } = parse(text, { tz: 'Australia/Lord_Howe' });
    expect(observations.map((o) => [o.record, iso(o.tsFrom)])).toEqual([
      [3, '2025-10-04T15:45:00.000Z'],
      [4, '2026-04-04T14:15:00.000Z'],
    ]);
    expect(rejections.map((r) => [r.record, r.reason])).toEqual([
      ['2', '2025-10-05 02:15:00 does not exist in Australia/Lord_Howe (clocks jump from 02:00 to 02:30 on 2025-10-05, daylight saving time); pass --tz or give times with an offset'],
      ['5', '2026-04-05 01:45:00 occurs twice in Australia/Lord_Howe (clocks go back from 02:00 to 01:30 on 2026-04-05, end of daylight saving time); pass --tz or give times with an offset'],
    ]);
  });

  it('parseNoiseCsv() takes times with an offset or Z as they are, in the DST hours too', () => {
    const text = [
      'datetime;LAeq',
      '2025-10-26T02:30:00+02:00;50',
      '2025-10-26T02:30:00+01:00;51',
      '2025-03-30 02:30:00Z;52',
      '2025-03-30T02:30:00.250-0330;53',
    ].join('\n');
    const { observations, rejections } = parse(text);
    expect(rejections).toEqual([]);
    expect(observations.map((o) => iso(o.tsFrom))).toEqual([
      '2025-10-26T00:30:00.000Z',
      '2025-10-26T01:30:00.000Z',
      '2025-03-30T02:30:00.000Z',
      '2025-03-30T06:00:00.250Z',
    ]);
  });

  it('parseNoiseCsv() rejects invalid calendar dates and clock times, naming the field and the line', () => {
    const text = 'datetime,LAeq\n2025-02-30 10:00:00,50\n2024-02-29 10:00:00,51\n2025-06-01 25:00:00,52\n01/06/2025 10:00,53\n';
    const { observations, rejections } = parse(text);
    expect(observations.map((o) => o.record)).toEqual([3]);
    expect(rejections.every((r) => r.expected === 'an ISO 8601 date-time YYYY-MM-DDTHH:MM[:SS[.fff]], local time in Europe/Paris or with an offset or Z')).toBe(true);
    expect(rejections.map((r) => [r.record, r.field, r.found, r.reason])).toEqual([
      ['2', 'datetime', '2025-02-30 10:00:00', '2025-02-30 10:00:00 is not a real calendar date'],
      ['4', 'datetime', '2025-06-01 25:00:00', '2025-06-01 25:00:00 has an hour, minute, second or offset out of range'],
      ['5', 'datetime', '01/06/2025 10:00', '"01/06/2025 10:00" is not a date-time'],
    ]);
  });

});

describe('parseNoiseCsv(): layouts and columns', () => {
  it('parseNoiseCsv() reads semicolons with decimal commas, tabs, quotes, CRLF and a BOM alike', () => {
    const expected = [
      [iso(new Date('2025-06-01T08:00:00Z')), 55.5],
      [iso(new Date('2025-06-01T08:01:00Z')), 56],
    ];
    const variants = [
      'datetime,LAeq\n2025-06-01 10:00:00,55.5\n2025-06-01 10:01:00,56\n',
      '\uFEFFdatetime;LAeq\r\n2025-06-01 10:00:00;55,5\r\n2025-06-01 10:01:00;56\r\n',
      'datetime\tLAeq\n2025-06-01 10:00:00\t55.5\n2025-06-01 10:01:00\t56',
      '"datetime","LAeq (dB(A))"\n"2025-06-01 10:00:00","55,5"\n"2025-06-01 10:01:00",56\n',
      'date;"LAeq ""A""";note\n2025-06-01T10:00;55.50;"a;b"\n2025-06-01T10:01:00.000;+56;""\n',
    ];
    for (const text of variants) {
      const { observations, rejections } = parse(text);
      expect(rejections, text).toEqual([]);
      expect(observations.map((o) => [iso(o.tsFrom), o.laeq]), text).toEqual(expected);
    }
  });

  it('parseNoiseCsv() joins separate date and time columns', () => {
    const text = 'Date;Time;LAeq;LAmax;LAS\n2025-06-01;10:00:00;55,5;70,1;58\n2025-06-01;10:00:01;56;;\n';
    const { observations, rejections } = parse(text);
    expect(rejections).toEqual([]);
    expect(observations.map((o) => [iso(o.tsFrom), o.laeq, o.lamax, o.las])).toEqual([
      ['2025-06-01T08:00:00.000Z', 55.5, 70.1, 58],
      ['2025-06-01T08:00:01.000Z', 56, null, null],
    ]);
    expect(parse('date;time;LAeq\n2025-02-30;10:00;50\n').rejections[0]).toMatchObject({ field: 'date+time', found: '2025-02-30 10:00' });
  });

  it('parseNoiseCsv() recognises the header variants of time and level columns', () => {
    const times = ['datetime', 'Timestamp', ' DATE_TIME ', 'time', 'Date'];
    const levels = ['LAeq', 'Leq', 'LEQ dB -A ', 'LAeq (dB(A))', 'laeq_db', 'noise_LAeq'];
    for (const time of times) {
      for (const level of levels) {
        const { observations } = parse(`${time},${level}\n2025-06-01 10:00:00,55\n`);
        expect(observations.map((o) => o.laeq), `${time} / ${level}`).toEqual([55]);
      }
    }
    const dnms = 'sensor_id;timestamp;noise_LAeq;noise_LA_min;noise_LA_max\n1;2025-06-01T10:00:00;55,1;40;71,2\n';
    expect(parse(dnms).observations[0]).toMatchObject({ laeq: 55.1, lamax: 71.2 });
  });

  it('parseNoiseCsv() rejects a level that is not a number, naming the column and the line', () => {
    const text = 'datetime, LEQ dB -A \n2025-06-01 10:00:00,abc\n2025-06-01 10:00:01,\n2025-06-01 10:00:02,0x10\n2025-06-01 10:00:03,NaN\n2025-06-01 10:00:04,57\n';
    const { observations, rejections } = parse(text);
    expect(observations.map((o) => o.record)).toEqual([6]);
    expect(rejections.map((r) => [r.record, r.field, r.found])).toEqual([
      ['2', 'LEQ dB -A', 'abc'],
      ['3', 'LEQ dB -A', 'an empty field'],
      ['4', 'LEQ dB -A', '0x10'],
      ['5', 'LEQ dB -A', 'NaN'],
    ]);
    expect(rejections[0]).toMatchObject({ expected: 'a number (dB(A)), decimal point or comma', reason: 'LEQ dB -A is not a number' });
    expect(parse('datetime;LAeq;LAmax\n2025-06-01 10:00;55;loud\n').rejections[0]).toMatchObject({ field: 'LAmax', found: 'loud' });
  });

  it('parseNoiseCsv() rejects rows with extra or missing columns', () => {
    const text = 'datetime,LAeq\n2025-06-01 10:00:00,55,56\n2025-06-01 10:00:01\n2025-06-01 10:00:02,"57\n';
    const { observations, rejections } = parse(text);
    expect(observations).toEqual([]);
    expect(rejections.map((r) => [r.record, r.field, r.expected, r.found])).toEqual([
      ['2', null, '2 fields, as in the header', '3 fields'],
      ['3', null, '2 fields, as in the header', '1 fields'],
      ['4', null, 'a closing quote (") for every opening one', '2025-06-01 10:00:02,"57'],
    ]);
    expect(rejections[0]!.recordText).toBe('2025-06-01 10:00:00,55,56');
  });

});

describe('parseNoiseCsv(): intervals and unreadable files', () => {
  it('parseNoiseCsv() skips empty lines and keeps physical line numbers', () => {
    const text = '\ndatetime,LAeq\n\n2025-06-01 10:00:00,55\n   \n,\n2025-06-01 10:00:01,56\n\n';
    const { observations, rejections } = parse(text);
    expect(rejections).toEqual([]);
    expect(observations.map((o) => o.record)).toEqual([4, 7]);
  });

  it('parseNoiseCsv() infers the interval as the typical step, or takes intervalSeconds', () => {
    const rows = ['00:00', '00:10', '00:20', '02:00', '02:10', '02:20'].map((t) => `2025-06-01 ${t}:00,50`);
    const text = `datetime,LAeq\n${rows.join('\n')}\n`;
    const span = (o: { tsFrom: Date; tsTo: Date }) => (o.tsTo.getTime() - o.tsFrom.getTime()) / 1000;
    expect(parse(text).observations.map(span)).toEqual([600, 600, 600, 600, 600, 600]);
    expect(parse(text, { intervalSeconds: 1 }).observations.map(span)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(parse('datetime,LAeq\n2025-06-01 00:00:00,50\n').observations.map(span)).toEqual([60]);
  });

  it('parseNoiseCsv() throws UnreadableInputError when the file is not a recognisable series', () => {
    expect(unreadable('')).toMatchObject({ found: 'an empty file' });
    expect(unreadable('\uFEFF\r\n  \n')).toMatchObject({ found: 'an empty file' });
    expect(unreadable('datetime,LAeq\n2025-06-01 00:00\u0000,50')).toMatchObject({ expected: 'UTF-8 text (a CSV file)', found: 'a NUL byte at character 30' });
    const noTime = unreadable('when,LAeq\n2025-06-01 00:00,50\n');
    expect(noTime.message).toBe('CSV header not recognised: no time column');
    expect(noTime.expected).toContain('a time column (datetime, timestamp, date_time, time, or date + time)');
    expect(noTime.found).toBe('header "when,LAeq"');
    expect(unreadable('datetime,dB\n').message).toBe('CSV header not recognised: no level column');
    expect(unreadable('\u00ff\u00d8\u00ff\u00e0JFIF\ufffd\ufffd').message).toBe('CSV header not recognised: no time column and no level column');
  });

  it('parseNoiseCsv() throws UnreadableInputError for options it cannot read the file with', () => {
    const text = 'datetime,LAeq\n2025-06-01 00:00,50\n';
    expect(unreadable(text, { tz: 'Europe/Pariss' })).toMatchObject({ found: 'Europe/Pariss' });
    expect(unreadable(text, { intervalSeconds: 0 })).toMatchObject({ expected: 'intervalSeconds > 0' });
    expect(unreadable(text, { sensorId: '' })).toMatchObject({ found: 'none' });
  });

  // how the time grows with the size: `BENCH_ONLY=parsers npm run bench` (several sizes, not a bound in
  // seconds); a whole day of one-second lines is read in the first test
  it('parseNoiseCsv() reads an hour of one-second lines with ; and decimal commas, in UTC', () => {
    const start = Date.UTC(2025, 5, 1, 23);
    const body = Array.from({ length: 3_600 }, (_, i) => `${new Date(start + i * 1000).toISOString().slice(0, 19).replace('T', ' ')};${(50 + (i % 20) / 10).toFixed(1).replace('.', ',')}`);
    const { observations, rejections } = parse(`datetime;LAeq\n${body.join('\n')}\n`, { tz: 'UTC' });
    expect(rejections).toEqual([]);
    expect(observations).toHaveLength(3_600);
    expect(observations.slice(-2).map((o) => [iso(o.tsFrom), iso(o.tsTo), o.laeq])).toEqual([
      ['2025-06-01T23:59:58.000Z', '2025-06-01T23:59:59.000Z', 51.8],
      ['2025-06-01T23:59:59.000Z', '2025-06-02T00:00:00.000Z', 51.9],
    ]);
  });
});
