import { format } from 'node:util';
import { afterAll, afterEach } from 'vitest';

// Stray console output fails the test that printed it (STYLE.md): code logs through the Logger port
// (tests pass silentLogger or a recording one), and a test that means to check a message spies on the
// console (vi.spyOn(console, 'warn')), which takes the place of this recorder while it is active.
// Output of a hook or of module loading fails the file at its end.

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table'] as const;
let stray: string[] = [];

for (const method of METHODS) {
  console[method] = (...args: unknown[]) => {
    stray.push(`console.${method}: ${format(...args).slice(0, 500)}`);
  };
}

function failOnStray(): void {
  if (!stray.length) return;
  const printed = stray;
  stray = [];
  throw new Error(
    `stray console output (${printed.length} call${printed.length > 1 ? 's' : ''}); log through ctx.logger (silentLogger in tests) or spy on the console to check it:\n  ${printed.join('\n  ')}`,
  );
}

afterEach(failOnStray);
afterAll(failOnStray);
