import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, functionSettingsOf, loadConfig } from '../../infra/config.ts';
import { REPO_ROOT } from '../../infra/catalog.ts';

describe('configuration per environment (zod, at synth time)', () => {
  it('loads dev and prod', () => {
    expect(loadConfig('dev').envName).toBe('dev');
    expect(loadConfig('prod').envName).toBe('prod');
    expect(loadConfig('prod').retainData).toBe(true);
  });

  it('merges context overrides field by field', () => {
    const c = loadConfig('dev', { monitoring: { alarmEmail: 'ops@example.org' }, storage: { rawArchiveAfterDays: 365 } });
    expect(c.monitoring).toEqual({ alarmEmail: 'ops@example.org', freshnessHours: 6 });
    expect(c.storage.rawArchiveAfterDays).toBe(365);
    expect(c.storage.rawInfrequentAccessAfterDays).toBe(30);
  });

  it('applies per-function overrides on the defaults', () => {
    const c = loadConfig('dev');
    expect(functionSettingsOf(c, 'noise-indicators')).toMatchObject({ memoryMb: 3008, timeoutSeconds: 900 });
    expect(functionSettingsOf(c, 'communes')).toEqual(c.functions.defaults);
  });

  it.each([
    [{ region: 'paris' }, 'region: expected an AWS region'],
    [{ account: '1234' }, 'account: expected a 12-digit AWS account id'],
    [{ dataStartDate: '2024-02-30' }, 'dataStartDate: expected a calendar date'],
    [{ dataStartDate: '2999-01-01' }, 'dataStartDate: is in the future'],
    [{ storage: { rawInfrequentAccessAfterDays: 10 } }, 'storage.rawInfrequentAccessAfterDays: S3 moves objects to STANDARD_IA after 30 days'],
    [{ storage: { rawArchiveAfterDays: 40 } }, 'storage.rawArchiveAfterDays: must be at least 30 days after rawInfrequentAccessAfterDays (30)'],
    [{ athena: { bytesScannedCutoffPerQuery: 1000 } }, 'athena.bytesScannedCutoffPerQuery: Athena refuses a cutoff below 10 MB'],
    [{ ingest: { pushNetworks: [] } }, 'ingest.pushNetworks: at least one sensor network'],
    [{ ingest: { pushNetworks: [{ id: 'a-net', rateLimit: 1, burstLimit: 1, dailyQuota: 1 }, { id: 'a-net', rateLimit: 1, burstLimit: 1, dailyQuota: 1 }] } }, 'network "a-net" is declared twice'],
    [{ site: { domainName: 'bruit.example.org' } }, 'site: domainName and certificateArn go together'],
    [{ functions: { overrides: { communes: { memoryMb: 64 } } } }, 'functions.overrides.communes.memoryMb'],
    [{ pipeline: { schedule: 'every hour' } }, 'pipeline.schedule: expected an EventBridge Scheduler expression'],
    [{ functions: { overrides: { 'noise-indicator': { memoryMb: 2048 } } } }, 'functions.overrides.noise-indicator: no function is called "noise-indicator"'],
    [{ storage: { rawArchiveDays: 90 } }, 'storage: Unrecognized key'],
  ])('refuses %j with a message naming the field', (override, message) => {
    expect(() => loadConfig('dev', override)).toThrow(ConfigError);
    expect(() => loadConfig('dev', override)).toThrow(message);
  });

  it('refuses an unknown environment', () => {
    expect(() => loadConfig('staging')).toThrow('unknown environment "staging": expected one of dev, prod');
  });

  it('fails the app (exit 1) with the message, before any stack is built', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'observatory-badconfig-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify({ env: 'dev', config: '{"storage":{"rawArchiveAfterDays":31}}' }) },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('invalid observatory configuration (infra/config/dev.json + context overrides)');
    expect(run.stderr).toContain('storage.rawArchiveAfterDays');
    rmSync(out, { recursive: true, force: true });
  });
});
