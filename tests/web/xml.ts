// A strict little XML well-formedness check for the feeds (no XML parser in the dependencies; the
// browser test parses them with DOMParser too): one root, balanced tags, quoted attributes, only the
// five predefined entities and numeric references.

export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  if (body.length === xml.length && xml.startsWith('<?xml')) problems.push('malformed XML declaration');
  const stack: string[] = [];
  let roots = 0;
  const token = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\/([A-Za-z_][\w.:-]*)\s*>|<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = token.exec(body))) {
    const between = body.slice(last, m.index);
    if (stack.length === 0 && between.trim()) problems.push(`text outside the root element: ${JSON.stringify(between.trim().slice(0, 40))}`);
    last = token.lastIndex;
    const [all, close, open, attrs, selfClosing] = m;
    if (all === '<') problems.push(`stray < at ${m.index}`);
    else if (all.startsWith('&')) problems.push(`unescaped & at ${m.index}`);
    else if (close) {
      const top = stack.pop();
      if (top !== close) problems.push(`</${close}> closes <${top ?? 'nothing'}>`);
    } else if (open) {
      const names = [...(attrs ?? '').matchAll(/([A-Za-z_][\w.:-]*)\s*=/g)].map((a) => a[1]);
      if (new Set(names).size !== names.length) problems.push(`<${open}> repeats an attribute`);
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(open);
    }
  }
  if (body.slice(last).trim()) problems.push('text after the root element');
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

/** the text of every <tag>…</tag> (no nesting), unescaped */
export function xmlTexts(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) =>
    m[1]!.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&'),
  );
}
