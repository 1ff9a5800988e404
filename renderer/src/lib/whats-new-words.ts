import { categoryNouns, type Category } from '../../../shared/vocabulary.js';
import { formatCount } from './words.js';

const counted = (n: number, [one, many]: [string, string]) => `${formatCount(n)} ${n === 1 ? one : many}`;

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * When the person last looked, as they would say it: "today", "on Nov 20", "on Nov 20, 2025".
 * In their own time zone: it is a moment of their day, not a record's date.
 */
export function lookedWords(since: string, now = new Date()): string {
  const then = new Date(since);
  if (then.toDateString() === now.toDateString()) return 'earlier today';
  const options: Intl.DateTimeFormatOptions = { month: 'short', day: 'numeric' };
  if (then.getFullYear() !== now.getFullYear()) options.year = 'numeric';
  return `on ${new Intl.DateTimeFormat(undefined, options).format(then)}`;
}

/** "12 new records since you last looked on Nov 20" */
export function newSinceWords(total: number, since: string, now = new Date()): string {
  return `${counted(total, ['new record', 'new records'])} since you last looked ${lookedWords(since, now)}`;
}

/**
 * "8 lab results, 3 visits and 1 document, from Example Hospital": the three largest kinds, the
 * rest as "other records", and where they came from.
 */
export function newKindsWords(byCategory: Partial<Record<Category, number>>, sources: string[]): string {
  const kinds = (Object.entries(byCategory) as [Category, number][])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = kinds.slice(0, 3).map(([category, n]) => counted(n, categoryNouns[category]));
  const rest = kinds.slice(3).reduce((sum, [, n]) => sum + n, 0);
  if (rest > 0) shown.push(counted(rest, ['other record', 'other records']));
  const named = sources.slice(0, 2);
  if (sources.length > 2) named.push(counted(sources.length - 2, ['other source', 'other sources']));
  return named.length > 0 ? `${list(shown)}, from ${list(named)}` : list(shown);
}
