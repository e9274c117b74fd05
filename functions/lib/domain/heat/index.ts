export * from './thresholds.ts';
export * from './meteofrance.ts';
