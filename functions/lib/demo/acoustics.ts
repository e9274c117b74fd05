import type { Slot } from './grid.ts';
import { DAYTIME_PASSES_PER_HOUR, type DemoSensor } from './network.ts';
import { normal, poisson, uniform, type Random } from './prng.ts';

// The sound a sensor hears, interval by interval: a traffic-driven diurnal profile shaped by the day
// of the week, pass-bys of trains and aircraft, industrial schedules, short loud events (horns,
// sirens, motorbikes), slow drifts (weather, traffic conditions) and measurement noise.

/** weekday road-traffic level relative to the daytime plateau, dB, by local clock hour (peaks 08–09 and 17–19) */
const ROAD_PROFILE = [-11, -14, -16, -17, -16, -12, -6.5, -1.5, 1.5, 0.5, -0.5, -0.5, -0.5, -0.5, -0.5, 0, 0.5, 1.5, 1.5, 0, -2, -3.5, -6, -8.5];
// no morning rush at the weekend; Sundays and public holidays are quieter all day
const SATURDAY = [0, 0, 0, 0, 0, -3, -4, -5, -4.5, -3, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0];
const SUNDAY = [0, 0, 0, 0, 0, -4, -6, -8, -8, -7, -5, -3, -3, -3, -3, -3, -3, -3, -3, -3, -1.5, -1.5, 0, 0];

/** trains an hour relative to the daytime rate (RER/Transilien service, freight at night) */
const RAIL_RATE = [0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1, 1.4, 1.4, 1, 0.8, 0.8, 0.8, 0.8, 0.8, 1, 1.2, 1.4, 1.4, 1, 0.8, 0.6, 0.4, 0.3];
/** flights an hour relative to the daytime rate; Orly has a curfew 23:30–06:00, Le Bourget is closed at night */
const AIR_RATE = {
  orly: [0, 0, 0, 0, 0, 0, 0.7, 1.1, 1.1, 1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1, 1.1, 1.1, 1, 0.9, 0.8, 0.6, 0.4],
  'le-bourget': [0, 0, 0, 0, 0, 0, 0, 0.7, 1, 1, 1, 0.8, 0.7, 0.7, 0.8, 1, 1, 1, 0.8, 0.6, 0.4, 0.3, 0, 0],
  roissy: [0.3, 0.2, 0.15, 0.15, 0.2, 0.5, 0.9, 1.1, 1.1, 1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1, 1.1, 1.1, 1, 0.9, 0.8, 0.6, 0.4],
} as const;

const energy = (level: number) => 10 ** (level / 10);
const level = (e: number) => 10 * Math.log10(e);

/** linear interpolation of an hourly table at the middle of the interval */
function atSlot(table: readonly number[], slot: Slot, intervalMinutes: number): number {
  const t = slot.hour + (slot.minute + intervalMinutes / 2) / 60 - 0.5;
  const h0 = Math.floor(t);
  const f = t - h0;
  return table[(h0 + 24) % 24]! * (1 - f) + table[(h0 + 25) % 24]! * f;
}

function weekShape(slot: Slot, intervalMinutes: number): number {
  let shape = 0;
  if (slot.dayType === 'saturday') shape += atSlot(SATURDAY, slot, intervalMinutes);
  if (slot.dayType === 'sunday') shape += atSlot(SUNDAY, slot, intervalMinutes);
  // Friday and Saturday nights are livelier: evenings of Fri/Sat and small hours of Sat/Sun
  if ((slot.weekday === 5 || slot.weekday === 6) && slot.hour >= 21) shape += 2;
  if ((slot.weekday === 6 || slot.weekday === 0) && slot.hour < 4) shape += 3;
  return shape;
}

/** road traffic relative level (dB) of the slot: diurnal profile plus day-of-week shape */
export function roadShape(slot: Slot, intervalMinutes: number): number {
  return atSlot(ROAD_PROFILE, slot, intervalMinutes) + weekShape(slot, intervalMinutes);
}

function passRate(sensor: DemoSensor, slot: Slot, intervalMinutes: number): number {
  if (sensor.noiseSource === 'air') {
    const airport = sensor.airport ?? 'orly';
    if (airport === 'orly' && slot.hour === 23 && slot.minute >= 30) return 0;
    return atSlot(AIR_RATE[airport], slot, intervalMinutes);
  }
  if (sensor.noiseSource === 'rail' || sensor.noiseSource === 'mixed') {
    const sunday = slot.dayType === 'sunday' ? (slot.hour < 10 ? 0.5 : 0.75) : slot.dayType === 'saturday' ? 0.85 : 1;
    return atSlot(RAIL_RATE, slot, intervalMinutes) * sunday;
  }
  return 0;
}

function industrySchedule(slot: Slot): number {
  const working = slot.hour >= 6 && slot.hour < 22;
  if (slot.dayType === 'weekday') return working ? 0 : -6;
  if (slot.dayType === 'saturday') return slot.hour >= 6 && slot.hour < 14 ? -2 : -7;
  return -8;
}

export interface Series {
  readonly laeq: Float64Array;
  readonly lamax: Float64Array;
  readonly las: Float64Array;
}

/** the sensor's true readings on the grid (no outages, no faults), in dB(A) */
export function simulateSeries(sensor: DemoSensor, grid: readonly Slot[], random: Random, intervalMinutes: number): Series {
  const n = grid.length;
  const laeq = new Float64Array(n);
  const lamax = new Float64Array(n);
  const las = new Float64Array(n);
  const seconds = intervalMinutes * 60;
  const perInterval = intervalMinutes / 60;
  const background = Math.max(28, Math.min(sensor.dayLevel, sensor.roadLevel) - 22);
  // traffic conditions drift slowly (AR(1), ≈1.5 dB), each day has its own offset (weather, works)
  let drift = normal(random) * 1.5;
  let dayOffset = 0;
  let currentDay = -1;
  for (let i = 0; i < n; i++) {
    const slot = grid[i]!;
    if (slot.day !== currentDay) {
      currentDay = slot.day;
      dayOffset = normal(random) * 0.7;
    }
    drift = 0.85 * drift + normal(random) * 0.8;
    const shape = roadShape(slot, intervalMinutes);
    const road = sensor.roadLevel + sensor.nightDepth * shape + drift + dayOffset + normal(random) * 0.6;
    let e = energy(road) + energy(background);
    if (sensor.noiseSource === 'industry') {
      const plant = sensor.dayLevel + industrySchedule(slot) + drift * 0.3 + normal(random) * 0.8;
      e += energy(plant);
    }
    const steady = level(e);
    // loud events (horns, sirens, motorbikes): ~1.4 an hour at the daytime plateau, fewer when traffic is light
    let maxEvent = -Infinity;
    const events = poisson(random, 1.4 * perInterval * Math.sqrt(energy(Math.min(shape, 2))));
    for (let k = 0; k < events; k++) {
      const peak = Math.min(110, road + uniform(random, 12, 28));
      e += (energy(peak) * uniform(random, 0.5, 3)) / seconds;
      maxEvent = Math.max(maxEvent, peak);
    }
    // trains and aircraft: Poisson pass-bys with a sound exposure level around the sensor's
    const passes = sensor.passByLevel > 0 ? poisson(random, passRate(sensor, slot, intervalMinutes) * perInterval * passesPerHour(sensor)) : 0;
    for (let k = 0; k < passes; k++) {
      const sel = sensor.passByLevel + uniform(random, -3, 3);
      e += energy(sel) / seconds;
      maxEvent = Math.max(maxEvent, sel - (sensor.noiseSource === 'air' ? 12 : 11) + normal(random));
    }
    const leq = level(e);
    const fluctuation = steady + 9 + 7 * random() + normal(random);
    const max = Math.max(fluctuation, maxEvent, leq + 1);
    const slow = Math.min(max - 0.3, Math.max(leq - 10, leq - 0.5 + normal(random) * 2.5));
    laeq[i] = leq;
    lamax[i] = max;
    las[i] = slow;
  }
  return { laeq, lamax, las };
}

function passesPerHour(sensor: DemoSensor): number {
  if (sensor.noiseSource === 'air') return DAYTIME_PASSES_PER_HOUR[sensor.airport ?? 'orly'];
  if (sensor.noiseSource === 'mixed') return DAYTIME_PASSES_PER_HOUR.rail / 2;
  return DAYTIME_PASSES_PER_HOUR.rail;
}
