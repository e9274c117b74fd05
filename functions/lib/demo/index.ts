// A seeded simulator of a noise-sensor network over the Métropole du Grand Paris, emitting the real
// input formats (FIWARE NoiseLevelObserved, LAeq CSV) with realistic faults. Demo data, not measurements.

export { simulateNoiseNetwork, type DemoFile } from './simulate.ts';
export { DEMO_NOTICE, demoManifest, type DemoManifest } from './manifest.ts';
export { DEMO_DEFAULTS, demoPlan, resolveDemoOptions, type DemoOptions, type DemoPlan, type FaultKind, type InjectedFault } from './plan.ts';
export { demoNetwork, defaultSensorsPerCommune, ENCODINGS, type DemoSensor, type Encoding, type NoiseSource, type SiteType } from './network.ts';
export { DEMO_DATA_PROVIDER, encodeEntity, entityId, entityJson, type EntityReading } from './fiware.ts';
export { easterSunday, frenchPublicHoliday, frenchPublicHolidays, type PublicHoliday } from '../domain/time/holidays.ts';
export { timeGrid, lastSunday, type Slot } from './grid.ts';
export { mulberry32 } from './prng.ts';
export { DEMO_CLOCK_DAY, DEMO_NOISE_DAYS, demoClock, demoWindowStart } from './clock.ts';
