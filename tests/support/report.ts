// What a test prints on purpose (a seed to replay it, a measured figure), on stderr. The console is
// kept for stray output, which fails the test (no-stray-console.ts).
export function report(line: string): void {
  process.stderr.write(`${line}\n`);
}
