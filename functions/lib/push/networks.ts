import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

// Sensor networks allowed to push readings, each with the sha256 of its API key. Only hashes live in
// configuration (an environment variable or a file outside the repo; Secrets Manager on AWS).

export const pushNetworksSchema = z
  .array(
    z.object({
      network: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes'),
      key_sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 hex digits: the sha256 of the API key'),
    }),
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

/** the network whose key this is, compared in constant time, or undefined */
export function networkForKey(networks: PushNetworks, key: string | undefined): string | undefined {
  if (!key) return undefined;
  const presented = Buffer.from(keyHash(key), 'hex');
  let found: string | undefined;
  for (const n of networks) {
    if (timingSafeEqual(presented, Buffer.from(n.key_sha256, 'hex'))) found = n.network;
  }
  return found;
}
