import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from './config.ts';
import { buildObservatory } from './observatory.ts';

// cdk.json's "app": `npx cdk synth -c env=dev` (or prod); `-c config='{"monitoring":{"alarmEmail":"…"}}'`
// overrides fields of infra/config/<env>.json; `-c adopt=true` is `adoptRetained: true` (redeploying
// after `cdk destroy`: the retained Glue database and secret are used, not created; docs/deploy.md).

function contextOverrides(app: App): Record<string, unknown> {
  const adopt: unknown = app.node.tryGetContext('adopt');
  if (adopt !== undefined && !['true', 'false', true, false].includes(adopt as string)) throw new ConfigError(`-c adopt=… must be true or false, found ${JSON.stringify(adopt)}`);
  const adopting = adopt === undefined ? {} : { adoptRetained: adopt === true || adopt === 'true' };
  return { ...configContext(app), ...adopting };
}

function configContext(app: App): Record<string, unknown> {
  const raw: unknown = app.node.tryGetContext('config');
  if (raw === undefined) return {};
  if (typeof raw === 'object' && raw !== null) return raw as Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(typeof raw === 'string' ? raw : JSON.stringify(raw));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`-c config=… must be a JSON object of configuration fields: ${(e as Error).message}`);
  }
}

const app = new App();
try {
  const config = loadConfig(String(app.node.tryGetContext('env') ?? 'dev'), contextOverrides(app));
  buildObservatory(app, config);
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(1);
}
app.synth();
