import type { Column, Granularity, RecordCheck } from './declaration.ts';

// columns shared by several datasets, written once

export const dt = {
  name: 'dt',
  type: 'string',
  partition: true,
  description: 'Partition: the Europe/Paris local calendar date (YYYY-MM-DD) of the record',
} as const satisfies Column;

const PERIOD: Record<Granularity, string> = { day: 'date (YYYY-MM-DD)', month: 'month (YYYY-MM)', year: 'year (YYYY)' };

/** the dt partition column of a dataset partitioned by `granularity`, placed by `of` (a column's Paris date) */
export function dtColumn(granularity: Granularity, of: string) {
  return { ...dt, description: `Partition: the Europe/Paris local ${PERIOD[granularity]} of ${of}` };
}

export const communeInsee = {
  name: 'commune_insee',
  type: 'string',
  nullable: true,
  description: 'INSEE code of the commune of the Métropole du Grand Paris (NULL outside the Métropole or when unknown)',
} as const satisfies Column;

export const sensorId = {
  name: 'sensor_id',
  type: 'string',
  description: 'Sensor identifier: FIWARE refDevice, else refPointOfInterest, else loc:<lon>,<lat> (5 decimals)',
} as const satisfies Column;

export const conventionColumn = {
  name: 'convention',
  type: 'string',
  values: ['eu', 'fr'],
  description: 'Day/evening/night periods: eu = 07-19/19-23/23-07 (Directive 2002/49/EC), fr = 06-18/18-22/22-06 (arrêté du 4 avril 2006)',
} as const satisfies Column;

export const level = <const Name extends string>(name: Name, description: string) =>
  ({ name, type: 'double', unit: 'dB(A)', nullable: true, min: 0, max: 150, description }) as const satisfies Column;

export const OPEN_LICENCE = 'Licence Ouverte / Etalab 2.0';

/** the first day an observation is accepted (UTC); the catalog's partition projections start there */
export const EARLIEST_OBSERVATION_DATE = '2000-01-01';
/** how far after its receipt an observation may lie (a sensor clock a little ahead) */
export const OBSERVATION_FUTURE_TOLERANCE_DAYS = 1;
const EARLIEST_OBSERVATION_MS = Date.parse(`${EARLIEST_OBSERVATION_DATE}T00:00:00Z`);
const DAY_MS = 86_400_000;

/**
 * the one rule for observation times of every source: not before 2000, and not more than a day after
 * the file was received (a sensor clock a little ahead is tolerated; one a year ahead is not)
 */
export function observationTimeCheck<Row>(field: string, timeOf: (row: Row) => Date): RecordCheck<Row> {
  return {
    name: `${field} from 2000 to one day after receipt`,
    check: (r, ctx) => {
      const t = timeOf(r).getTime();
      const latest = ctx.now.getTime() + OBSERVATION_FUTURE_TOLERANCE_DAYS * DAY_MS;
      if (t >= EARLIEST_OBSERVATION_MS && t <= latest) return undefined;
      return {
        field,
        expected: `between 2000-01-01T00:00:00Z and ${new Date(latest).toISOString()} (receive time + 1 day)`,
        found: timeOf(r).toISOString(),
        reason: t < EARLIEST_OBSERVATION_MS ? 'observation time before 2000' : 'observation time more than a day in the future',
      };
    },
  };
}
