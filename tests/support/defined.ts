/** the value, or a failure naming what was expected (where a test would otherwise assert it non-null) */
export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}, found ${String(value)}`);
  return value;
}
