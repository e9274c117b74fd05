import { beforeAll, describe, expect, it } from 'vitest';
import { backfillStages, BackfillRequestError, chunkBudgetBytes, chunkDays, daysOf, MAX_BACKFILL_CHUNKS } from '../../functions/lib/stages/backfill.ts';
import { STAGES, stageNamed } from '../../functions/lib/stages/registry.ts';
import { definitionOf, logicalId, synthObservatory, text, type SynthesizedObservatory } from './support.ts';

// The backfill's chunking (shared by `observatory run --from --to` and the backfill state machine) and
// the state machine that maps the chunks over Lambda invocations.

/** a seeded generator (mulberry32): the same days every run */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('backfill chunks', () => {
  it('never exceed the budget nor cross a month, cover every day once in order, for random day sizes', () => {
    const budget = chunkBudgetBytes(stageNamed('noise-indicators').limits);
    const days = daysOf({ from: '2023-11-20', to: '2025-03-10' });
    for (let seed = 1; seed <= 50; seed++) {
      const next = random(seed);
      // empty days, small days and days near the budget, mixed
      const sized = days.map((day) => ({ day, bytes: Math.floor(next() < 0.2 ? 0 : next() < 0.7 ? next() * budget * 0.05 : next() * budget) }));
      const chunks = chunkDays(sized, budget);
      for (const c of chunks) {
        expect(c.bytes, `seed ${seed}: ${c.from} → ${c.to}`).toBeLessThanOrEqual(budget);
        expect(c.from.slice(0, 7), `seed ${seed}`).toBe(c.to.slice(0, 7));
        const inChunk = sized.filter((d) => d.day >= c.from && d.day <= c.to);
        expect(inChunk.reduce((t, d) => t + d.bytes, 0), `seed ${seed}`).toBe(c.bytes);
      }
      expect(chunks.flatMap((c) => daysOf(c)), `seed ${seed}`).toEqual(days);
    }
  });

  it('makes one chunk per month when months are small, and refuses a day larger than the budget, naming it', () => {
    const days = daysOf({ from: '2025-01-15', to: '2025-03-02' }).map((day) => ({ day, bytes: 1000 }));
    expect(chunkDays(days, 1_000_000).map((c) => [c.from, c.to])).toEqual([
      ['2025-01-15', '2025-01-31'],
      ['2025-02-01', '2025-02-28'],
      ['2025-03-01', '2025-03-02'],
    ]);
    expect(() => chunkDays([{ day: '2025-02-03', bytes: 10 }, { day: '2025-02-04', bytes: 11 }], 10)).toThrow(BackfillRequestError);
    expect(() => chunkDays([{ day: '2025-02-04', bytes: 11 }], 10)).toThrow(/2025-02-04 holds 11 bytes of readings, more than one invocation's budget of 10 bytes/);
  });

  it('sizes the budget from the stage’s memory, /tmp and timeout, whichever binds first', () => {
    const base = { memoryMb: 3008, timeoutS: 900, ephemeralStorageMb: 4096 };
    const budget = chunkBudgetBytes(base);
    expect(budget).toBeGreaterThan(0);
    expect(chunkBudgetBytes({ ...base, memoryMb: 1504 })).toBeLessThan(budget);
    expect(chunkBudgetBytes({ ...base, timeoutS: 60 })).toBeLessThan(budget);
    expect(chunkBudgetBytes({ ...base, ephemeralStorageMb: 16 })).toBeLessThan(budget);
  });

  it('runs the ranged stages per chunk and the stages reading their outputs (transitively) once', () => {
    const { ranged, consumers } = backfillStages(STAGES);
    expect(ranged.map((s) => s.name)).toEqual(['noise-indicators']);
    for (const c of consumers) {
      const upstream = new Set([...ranged, ...consumers.slice(0, consumers.indexOf(c))].flatMap((s) => s.outputs));
      expect(c.inputs.some((i) => upstream.has(i.dataset)), c.name).toBe(true);
    }
    expect(consumers.map((s) => s.name)).toEqual(expect.arrayContaining(['predict', 'publish-site']));
    // nothing that only reads the readings themselves, or other sources, is re-run
    expect(consumers.map((s) => s.name)).not.toContain('compact');
    expect(consumers.map((s) => s.name)).not.toContain('heat-indicators');
  });
});

describe('the backfill state machine', () => {
  let dev: SynthesizedObservatory;
  type State = Record<string, unknown> & { Type: string; Next?: string; End?: boolean };
  let def: { StartAt: string; States: Record<string, State>; TimeoutSeconds?: number };
  beforeAll(() => {
    dev = synthObservatory('dev');
    def = definitionOf(dev.templates.pipeline, 'BackfillStateMachine') as typeof def;
  });
  const fnId = (stage: string) => logicalId(dev.templates.pipeline, 'AWS::Lambda::Function', `Stage${stage.replaceAll('-', '')}Function`);

  it('plans with the ranged stage’s function, from the execution’s from/to', () => {
    const plan = def.States[def.StartAt]!;
    expect(def.StartAt).toBe('plan');
    expect(text(plan['Parameters'])).toContain(fnId('noise-indicators'));
    expect(plan['Parameters']).toMatchObject({ Payload: { plan: { 'from.$': '$.from', 'to.$': '$.to' } } });
    expect(plan.Next).toBe('years');
  });

  it('maps the years several at once and, inside, each year’s chunks one at a time, invoking the stage Lambda per chunk', () => {
    const years = def.States['years'] as State & { ItemsPath: string; MaxConcurrency: number; ItemProcessor: { StartAt: string; States: Record<string, State> } };
    expect(years.Type).toBe('Map');
    expect(years.ItemsPath).toBe('$.plan.years');
    expect(years.MaxConcurrency).toBeGreaterThan(1);
    const chunks = years.ItemProcessor.States[years.ItemProcessor.StartAt] as State & { ItemsPath: string; MaxConcurrency: number; ItemProcessor: { StartAt: string; States: Record<string, State> } };
    expect(chunks.Type).toBe('Map');
    expect(chunks.ItemsPath).toBe('$.chunks');
    expect(chunks.MaxConcurrency).toBe(1);
    const task = chunks.ItemProcessor.States[chunks.ItemProcessor.StartAt]!;
    expect(task.Type).toBe('Task');
    expect(task['Resource']).toMatch(/lambda:invoke/);
    expect(text(task['Parameters'])).toContain(fnId('noise-indicators'));
    expect(task['Parameters']).toMatchObject({ Payload: { stage: 'noise-indicators', 'range.$': '$.range' } });
    expect(text(task['Retry'])).toContain('States.ALL');
    // each chunk's task may take its function's timeout, plus a margin, no more
    const timeout = Number(resourceTimeout(dev, fnId('noise-indicators')));
    expect(task['TimeoutSeconds']).toBe(timeout + 60);
  });

  it('then runs the consumers once, in the registry’s order, each with its own function', () => {
    const consumers = backfillStages(STAGES).consumers.map((s) => s.name);
    const ran: string[] = [];
    for (let name: string | undefined = def.States['years']!.Next; name && def.States[name]!.Type === 'Task'; name = def.States[name]!.Next) {
      ran.push(name);
      expect(text(def.States[name]!['Parameters'])).toContain(fnId(name));
    }
    expect(ran).toEqual(consumers);
  });

  it('times out only after the largest plan’s chunks could each have used all their attempts', () => {
    const timeout = Number(resourceTimeout(dev, fnId('noise-indicators')));
    expect(def.TimeoutSeconds).toBeGreaterThanOrEqual(MAX_BACKFILL_CHUNKS * 3 * (timeout + 60));
  });
});

function resourceTimeout(dev: SynthesizedObservatory, id: string): unknown {
  return (dev.templates.pipeline.toJSON() as { Resources: Record<string, { Properties: { Timeout: unknown } }> }).Resources[id]!.Properties.Timeout;
}
