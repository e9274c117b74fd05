import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { asServed } from '../../functions/local/site-server.ts';

// The local site server compresses as CloudFront does (compress: true): text types from 1 000 bytes, gzip
// only when the browser accepts it.

const page = Buffer.from(`<!doctype html><title>x</title>${'<p>Saint-Denis</p>'.repeat(200)}`);

describe('asServed()', () => {
  it('gzips a page for a browser that accepts gzip, and the bytes come back the same', () => {
    const served = asServed(page, 'text/html; charset=utf-8', 'gzip, deflate, br');
    expect(served.encoding).toBe('gzip');
    expect(served.body.length).toBeLessThan(page.length / 5);
    expect(gunzipSync(served.body).equals(page)).toBe(true);
  });

  it('gzips JSON, scripts, styles and SVG; never Parquet or PNG', () => {
    for (const type of ['application/json', 'text/javascript', 'text/css', 'image/svg+xml']) expect(asServed(page, type, 'gzip').encoding, type).toBe('gzip');
    for (const type of ['application/vnd.apache.parquet', 'image/png']) expect(asServed(page, type, 'gzip')).toEqual({ body: page });
  });

  it('sends the bytes as they are when gzip is not offered, refused (q=0), or the file is under 1 000 bytes', () => {
    expect(asServed(page, 'text/html', undefined)).toEqual({ body: page });
    expect(asServed(page, 'text/html', 'br, identity')).toEqual({ body: page });
    expect(asServed(page, 'text/html', 'br;q=1.0, gzip;q=0')).toEqual({ body: page });
    expect(asServed(page, 'text/html', 'br;q=1.0, gzip;q=0.5').encoding).toBe('gzip');
    const small = Buffer.from('<p>court</p>');
    expect(asServed(small, 'text/html', 'gzip')).toEqual({ body: small });
  });
});
