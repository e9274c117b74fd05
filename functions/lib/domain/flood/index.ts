export * from './config.ts';
export * from './units.ts';
export * from './reference-floods.ts';
export * from './hubeau.ts';
export * from './vigicrues.ts';
export * from './sections.ts';
export { parseInstant } from './records.ts';
