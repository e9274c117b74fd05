import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FunctionArtifact } from '../../infra/artifacts.ts';

// Runs a function BUNDLE (the index.js cdk synth produced, not the TypeScript) the way Lambda does: a
// fresh Node process, the handler required from the bundle folder, the layers' nodejs/node_modules on
// NODE_PATH (Lambda puts /opt/nodejs/node_modules there), the function's synthesized environment, and
// one event.

export interface Invocation {
  readonly status: number | null;
  readonly result: unknown;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

const RUNNER = `
const fs = require('node:fs');
const [file, exportName] = process.env.INVOKE_HANDLER.split('#');
const handler = require(file)[exportName];
Promise.resolve(handler(JSON.parse(process.env.INVOKE_EVENT), { functionName: 'local', awsRequestId: 'local-request' }))
  .then((out) => fs.writeFileSync(process.env.INVOKE_RESULT, JSON.stringify(out === undefined ? null : out)))
  .catch((e) => { console.error(e && e.stack || e); process.exit(1); });
`;

/** asynchronous, so that servers of the calling process (fake sources) keep answering meanwhile */
export async function invokeBundle(fn: FunctionArtifact, event: unknown, env: Record<string, string>): Promise<Invocation> {
  const [module, exportName] = fn.handler.split('.');
  const resultDir = mkdtempSync(path.join(os.tmpdir(), 'observatory-invoke-'));
  const resultFile = path.join(resultDir, 'result.json');
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', RUNNER], {
    cwd: fn.dir,
    timeout: 180_000,
    env: {
      PATH: process.env.PATH,
      TZ: 'UTC',
      AWS_REGION: 'eu-west-3',
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      // Lambda's /var/task: where a function finds the files shipped next to its bundle
      LAMBDA_TASK_ROOT: fn.dir,
      ...fn.environment,
      NODE_PATH: fn.layers.map((l) => path.join(l, 'nodejs', 'node_modules')).join(path.delimiter),
      INVOKE_HANDLER: `${path.join(fn.dir, `${module}.js`)}#${exportName}`,
      INVOKE_EVENT: JSON.stringify(event),
      INVOKE_RESULT: resultFile,
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const ms = performance.now() - started;
  let result: unknown;
  try {
    result = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    result = undefined;
  }
  rmSync(resultDir, { recursive: true, force: true });
  return { status, result, stdout, stderr, ms };
}
