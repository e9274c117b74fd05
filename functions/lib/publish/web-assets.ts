import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { optionalEnv } from '../env.ts';

// The browser code of the site. A prebuilt copy (web/build.ts <dir>) is used when one is given —
// OBSERVATORY_WEB_ASSETS, or web-assets/ next to a Lambda's code — otherwise web/src is bundled with
// esbuild on the spot (npm start right after npm ci: no separate build step).

export interface WebFile {
  /** relative to the site root: assets/map-3F2K7Q.js */
  readonly path: string;
  readonly body: Uint8Array;
  readonly contentType: string;
}

export interface WebAssets {
  readonly files: readonly WebFile[];
  readonly entries: Readonly<Record<'map' | 'commune' | 'search' | 'styles', string>>;
  readonly sqlExamples: readonly { readonly name: string; readonly sql: string }[];
  /** where they came from, for the stage report */
  readonly origin: 'prebuilt' | 'esbuild';
}

const manifestSchema = z.object({
  entries: z.object({ map: z.string(), commune: z.string(), search: z.string(), styles: z.string() }),
  files: z.array(z.object({ path: z.string().regex(/^assets\/[\w.-]+$/), contentType: z.string() })),
  sqlExamples: z.array(z.object({ name: z.string(), sql: z.string() })),
});

export const WEB_ASSETS_ENV = 'OBSERVATORY_WEB_ASSETS';

function prebuiltDir(): string | undefined {
  const configured = optionalEnv(WEB_ASSETS_ENV, z.string().min(1), '');
  if (configured) return configured;
  const lambdaRoot = process.env.LAMBDA_TASK_ROOT;
  if (lambdaRoot && existsSync(path.join(lambdaRoot, 'web-assets', 'manifest.json'))) return path.join(lambdaRoot, 'web-assets');
  return undefined;
}

async function readPrebuilt(dir: string): Promise<WebAssets> {
  const file = path.join(dir, 'manifest.json');
  let manifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (e) {
    throw new Error(`web assets: ${file} is not a manifest written by web/build.ts (${(e as Error).message.split('\n')[0]}); rebuild with: npx tsx web/build.ts ${dir}`, { cause: e });
  }
  const files = await Promise.all(manifest.files.map(async (f) => ({ ...f, body: await readFile(path.join(dir, ...f.path.split('/'))) })));
  return { files, entries: manifest.entries, sqlExamples: manifest.sqlExamples, origin: 'prebuilt' };
}

/** the repository's web/ folder, found from this module's location (undefined inside a bundle) */
function webSourceDir(): string | undefined {
  const url = (import.meta as { url?: string }).url;
  if (typeof url !== 'string') return undefined;
  const dir = path.resolve(path.dirname(fileURLToPath(url)), '..', '..', '..', 'web');
  return existsSync(path.join(dir, 'build.ts')) ? dir : undefined;
}

let cached: Promise<WebAssets> | undefined;

/** the assets of this process (built once: the sources do not change while it runs) */
export function webAssets(): Promise<WebAssets> {
  cached ??= load().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

async function load(): Promise<WebAssets> {
  const prebuilt = prebuiltDir();
  if (prebuilt) return readPrebuilt(prebuilt);
  const web = webSourceDir();
  if (!web) {
    throw new Error(
      `web assets: no prebuilt copy (set ${WEB_ASSETS_ENV} to a folder written by "npx tsx web/build.ts <dir>") and no web/ sources next to this code`,
    );
  }
  // a variable specifier: bundlers leave this import alone, so esbuild is never packed into a Lambda
  const builder = pathToFileURL(path.join(web, 'build.ts')).href;
  const { buildWeb } = (await import(builder)) as typeof import('../../../web/build.ts');
  const built = await buildWeb();
  return { files: built.files, entries: built.entries, sqlExamples: built.sqlExamples, origin: 'esbuild' };
}
