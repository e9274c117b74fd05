// A small SQL tokenizer: enough to rewrite SQL without touching string literals, quoted identifiers
// or comments. Joining the tokens' text gives back the input exactly.

export type TokenKind = 'space' | 'comment' | 'string' | 'quoted' | 'word' | 'number' | 'symbol';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

const PATTERNS: readonly [TokenKind, RegExp][] = [
  ['space', /\s+/y],
  ['comment', /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/y],
  ['string', /'(?:[^']|'')*'?/y],
  ['quoted', /"(?:[^"]|"")*"?/y],
  ['number', /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y],
  ['word', /[\p{L}_][\p{L}\p{N}_$]*/uy],
  ['symbol', /::|->>|->|<=|>=|<>|!=|\|\||\/\/|[^\s]/y],
];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < sql.length) {
    for (const [kind, re] of PATTERNS) {
      re.lastIndex = at;
      const m = re.exec(sql);
      if (m && m[0].length > 0) {
        tokens.push({ kind, text: m[0] });
        at += m[0].length;
        break;
      }
    }
  }
  return tokens;
}

export const text = (tokens: readonly Token[]): string => tokens.map((t) => t.text).join('');

export const isSignificant = (t: Token | undefined): t is Token => t !== undefined && t.kind !== 'space' && t.kind !== 'comment';

export function isWord(t: Token | undefined, ...words: string[]): boolean {
  return t?.kind === 'word' && (words.length === 0 || words.includes(t.text.toLowerCase()));
}

export const isSymbol = (t: Token | undefined, symbol: string): boolean => t?.kind === 'symbol' && t.text === symbol;

/** index of the next significant token after i, or tokens.length */
export function next(tokens: readonly Token[], i: number): number {
  let j = i + 1;
  while (j < tokens.length && !isSignificant(tokens[j])) j++;
  return j;
}

/** index of the previous significant token before i, or -1 */
export function previous(tokens: readonly Token[], i: number): number {
  let j = i - 1;
  while (j >= 0 && !isSignificant(tokens[j])) j--;
  return j;
}

const PAIRS: Record<string, string> = { '(': ')', '[': ']' };

/** index of the bracket closing the one at i, or -1 */
export function closing(tokens: readonly Token[], i: number): number {
  const open = tokens[i]!.text;
  const close = PAIRS[open]!;
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    if (isSymbol(tokens[j], open)) depth++;
    else if (isSymbol(tokens[j], close) && --depth === 0) return j;
  }
  return -1;
}

/** index of the bracket opening the one at i, or -1 */
export function opening(tokens: readonly Token[], i: number): number {
  const close = tokens[i]!.text;
  const open = close === ')' ? '(' : '[';
  let depth = 0;
  for (let j = i; j >= 0; j--) {
    if (isSymbol(tokens[j], close)) depth++;
    else if (isSymbol(tokens[j], open) && --depth === 0) return j;
  }
  return -1;
}

/** the arguments of the call whose '(' is at `open` and ')' at `close`, split on top-level commas */
export function splitArguments(tokens: readonly Token[], open: number, close: number): Token[][] {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let j = open + 1; j < close; j++) {
    const t = tokens[j]!;
    if (isSymbol(t, '(') || isSymbol(t, '[')) depth++;
    if (isSymbol(t, ')') || isSymbol(t, ']')) depth--;
    if (depth === 0 && isSymbol(t, ',')) args.push([]);
    else args[args.length - 1]!.push(t);
  }
  return args.length === 1 && text(args[0]!).trim() === '' ? [] : args;
}

/** 1-based line and column of a token index, for messages */
export function position(tokens: readonly Token[], i: number): { line: number; column: number } {
  const before = text(tokens.slice(0, i));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/** a string literal's content */
export const unquote = (literal: string): string => literal.slice(1, -1).replaceAll("''", "'");
export const quote = (content: string): string => `'${content.replaceAll("'", "''")}'`;
