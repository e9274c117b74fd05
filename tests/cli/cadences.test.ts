import { describe, expect, it } from 'vitest';
import { CADENCE_NAMES } from '../../functions/cli/main.ts';
import { CADENCES } from '../../functions/lib/stages/registry.ts';

// `observatory run --schedule` spells the cadences itself so that --help loads no stage code: held here
// to the registry's, so that the command line offers exactly the cadences AWS schedules.
describe('run --schedule', () => {
  it('offers exactly the registry’s cadences, in its order', () => {
    expect([...CADENCE_NAMES]).toEqual([...CADENCES]);
  });
});
