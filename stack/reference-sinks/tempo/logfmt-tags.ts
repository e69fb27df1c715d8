/** One `key=value` pair of the `tags=` search parameter. */
export interface TagCondition {
  key: string;
  value: string;
}

/**
 * Parses logfmt as Tempo's `tags=` parameter takes it: `service.name=checkout http.status_code=500
 * msg="two words"`. Throws `Error` with the reason for anything else (a key without `=`, an open quote).
 */
export function parseLogfmtTags(text: string): TagCondition[] {
  const tags: TagCondition[] = [];
  let i = 0;
  for (let guard = 0; guard <= text.length; guard += 1) {
    while (i < text.length && text[i] === " ") i += 1;
    if (i >= text.length) return tags;
    const keyStart = i;
    while (i < text.length && text[i] !== "=" && text[i] !== " " && text[i] !== '"') i += 1;
    const key = text.slice(keyStart, i);
    if (key === "" || text[i] !== "=") throw new Error(`logfmt syntax error at pos ${i + 1}: expected key=value, saw ${JSON.stringify(text.slice(keyStart))}`);
    i += 1;
    if (text[i] === '"') {
      const end = closingQuote(text, i);
      if (end < 0) throw new Error(`logfmt syntax error at pos ${text.length + 1}: unterminated quoted value`);
      tags.push({ key, value: JSON.parse(text.slice(i, end + 1)) as string });
      i = end + 1;
    } else {
      const valueStart = i;
      while (i < text.length && text[i] !== " ") i += 1;
      tags.push({ key, value: text.slice(valueStart, i) });
    }
  }
  return tags;
}

function closingQuote(text: string, open: number): number {
  for (let n = open + 1; n < text.length; n += 1) {
    if (text[n] === "\\") n += 1;
    else if (text[n] === '"') return n;
  }
  return -1;
}
