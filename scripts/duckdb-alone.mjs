// DuckDB by itself, as a whole process, for `npm run bench` (entry cli): runs the statements of a file
// (separated by lines holding only `;`) through @duckdb/node-api and prints how many rows the last one
// returned. Plain JavaScript, like a user's own script over the lake: no loader, no project code.
//
//   node scripts/duckdb-alone.mjs statements.sql
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const statements = readFileSync(process.argv[2], 'utf8').split(/\n;\n/).map((s) => s.trim()).filter(Boolean);
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
let rows = 0;
for (const sql of statements) rows = (await connection.runAndReadAll(sql)).getRows().length;
process.stdout.write(`${rows}\n`);
connection.closeSync();
