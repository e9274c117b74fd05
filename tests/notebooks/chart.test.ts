import { describe, expect, it } from 'vitest';
import { chartSvg } from '../../notebooks/harness/chart.ts';

const communes = [
  { commune: 'Saint-Denis', nights: 12 },
  { commune: 'L’Haÿ-les-Roses <&>', nights: 7 },
];

describe('chartSvg()', () => {
  it('draws one bar per row, labelled and valued, with the reference line, as the same text every time', () => {
    const spec = { type: 'bar' as const, title: 'Nights above 45 dB(A)', data: communes, x: 'commune', y: 'nights', rules: [{ value: 10, label: 'ten' }] };
    const svg = chartSvg(spec);
    expect(svg).toBe(chartSvg(spec));
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain('>Saint-Denis</text>');
    expect(svg).toContain('L’Haÿ-les-Roses &lt;&amp;&gt;');
    expect(svg).toContain('<title id="chart-nights-above-45-db-a">Nights above 45 dB(A)</title>');
    expect(svg).toMatch(/stroke-dasharray="4 3"\/><text [^>]*>ten<\/text>/);
  });

  it('draws a line per series over dates or years, and says when there is no data', () => {
    const daily = chartSvg({ type: 'line', title: 'Stage', data: [{ day: new Date('2018-01-27T00:00:00Z'), h: 5.7 }, { day: '2018-01-29', h: 5.84 }], x: 'day', y: 'h', zero: true });
    expect(daily.match(/<path d="M/g)).toHaveLength(1);
    expect(daily).toContain('>0</text>');
    const yearly = chartSvg({ type: 'line', title: 'Days', data: [{ year: 2019, n: 4, k: 'a' }, { year: 2020, n: 3, k: 'a' }, { year: 2019, n: 2, k: 'b' }], x: 'year', y: 'n', series: 'k' });
    expect(yearly.match(/<path d="M/g)).toHaveLength(2);
    expect(yearly).toContain('>2019</text>');
    expect(yearly).not.toContain('2,019');
    expect(chartSvg({ type: 'line', title: 'Empty', data: [], x: 'day', y: 'h', rules: [{ value: 8.62, label: '1910' }] })).toContain('No data for this chart in this lake');
  });
});
