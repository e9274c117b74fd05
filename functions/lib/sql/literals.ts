// SQL literals, quoted once here for every engine.

/** a path inside a quoted SQL string */
export function sqlPath(p: string): string {
  return p.replaceAll("'", "''");
}

/** a quoted SQL string literal */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
