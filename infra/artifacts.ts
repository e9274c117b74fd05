import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FUNCTION_METADATA } from './constructs/observatory-function.ts';

// The deployable artifacts of a synthesized cloud assembly (cdk.out): each function's bundle folder
// and the layer folders it runs with, read from the template's asset metadata — the exact files
// `cdk deploy` would zip and upload.

export interface FunctionArtifact {
  /** functions/handlers/<name> */
  readonly name: string;
  readonly logicalId: string;
  /** the bundle folder: index.js (+ index.js.map) */
  readonly dir: string;
  readonly handler: string;
  /** the folders of its layers (each holds nodejs/node_modules) */
  readonly layers: string[];
  /** its environment as synthesized; tokens (bucket names, key ids) are left out */
  readonly environment: Record<string, string>;
}

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export function functionArtifacts(assemblyDir: string, templateFile: string): FunctionArtifact[] {
  const template = JSON.parse(readFileSync(path.join(assemblyDir, templateFile), 'utf8')) as { Resources: Record<string, Resource> };
  const assetDir = (r: Resource, id: string) => {
    const p = r.Metadata?.['aws:asset:path'];
    if (typeof p !== 'string') throw new Error(`${templateFile}: ${id} has no aws:asset:path metadata (synthesized without asset metadata?)`);
    return path.resolve(assemblyDir, p);
  };
  const out: FunctionArtifact[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function' || typeof r.Metadata?.[FUNCTION_METADATA] !== 'string') continue;
    const layers = ((r.Properties?.Layers as { Ref?: string }[] | undefined) ?? []).map((l) => {
      const layer = l.Ref ? template.Resources[l.Ref] : undefined;
      if (!layer) throw new Error(`${templateFile}: ${id} uses a layer that is not in the template`);
      return assetDir(layer, l.Ref!);
    });
    const variables = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    out.push({
      name: r.Metadata[FUNCTION_METADATA],
      logicalId: id,
      dir: assetDir(r, id),
      handler: String(r.Properties?.Handler),
      layers,
      environment: Object.fromEntries(Object.entries(variables).filter((e): e is [string, string] => typeof e[1] === 'string')),
    });
  }
  return out;
}

/** total size of the files of a folder, in bytes */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return total;
}
