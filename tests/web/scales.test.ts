import { geoArea } from 'd3-geo';
import { describe, expect, it } from 'vitest';
import { COMMUNES_GEOJSON } from '../../functions/lib/domain/geo/communes.ts';
import { bandClasses, discriminatingClasses, sequentialColors, shareClasses } from '../../functions/lib/publish/classes.ts';
import { classOf } from '../../functions/lib/publish/contract.ts';
import { communeMap, RelativePath, rewind } from '../../functions/lib/publish/geo.ts';
import { formatNumber, formatSigned } from '../../functions/lib/publish/i18n.ts';
import { countClasses } from '../../functions/lib/publish/sections/common.ts';
import { median } from '../../functions/lib/publish/sql.ts';
import { valueText } from '../../web/src/lib/format.ts';
import { lineRuns, nearestIndex, niceStep, paddedDomain, spreadLabels, xValues, yExtent } from '../../web/src/lib/scales.ts';
import { splitCsvByColumn } from '../../functions/lib/publish/downloads.ts';

const T = (fr: string) => ({ fr, en: fr });

describe('map classes', () => {
  it('bandClasses() cuts at the official 5 dB breaks, open at both ends', () => {
    const c = bandClasses([55, 60, 65, 70, 75], 'magma', '');
    expect(c.map((x) => x.label.fr)).toEqual(['< 55', '55 – 60', '60 – 65', '65 – 70', '70 – 75', '≥ 75']);
    expect(c[0]).toMatchObject({ min: null, max: 55 });
    expect(c[5]).toMatchObject({ min: 75, max: null });
  });

  it('classOf() puts a break in the upper class, and missing data in none (-1), never in the first', () => {
    const c = bandClasses([55, 60], 'magma', '');
    expect(classOf(54.9, c)).toBe(0);
    expect(classOf(55, c)).toBe(1);
    expect(classOf(60, c)).toBe(2);
    expect(classOf(null, c)).toBe(-1);
    expect(classOf(undefined, c)).toBe(-1);
    expect(classOf(Number.NaN, c)).toBe(-1);
  });

  it('shareClasses() keeps 0 % apart from « more than 0 »', () => {
    const c = shareClasses([10, 25], 'ylorrd');
    expect(c.map((x) => x.label.fr)).toEqual(['0 %', '> 0 – 10 %', '10 – 25 %', '≥ 25 %']);
    expect(classOf(0, c)).toBe(0);
    expect(classOf(0.1, c)).toBe(1);
    expect(classOf(100, c)).toBe(3);
  });

  it('countClasses() labels whole days', () => {
    expect(countClasses([1, 3, 6], 'orrd', T('j')).map((x) => x.label.fr)).toEqual(['0 j', '1 – 2 j', '3 – 5 j', '≥ 6 j']);
  });

  it('sequentialColors() gets darker class after class (readable without hue)', () => {
    const lum = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    for (const scheme of ['magma', 'ylorrd', 'orrd', 'blues'] as const) {
      const l = sequentialColors(6, scheme).map(lum);
      expect(l.every((v, i) => i === 0 || v < l[i - 1]!), scheme).toBe(true);
    }
  });
});

describe('map geometry', () => {
  it('rewind() makes every commune enclose less than a hemisphere (d3-geo winding)', () => {
    const features = (COMMUNES_GEOJSON as unknown as { features: Parameters<typeof rewind>[0][] }).features;
    expect(features.filter((f) => geoArea(f) > 2 * Math.PI).length).toBeGreaterThan(0);
    expect(features.map(rewind).filter((f) => geoArea(f) > 2 * Math.PI)).toEqual([]);
  });

  it('communeMap() draws 130 paths fitted to the width, about 35 KB of path data', () => {
    const m = communeMap(COMMUNES_GEOJSON as unknown as Parameters<typeof communeMap>[0]);
    expect(m.paths.size).toBe(130);
    expect(m.width).toBe(600);
    const total = [...m.paths.values()].reduce((t, d) => t + d.length, 0);
    expect(total).toBeLessThan(60_000);
    const [x, y] = m.project(2.3522, 48.8566)!;
    expect(x).toBeGreaterThan(0);
    expect(x).toBeLessThan(m.width);
    expect(y).toBeGreaterThan(0);
    expect(y).toBeLessThan(m.height);
  });

  it('RelativePath writes relative tenths and drops segments rounding makes empty', () => {
    const p = new RelativePath();
    p.moveTo(10.04, 20.01);
    p.lineTo(11.26, 19.6);
    p.lineTo(11.27, 19.61);
    p.lineTo(10, 20);
    p.closePath();
    expect(p.toString()).toBe('M10,20l1.3-.4-1.3,.4z');
  });
});

describe('chart scales', () => {
  const spec = {
    x: { kind: 'day' as const, label: T('Jour'), values: ['2025-10-25', '2025-10-26', '2025-10-27'] },
    series: [
      { id: 'a', label: T('a'), values: [50, null, 58] },
      { id: 'b', label: T('b'), values: [null, null, null] },
    ],
    thresholds: [{ value: 68, kind: 'fr' as const, label: T('68') }],
  };

  it('yExtent() spans series and thresholds, ignores nulls, and is null without any value', () => {
    expect(yExtent(spec)).toEqual([50, 68]);
    expect(yExtent({ ...spec, series: [spec.series[1]!] })).toBeNull();
    expect(yExtent({ series: [], bands: [{ id: 'i', label: T('i'), lower: [1, null], upper: [3, 9] }] })).toEqual([1, 9]);
  });

  it('paddedDomain() rounds to steps with room around, opens a flat extent, and stays at 0 or above for non-negative values', () => {
    expect(paddedDomain([50, 68])).toEqual([45, 70]);
    expect(paddedDomain([60, 60])).toEqual([56, 64]);
    expect(paddedDomain([0, 0.7])).toEqual([0, 0.8]);
    expect(paddedDomain([1.9, 8.62])).toEqual([0, 10]);
    expect(paddedDomain([-3, 4])[0]).toBeLessThan(-3);
  });

  it('niceStep() picks 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([niceStep(18), niceStep(0.7), niceStep(14_000)]).toEqual([5, 0.2, 2500]);
  });

  it('lineRuns() breaks a line at missing values and across gaps far wider than the usual spacing', () => {
    expect(lineRuns([0, 1, 2, 3, 4], [true, true, false, true, true])).toEqual([[0, 1], [3, 4]]);
    expect(lineRuns([0, 1, 2, 100, 101], [true, true, true, true, true])).toEqual([[0, 1, 2], [3, 4]]);
    expect(lineRuns([0, 1, 2, 100, 101], [true, true, true, true, true], Infinity)).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('xValues() reads local days at UTC midnight (no DST shift) and hours as numbers', () => {
    expect(xValues(spec).map((d) => (d as Date).toISOString())).toEqual(['2025-10-25T00:00:00.000Z', '2025-10-26T00:00:00.000Z', '2025-10-27T00:00:00.000Z']);
    expect(xValues({ x: { kind: 'hour', label: T('h'), values: [0, 1, 23] } })).toEqual([0, 1, 23]);
  });

  it('nearestIndex() finds the closest position', () => {
    expect(nearestIndex([0, 10, 20], 14)).toBe(1);
    expect(nearestIndex([], 3)).toBe(-1);
  });

  it('spreadLabels() keeps labels apart and inside the plot', () => {
    expect(spreadLabels([100, 105, 200], 12)).toEqual([100, 112, 200]);
    expect(spreadLabels([95, 98], 12, 0, 100)).toEqual([88, 100]);
  });
});

describe('numbers as the pages write them', () => {
  it('formatNumber() uses the decimal comma in French, the point in English, and never writes -0', () => {
    expect(formatNumber('fr', 62.345, 1)).toBe('62,3');
    expect(formatNumber('en', 62.345, 1)).toBe('62.3');
    expect(formatNumber('fr', -0.04, 1)).toBe('0,0');
    expect(formatSigned('fr', 0.4, 1)).toBe('+0,4');
    expect(formatSigned('fr', -1.25, 1)).toBe('-1,3');
  });

  it('valueText() (browser) shows missing data as « pas de données », never 0', () => {
    expect(valueText('fr', null, 1, 'dB(A)')).toBe('pas de données');
    expect(valueText('en', undefined, 1, 'dB(A)')).toBe('no data');
    expect(valueText('fr', 0, 1, '%')).toBe('0,0 %');
  });

  it('median() of the communes with a value', () => {
    expect(median([3, null, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([null])).toBeNull();
  });
});

describe('per-commune CSV', () => {
  it('splitCsvByColumn() cuts rows grouped by a column, each part with the header, quoted commas and line breaks kept', () => {
    const header = 'sensor_id,commune_insee,name\n';
    const csv = `${header}"loc:2.1,48.8",75056,"a ""b"""\nS2,75056,x\nS3,93066,"two\nlines"\nS4,,outside\n`;
    const parts = splitCsvByColumn(csv, 'commune_insee');
    expect([...parts.keys()]).toEqual(['75056', '93066']);
    expect(parts.get('75056')).toEqual({ text: `${header}"loc:2.1,48.8",75056,"a ""b"""\nS2,75056,x\n`, rows: 2 });
    expect(parts.get('93066')).toEqual({ text: `${header}S3,93066,"two\nlines"\n`, rows: 1 });
  });
});

describe('classes that tell the communes apart (issue 20)', () => {
  const bands = bandClasses([55, 60, 65, 70, 75], 'magma', '');
  it('keeps the fixed classes when the values fall into several', () => {
    const d = discriminatingClasses(bands, [58, 62, 71], 1, 'dB(A)');
    expect(d).toMatchObject({ refined: false, same: null });
    expect(d.classes).toBe(bands);
  });
  it('cuts the one class every value falls into at their quantiles, inside its bounds', () => {
    const values = [60.4, 61.2, 61.9, 62.8, 63.5, 64.9];
    const d = discriminatingClasses(bands, values, 1, 'dB(A)');
    expect(d.refined).toBe(true);
    expect(d.classes[0]!.min).toBe(60);
    expect(d.classes.at(-1)!.max).toBe(65);
    const used = new Set(values.map((v) => classOf(v, d.classes)));
    expect(used.size).toBeGreaterThanOrEqual(3);
    expect([...used].every((k) => k >= 0)).toBe(true);
    // the colours are the fixed scheme's
    expect(d.classes.every((c) => bands.some((b) => b.color === c.color))).toBe(true);
  });
  it('says when every commune has the same value', () => {
    expect(discriminatingClasses(countClasses([1, 3, 6, 11], 'orrd', { fr: 'j', en: 'd' }), [4, 4, 4], 0, 'j')).toMatchObject({ refined: false, same: 4 });
  });
});
