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

/**
 * A Bundle's entry texts, and for each entry whose resource is itself a Bundle, that Bundle's own
 * (null where they could not be found).
 */
export type BundleTexts = { texts: (string | undefined)[]; inner: (BundleTexts | null)[] };

/**
 * bundleEntryTexts for a Bundle and the Bundles inside it, `levels` deep (1: the Bundle's own
 * entries only), found in one pass over the text: reading each nested Bundle's text again would
 * re-scan everything below it at every level, quadratic in the nesting. `bundle` is what
 * JSON.parse made of `text`; it says which entries are Bundles, and how many entries to expect.
 */
export function nestedBundleTexts(text: string, bundle: unknown, levels: number): BundleTexts | null {
  try {
    let result: BundleTexts | null = null;
    let i = skipSpace(text, 0);
    if (text[i] !== '{') return null;
    i = bundleMembers(text, i, parsedEntries(bundle), levels, (found) => (result = found));
    if (skipSpace(text, i) !== text.length) return null;
    return result;
  } catch {
    return null;
  }
}

function parsedEntries(bundle: unknown): unknown[] | null {
  if (typeof bundle !== 'object' || bundle === null) return null;
  const entry = (bundle as { entry?: unknown }).entry;
  return Array.isArray(entry) ? entry : null;
}

function parsedResource(entry: unknown): { resourceType?: unknown } | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const resource = (entry as { resource?: unknown }).resource;
  return typeof resource === 'object' && resource !== null ? resource : undefined;
}

/** Walks a Bundle object from its `{`, handing over its entries' texts; returns the index after `}`. */
function bundleMembers(
  text: string,
  at: number,
  expected: unknown[] | null,
  levels: number,
  onEntries: (found: BundleTexts | null) => void,
): number {
  return members(text, at, (key, start) => {
    // JSON.parse keeps the last of repeated keys; so does this, the last call winning.
    if (key !== 'entry') return undefined;
    if (text[start] !== '[' || expected === null) {
      onEntries(null);
      return undefined;
    }
    const { texts, inner, end } = entries(text, start, expected, levels);
    onEntries(texts.length === expected.length ? { texts, inner } : null);
    return end;
  });
}

class Unexpected extends Error {}

function entries(
  text: string,
  at: number,
  expected: unknown[] | null = null,
  levels = 1,
): { texts: (string | undefined)[]; inner: (BundleTexts | null)[]; end: number } {
  const found: (string | undefined)[] = [];
  const inner: (BundleTexts | null)[] = [];
  let i = skipSpace(text, at + 1);
  if (text[i] === ']') return { texts: found, inner, end: i + 1 };
  for (;;) {
    const start = skipSpace(text, i);
    let resource: string | undefined;
    let nested: BundleTexts | null = null;
    if (text[start] === '{') {
      const parsed = parsedResource(expected?.[found.length]);
      const isBundle = levels > 1 && parsed?.resourceType === 'Bundle';
      i = members(text, start, (key, from) => {
        if (key !== 'resource') return undefined;
        nested = null;
        const to =
          isBundle && text[from] === '{'
            ? bundleMembers(text, from, parsedEntries(parsed), levels - 1, (texts) => (nested = texts))
            : skipValue(text, from);
        resource = text[from] === '{' ? text.slice(from, to) : undefined;
        return to;
      });
    } else {
      i = skipValue(text, start);
    }
    found.push(resource);
    inner.push(nested);
    i = skipSpace(text, i);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === ']') return { texts: found, inner, end: i + 1 };
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
