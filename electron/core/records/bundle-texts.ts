/**
 * The text of each `entry[i].resource` inside a Bundle's JSON text, exactly as the server or the
 * file wrote it, so a record is kept as received rather than as JSON.stringify would write it again
 * (key order, spacing, number forms and escapes all stay the sender's).
 *
 * Written by hand: JSON.parse gives values without their positions, and the parsers that report
 * positions (jsonc-parser's visitor, json-source-map) call back or record per token, several times
 * the cost of serialising the resource again. This only walks structure: strings are jumped over with
 * indexOf, and just the Bundle's own members and its entries' members are looked at.
 *
 * It is meant for text that JSON.parse has already accepted; on anything it does not expect, or
 * when it finds another number of entries than the caller parsed, it returns null and the caller
 * serialises instead.
 */
export function bundleEntryTexts(text: string, expectedEntries?: number): (string | undefined)[] | null {
  try {
    let result: (string | undefined)[] | null = null;
    let i = skipSpace(text, 0);
    if (text[i] !== '{') return null;
    i = members(text, i, (key, start) => {
      // JSON.parse keeps the last of repeated keys; so does this.
      if (key !== 'entry') return undefined;
      if (text[start] !== '[') {
        result = null;
        return undefined;
      }
      const { texts, end } = entries(text, start);
      result = texts;
      return end;
    });
    if (skipSpace(text, i) !== text.length) return null;
    // Set inside the callback, which the compiler does not follow.
    const found = result as (string | undefined)[] | null;
    if (expectedEntries !== undefined && found?.length !== expectedEntries) return null;
    return found;
  } catch {
    return null;
  }
}

class Unexpected extends Error {}

function entries(text: string, at: number): { texts: (string | undefined)[]; end: number } {
  const found: (string | undefined)[] = [];
  let i = skipSpace(text, at + 1);
  if (text[i] === ']') return { texts: found, end: i + 1 };
  for (;;) {
    const start = skipSpace(text, i);
    let resource: string | undefined;
    if (text[start] === '{') {
      i = members(text, start, (key, from) => {
        if (key !== 'resource') return undefined;
        const to = skipValue(text, from);
        resource = text[from] === '{' ? text.slice(from, to) : undefined;
        return to;
      });
    } else {
      i = skipValue(text, start);
    }
    found.push(resource);
    i = skipSpace(text, i);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === ']') return { texts: found, end: i + 1 };
    throw new Unexpected();
  }
}

/**
 * Walks an object's members, telling each key and where its value starts; the callback may return
 * where the value ends, having walked it itself, so no value is walked twice. Returns the index after `}`.
 */
function members(
  text: string,
  at: number,
  onMember: (key: string, start: number) => number | undefined,
): number {
  let i = skipSpace(text, at + 1);
  if (text[i] === '}') return i + 1;
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] !== '"') throw new Unexpected();
    const keyEnd = skipString(text, i);
    const rawKey = text.slice(i, keyEnd);
    const key = rawKey.includes('\\') ? (JSON.parse(rawKey) as string) : rawKey.slice(1, -1);
    i = skipSpace(text, keyEnd);
    if (text[i] !== ':') throw new Unexpected();
    const start = skipSpace(text, i + 1);
    const end = onMember(key, start) ?? skipValue(text, start);
    i = skipSpace(text, end);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '}') return i + 1;
    throw new Unexpected();
  }
}

function skipSpace(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** From an opening quote to just after its closing quote. */
function skipString(text: string, at: number): number {
  let i = at;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i < 0) throw new Unexpected();
    // A quote is escaped when an odd number of backslashes stands before it.
    let slashes = 0;
    while (text.charCodeAt(i - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return i + 1;
  }
}

/** From the first character of a value to just after it. */
function skipValue(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return skipString(text, at);
  if (first === '{' || first === '[') {
    let depth = 0;
    let i = at;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) throw new Unexpected();
      if (c === 0x22) {
        i = skipString(text, i);
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
  }
  // A number, true, false or null: up to the next delimiter.
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    if (Number.isNaN(c) || c === 0x2c || c === 0x7d || c === 0x5d || c <= 0x20) {
      if (i === at) throw new Unexpected();
      return i;
    }
    i++;
  }
}
