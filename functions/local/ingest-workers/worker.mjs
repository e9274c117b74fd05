// Worker-thread entry of the parallel ingest (see pool.ts): registers the TypeScript loader, then runs
// the worker in TypeScript, as bin/observatory.cjs does for the CLI.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./worker.ts');
export default worker.default;
