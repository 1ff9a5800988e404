import { isObject, type Json } from './fhir-values.js';

/**
 * How large a record from outside may be. Every reader after import (the timeline's columns, the
 * detail view, the worker's message to the window, every export) walks records, several of them
 * recursively, and lays their words out; a record beyond these bounds would crash or starve them,
 * so it is refused when it arrives, with words the person can act on.
 *
 * FHIR itself nests shallowly: a Questionnaire's items inside items, extensions inside extensions,
 * contained resources; real records stay well under 30 levels. Ordinary texts (names, codes,
 * notes) stay well under a few thousand characters; only an attachment's base64 `data` and a
 * narrative's xhtml `div` are legitimately large.
 */
export const MAX_NESTING = 100;
export const MAX_TEXT_CHARS = 1_000_000;
/** A narrative's xhtml, which the detail view shows. */
export const MAX_NARRATIVE_CHARS = 4_000_000;
/** An attachment's base64: a 20 MB document (the largest PHR Vault shows) is about 27 million. */
export const MAX_DATA_CHARS = 28_000_000;

const count = (n: number) => n.toLocaleString('en-US');

function textLimit(key: string): number {
  if (key === 'data') return MAX_DATA_CHARS;
  if (key === 'div') return MAX_NARRATIVE_CHARS;
  return MAX_TEXT_CHARS;
}

/**
 * Why a record is beyond the bounds (to follow its name: "line 3 is nested …"), or undefined.
 * Recursive, but never deeper than MAX_NESTING + 1 frames: it stops at the bound.
 */
export function outOfBounds(resource: Json): string | undefined {
  return walk(resource, 1, '');
}

function walk(value: unknown, depth: number, key: string): string | undefined {
  // Called for every value of every record imported: no arrays made, the common case first.
  if (typeof value === 'string') {
    if (value.length <= MAX_TEXT_CHARS) return undefined;
    const limit = textLimit(key);
    return value.length > limit
      ? `has a text of ${count(value.length)} characters${key ? ` in “${key.slice(0, 40)}”` : ''} (the most PHR Vault keeps is ${count(limit)})`
      : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_NESTING) return `is nested more than ${MAX_NESTING} levels deep`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = walk(value[i], depth + 1, key);
      if (problem) return problem;
    }
    return undefined;
  }
  // JSON.parse makes plain objects: for…in sees their own keys only.
  for (const name in value) {
    const problem = walk((value as Json)[name], depth + 1, name);
    if (problem) return problem;
  }
  return undefined;
}

/** Put where a record goes on deeper than MAX_NESTING, when one stored before the bound is read. */
export const CUT_NOTE = `(nested more than ${MAX_NESTING} levels deep: not shown)`;

/**
 * A record as it can be shown and sent to the window: anything deeper than MAX_NESTING is replaced
 * by CUT_NOTE. Vaults filled before import had bounds may hold such records; structured clone and
 * JSON.stringify (the worker's and the host's answers) overflow the stack on them.
 */
export function cutTooDeep(value: unknown, depth = 1): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_NESTING) return CUT_NOTE;
  if (Array.isArray(value)) return value.map((item) => cutTooDeep(item, depth + 1));
  // fromEntries defines each key as its own (a key "__proto__" included), as JSON.parse does.
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, cutTooDeep(item, depth + 1)]));
}

/** Whether cutTooDeep would change anything, without copying (most records are shallow). */
export function isTooDeep(value: unknown, depth = 1): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth > MAX_NESTING) return true;
  const items = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
  return items.some((item) => isTooDeep(item, depth + 1));
}

/** The record as read back from the vault: cut by cutTooDeep only when it goes too deep. */
export function withinNesting(value: unknown): unknown {
  return isTooDeep(value) ? cutTooDeep(value) : value;
}
