import { DEMO_CLIMATE_NOTICE, DEMO_FLOOD, demoBulletins, demoForecastResponses, demoHydrometry, demoStationsReferential, demoWeatherFiles } from '../lib/demo-climate/index.ts';
import { ingestMeteoFranceForecast } from '../lib/stages/ingest-meteofrance-forecast.ts';
import { pollMeteoFranceForecast } from '../lib/stages/poll-meteofrance-forecast.ts';
import { localDayBounds } from '../lib/domain/time/paris.ts';
import type { StageContext } from '../lib/stages/context.ts';
import { pollHubeau, type PollHubeauSummary } from '../lib/stages/poll-hubeau.ts';
import { pollMeteoFrance, type PollMeteoFranceSummary } from '../lib/stages/poll-meteofrance.ts';
import { pollVigicrues } from '../lib/stages/poll-vigicrues.ts';
import { startFakeSources } from './fake-sources.ts';

// Feeds the demo climate data through the real code: the Hub'Eau, Vigicrues and Météo-France pollers
// over HTTP against the local fake sources (on a loopback port chosen by the system) — the Météo-France
// files listed by an imitation of data.gouv.fr and downloaded from it, as on the real service.

export interface ClimateDemoSummary {
  files: number;
  records: number;
  curated: number;
  quarantined: number;
  unreadable: number;
  hubeau: Pick<PollHubeauSummary, 'pages' | 'records' | 'curated' | 'quarantined' | 'duplicates' | 'retries' | 'failed'>;
  vigicrues: { bulletins: number; records: number; curated: number; quarantined: number };
  meteofrance: Pick<PollMeteoFranceSummary, 'records' | 'curated' | 'quarantined' | 'retries' | 'failed'> & { files: number };
}

export async function feedDemoClimate(ctx: StageContext): Promise<ClimateDemoSummary> {
  ctx.logger.info(`demo: climate sources (${DEMO_CLIMATE_NOTICE})`);
  const bulletins = demoBulletins();
  // the weather forecasts: the last issue of each reference station served by the fake service, the earlier ones as saved responses
  const issued = demoForecastResponses();
  const lastIssue = issued.reduce((m, r) => (r.issueDay > m ? r.issueDay : m), '');
  const current = issued.filter((r) => r.issueDay === lastIssue);
  const fake = await startFakeSources({
    hubeau: { observations: demoHydrometry(), stations: demoStationsReferential() },
    vigicrues: { bulletins },
    meteofrance: { files: demoWeatherFiles().map((f) => ({ name: f.name, bytes: f.bytes })) },
    forecast: { points: current.map((r) => ({ ...r.point, body: r.body })) },
    // transient outages, so that the demo log shows the retry path at work
    faults: [
      { target: 'observations', kind: '503', times: 1 },
      { target: 'meteofrance', kind: '503', times: 1 },
    ],
  });
  let hubeau: PollHubeauSummary;
  let weather: PollMeteoFranceSummary;
  const vigicrues = { bulletins: 0, records: 0, curated: 0, quarantined: 0 };
  try {
    hubeau = await pollHubeau(ctx, {
      baseUrl: fake.url,
      since: new Date(localDayBounds(DEMO_FLOOD.start).start),
      pageSize: 2000,
      referential: 'always',
      retry: { baseDelayMs: 10, maxDelayMs: 100, timeoutMs: 10_000 },
      demo: true,
    });
    for (const b of bulletins) {
      fake.setClock(b.at);
      const at = new Date(b.at.getTime() + 5 * 60_000);
      const s = await pollVigicrues({ ...ctx, now: () => at, logger: { ...ctx.logger, info: () => {} } }, { baseUrl: fake.url, demo: true, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
      vigicrues.bulletins++;
      vigicrues.records += s.records;
      vigicrues.curated += s.curated;
      vigicrues.quarantined += s.quarantined;
    }
    // the "previous" file of Paris and the "latest" file of each département, listed by the fake data.gouv.fr
    weather = await pollMeteoFrance(ctx, { baseUrl: fake.url, demo: true, retry: { baseDelayMs: 10, maxDelayMs: 100, timeoutMs: 10_000 } });
    for (const r of issued.filter((x) => x.issueDay !== lastIssue)) {
      const origin = `demo/meteofrance-forecast/station-${r.station}-issued-${r.issueDay}.json`;
      await ingestMeteoFranceForecast(ctx, { bytes: Buffer.from(JSON.stringify(r.body)), origin, station: r.station, demo: true });
    }
    const points = new Map(current.map((r) => [r.station, r.point]));
    const fc = await pollMeteoFranceForecast(ctx, { baseUrl: fake.url, token: 'demo', points, demo: true, retry: { baseDelayMs: 10, maxDelayMs: 100, timeoutMs: 10_000 } });
    ctx.logger.info(`demo: weather forecasts: ${issued.length - current.length} saved responses ingested, ${current.length} polled (${fc.curated} forecast days curated)`);
  } finally {
    await fake.close();
  }
  ctx.logger.info(`demo: vigicrues: ${vigicrues.bulletins} bulletins, ${vigicrues.records} section levels → ${vigicrues.curated} curated + ${vigicrues.quarantined} quarantined`);

  const meteofrance = { files: weather.ingested, records: weather.records, curated: weather.curated, quarantined: weather.quarantined, retries: weather.retries, failed: weather.failed };
  const unreadable = weather.files.reduce((n, f) => n + f.unreadableResponses, 0);

  return {
    files: hubeau.pages + vigicrues.bulletins + meteofrance.files,
    records: hubeau.records + vigicrues.records + meteofrance.records,
    curated: hubeau.curated + vigicrues.curated + meteofrance.curated,
    quarantined: hubeau.quarantined + vigicrues.quarantined + meteofrance.quarantined,
    unreadable,
    hubeau: { pages: hubeau.pages, records: hubeau.records, curated: hubeau.curated, quarantined: hubeau.quarantined, duplicates: hubeau.duplicates, retries: hubeau.retries, failed: hubeau.failed },
    vigicrues,
    meteofrance,
  };
}
