import { createHash, webcrypto } from 'node:crypto';

// sha256 of a whole body. Large bodies are hashed by WebCrypto on libuv's thread pool, so the event
// loop goes on (an ingest parses the bytes while their hash and their raw copy are computed and written).

const OFF_THREAD_FROM = 64 * 1024;

export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  if (data.byteLength < OFF_THREAD_FROM) return sha256HexSync(data);
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', data)).toString('hex');
}

/** the same on the event loop, for small bodies or where the caller cannot wait */
export function sha256HexSync(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
