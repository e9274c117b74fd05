// Thread entry of a shard reader (see shard-readers.ts): registers the TypeScript loader, then runs
// the worker in TypeScript, as bin/observatory.cjs does for the CLI.
import { register } from 'tsx/esm/api';

register();
const reader = await import('./shard-reader.ts');
export default reader.default;
