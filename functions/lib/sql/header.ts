// The header every shared SQL file (notebooks/sql/*.sql) opens with:
//
//   -- <title>                                   (infra/ uses it as the Athena named query's description)
//   -- Question: <what the query answers>
//   -- Datasets: <dataset>, <dataset>
//   -- <notes: units, conventions, caveats…>
//   SELECT …

export interface SqlHeader {
  readonly title: string;
  readonly question: string;
  readonly datasets: readonly string[];
  readonly notes: string;
}

export class SqlHeaderError extends Error {}

export function parseSqlHeader(sql: string, file: string): SqlHeader {
  const comments: string[] = [];
  for (const line of sql.split('\n')) {
    const m = /^\s*--\s?(.*)$/.exec(line);
    if (!m) break;
    comments.push(m[1]!.trim());
  }
  const field = (name: string) => comments.find((c) => c.toLowerCase().startsWith(name.toLowerCase() + ':'))?.slice(name.length + 1).trim();
  const title = comments[0];
  const question = field('Question');
  const datasets = field('Datasets');
  const missing = [
    (!title || /^(question|datasets):/i.test(title)) && 'a first comment line with the title',
    !question && 'a "-- Question: …" line',
    !datasets && 'a "-- Datasets: a, b" line',
  ].filter(Boolean);
  if (missing.length) throw new SqlHeaderError(`${file}: the header comment needs ${missing.join(', ')}`);
  return {
    title: title!,
    question: question!,
    datasets: datasets!.split(',').map((d) => d.trim()).filter(Boolean),
    notes: comments
      .slice(1)
      .filter((c) => !/^(question|datasets):/i.test(c))
      .join(' ')
      .trim(),
  };
}
