import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/catalog.ts';
import { CADENCES, stagesOf } from '../../functions/lib/stages/registry.ts';
import { costLines, costTable, QUEUE, readCounts, SCENARIO } from '../../scripts/cost.ts';

// The cost table in docs/deploy.md is what scripts/cost.ts prints for the committed counts
// (scripts/cost-counts.json, measured by `scripts/cost.ts --measure`), and those counts are of the
// registry's cadences as they are now.

describe('the monthly cost', () => {
  it('docs/deploy.md shows exactly the table the script prints for the committed counts', async () => {
    const doc = await readFile(`${REPO_ROOT}/docs/deploy.md`, 'utf8');
    const m = /<!-- cost:begin -->\n([\s\S]*?)\n<!-- cost:end -->/.exec(doc);
    expect(m, 'docs/deploy.md has no <!-- cost:begin --> … <!-- cost:end --> block').not.toBeNull();
    expect(m![1]).toBe(costTable(await readCounts()));
  });

  it('was measured on the registry’s cadences as they are (else: node --import tsx scripts/cost.ts --measure)', async () => {
    const counts = await readCounts();
    for (const cadence of CADENCES.filter((c) => c !== 'after-ingest')) {
      expect(Object.keys(counts.cadences[cadence] ?? {}), cadence).toEqual(stagesOf(cadence).map((s) => s.name));
    }
    expect(counts.sensors).toBe(SCENARIO.sensors);
    // a push writes its raw bytes (the curation is queued); each queued batch at least its readings file
    expect(counts.push.objects_written).toBeGreaterThanOrEqual(1);
    expect(counts.pushCuration.batches).toBe(QUEUE.batchesPerInterval);
    expect(counts.pushCuration.objects_written).toBeGreaterThanOrEqual(counts.pushCuration.batches);
  });

  it('does the arithmetic: push requests from the fleet alone, S3 lines that follow the counts', async () => {
    const counts = await readCounts();
    const lines = costLines(counts);
    const api = lines.find((l) => l.item.startsWith('API Gateway'))!;
    // 500 sensors × 4 pushes an hour × 24 h × 30 days = 1 440 000 requests, at 3.50 $ per million
    expect(api.usd).toBeCloseTo(5.04, 6);
    const put = (c: typeof counts) => costLines(c).find((l) => l.item === 'S3 PUT and LIST')!.usd;
    // one more PUT per push is 1 440 000 more PUTs at 0.0053 $ per 1 000
    expect(put({ ...counts, push: { ...counts.push, objects_written: counts.push.objects_written + 1 } }) - put(counts)).toBeCloseTo(1_440_000 * 0.0053e-3, 6);
    // SQS: 1 440 000 messages, receives and deletes by 10 (2 × 144 000), and 2 queues × 5 idle pollers ×
    // 3 long polls a minute × 43 200 minutes (1 296 000), at 0.40 $ per million
    const sqs = lines.find((l) => l.item.startsWith('SQS'))!;
    expect(sqs.usd).toBeCloseTo((1_440_000 + 288_000 + 1_296_000) * 0.4e-6, 6);
    // twice the fleet: twice the push lines
    const doubled = costLines(counts, { ...SCENARIO, sensors: 1000 }).find((l) => l.item.startsWith('API Gateway'))!;
    expect(doubled.usd).toBeCloseTo(2 * api.usd, 6);
  });

  it('meets the issue’s target for the scenario in prod: 30 USD a month at most', async () => {
    const total = costLines(await readCounts()).reduce((t, l) => t + l.usd, 0);
    expect(total).toBeLessThanOrEqual(30);
  });
});
