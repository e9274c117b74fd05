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
    [{ functions: { overrides: { 'ingest-push': { reservedConcurrency: 20 } } } }, 'functions.accountConcurrency: is needed when functions reserve concurrency (20 in all)'],
    [{ functions: { defaults: { reservedConcurrency: 1 }, accountConcurrency: 100 } }, 'functions.accountConcurrency: 100 leaves'],
    [{ ingest: { pushNetworks: [{ id: 'a-net', sensors: 0, pushIntervalMinutes: 15 }] } }, 'ingest.pushNetworks.0.sensors'],
    [{ ingest: { pushNetworks: [{ id: 'a-net', sensors: 10, pushIntervalMinutes: 15, rateLimit: 5 }] } }, 'ingest.pushNetworks.0: Unrecognized key'],
    [{ storage: { rawInfrequentAccessAfterDays: 10 } }, 'storage.rawInfrequentAccessAfterDays: S3 moves objects to STANDARD_IA after 30 days'],
    [{ storage: { rawArchiveAfterDays: 40 } }, 'storage.rawArchiveAfterDays: must be at least 30 days after rawInfrequentAccessAfterDays (30)'],
    [{ athena: { bytesScannedCutoffPerQuery: 1000 } }, 'athena.bytesScannedCutoffPerQuery: Athena refuses a cutoff below 10 MB'],
    [{ ingest: { pushNetworks: [] } }, 'ingest.pushNetworks: at least one sensor network'],
    [{ ingest: { pushNetworks: [{ id: 'a-net', sensors: 1, pushIntervalMinutes: 15 }, { id: 'a-net', sensors: 2, pushIntervalMinutes: 15 }] } }, 'network "a-net" is declared twice'],
    [{ site: { domainName: 'bruit.example.org' } }, 'site: domainName and certificateArn go together'],
    [{ functions: { overrides: { communes: { memoryMb: 64 } } } }, 'functions.overrides.communes.memoryMb'],
    [{ pipeline: { schedule: 'every hour' } }, 'pipeline.schedule: expected an EventBridge Scheduler expression'],
    [{ functions: { overrides: { 'noise-indicator': { memoryMb: 2048 } } } }, 'functions.overrides.noise-indicator: no function is called "noise-indicator"'],
    [{ storage: { rawArchiveDays: 90 } }, 'storage: Unrecognized key'],
  ])('refuses %j with a message naming the field', (override, message) => {
    expect(() => loadConfig('dev', override)).toThrow(ConfigError);
    expect(() => loadConfig('dev', override)).toThrow(message);
  });

  it('reserves no concurrency by default (a new account may have a quota of 10), and checks a reservation against the account quota', () => {
    for (const envName of ['dev', 'prod']) {
      const c = loadConfig(envName);
      for (const name of ['ingest-push', 'ingest-file', 'noise-indicators', 'publish-site']) expect(functionSettingsOf(c, name).reservedConcurrency, `${envName} ${name}`).toBeUndefined();
    }
    // 1 000 executions, 24 reserved: 976 left, above the 100 Lambda keeps unreserved
    const c = loadConfig('prod', { functions: { overrides: { 'ingest-push': { reservedConcurrency: 20 }, 'ingest-file': { reservedConcurrency: 4 } }, accountConcurrency: 1000 } });
    expect(functionSettingsOf(c, 'ingest-push').reservedConcurrency).toBe(20);
    expect(() => loadConfig('prod', { functions: { overrides: { 'ingest-push': { reservedConcurrency: 20 } }, accountConcurrency: 110 } })).toThrow('110 leaves 90 unreserved after the 20 reserved executions; Lambda keeps at least 100');
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
