import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { FiwareOptions } from '../domain/noise/fiware.ts';
import { isTimeZone } from '../domain/time/local-clock.ts';

// Sensor networks allowed to push readings, each with the sha256 of its API key. Only hashes live in
// configuration (an environment variable or a file outside the repo; Secrets Manager on AWS). A network
// may also say what its payloads leave out: the zone of times written without offset (`tz`), and the
// integration interval of readings stamped with a single instant (`interval_s`, closed by the instant
// unless `interval_anchor` is "start").

export const pushNetworksSchema = z
  .array(
    z.object({
      network: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes'),
      key_sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 hex digits: the sha256 of the API key'),
      tz: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Paris').optional(),
      interval_s: z.number().positive('a positive number of seconds').max(86_400, 'at most one day (86400 s)').optional(),
      interval_anchor: z.enum(['end', 'start']).optional(),
    }).refine((n) => n.interval_anchor === undefined || n.interval_s !== undefined, { message: 'interval_anchor needs interval_s', path: ['interval_anchor'] }),
  )
  .min(1);

export type PushNetworks = z.infer<typeof pushNetworksSchema>;

export function parsePushNetworks(json: string, where: string): PushNetworks {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`, { cause: e });
  }
  const r = pushNetworksSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${where}: ${i.path.join('.') || 'value'}: ${i.message}`);
  }
  return r.data;
}

export function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export type PushNetwork = PushNetworks[number];

/** the network whose key this is, compared in constant time, or undefined */
export function networkForKey(networks: PushNetworks, key: string | undefined): string | undefined {
  return pushNetworkForKey(networks, key)?.network;
}

/** the configuration of the network whose key this is, compared in constant time, or undefined */
export function pushNetworkForKey(networks: PushNetworks, key: string | undefined): PushNetwork | undefined {
  if (!key) return undefined;
  const presented = Buffer.from(keyHash(key), 'hex');
  let found: PushNetwork | undefined;
  for (const n of networks) {
    if (timingSafeEqual(presented, Buffer.from(n.key_sha256, 'hex'))) found = n;
  }
  return found;
}

/** how a network's payloads are read: its zone and integration interval, when configured */
export function fiwareOptionsOf(network: PushNetwork): FiwareOptions {
  return {
    ...(network.tz ? { tz: network.tz } : {}),
    ...(network.interval_s !== undefined ? { interval: { seconds: network.interval_s, anchor: network.interval_anchor ?? 'end' } } : {}),
  };
}
