import { REFERENCE_FLOODS } from './config.ts';

// The reference floods of the Seine at Paris-Austerlitz: the 1910 stage that the Paris flood-risk
// plan (PPRI) is built on, and the rank of a stage among the listed floods.

export const REFERENCE_STATION = REFERENCE_FLOODS.station;

export const STAGE_1910_M = (() => {
  const p = REFERENCE_FLOODS.peaks.find((x) => x.event === REFERENCE_FLOODS.reference_event);
  if (!p) throw new Error(`config/flood-reference-peaks.json: reference_event ${REFERENCE_FLOODS.reference_event} is not among the peaks`);
  return p.stage_m;
})();

/** 1 + the number of reference floods whose stage is strictly higher than `stageM` */
export function floodRank(stageM: number, peaks: readonly { stage_m: number }[] = REFERENCE_FLOODS.peaks): number {
  return 1 + peaks.filter((p) => p.stage_m > stageM).length;
}
