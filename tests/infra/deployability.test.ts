import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/catalog.ts';
import { resourcesOf, synthObservatory } from './support.ts';

// Redeploying after `cdk destroy`: the resources retained under fixed names (the Glue database, the
// source API key's secret) are adopted with `-c adopt=true` instead of being created again (which
// CloudFormation refuses: the name exists).

describe('adopting retained resources', () => {
  it('with adoptRetained creates no secret and no database, and still knows the secret by its name', () => {
    // (that the secret is created, retained, by default: pipeline.test.ts)
    const adopted = synthObservatory('prod', { adoptRetained: true });
    expect(resourcesOf(adopted.templates.pipeline, 'AWS::SecretsManager::Secret')).toEqual({});
    expect(resourcesOf(adopted.templates.catalog, 'AWS::Glue::Database')).toEqual({});
    expect(adopted.stacks.pipeline.sourceKey.secretName).toBe('observatory/prod/sources/meteo-france-api-key');
  }, 180_000);

  it('reads -c adopt=…, refusing anything but true or false before any stack is built', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'observatory-adopt-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify({ env: 'dev', adopt: 'yes please' }) },
      timeout: 60_000,
    });
    rmSync(out, { recursive: true, force: true });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('-c adopt=… must be true or false, found "yes please"');
  });
});
