import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { memoryLogger } from '../../functions/lib/ports/logger.ts';
import { KillAfterWrites, NOW, openStore, runOperation, type Operation, type StoreLocation } from './crash-operations.ts';

// The child process of the crash test: runs one operation on a lake through a store that SIGKILLs
// this process after its k-th completed write. Exits normally (printing the writes made) only when the
// operation makes fewer than k writes.
// usage: node --import tsx tests/support/crash-child.ts '{"store": {...}, "operation": "compact", "killAfter": 3}'

const { store: at, operation, killAfter } = JSON.parse(process.argv[2] ?? '{}') as { store: StoreLocation; operation: Operation; killAfter: number };
const store = new KillAfterWrites(await openStore(at), killAfter);
const duck = await Duck.open({ threads: 1 });
await runOperation({ store, lake: new DuckLake(duck, store), logger: memoryLogger(), now: () => NOW }, operation);
await duck.close();
process.stdout.write(JSON.stringify({ writes: store.writes }));
