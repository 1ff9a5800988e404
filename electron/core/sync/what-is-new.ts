import { categoryNouns, type Category } from '../../../shared/vocabulary.js';

/**
 * The sentence a notification shows after a sync: "3 new lab results from Example Hospital".
 * Only counts and the institution's name: a notification can be read over a shoulder or on a
 * lock screen, so it never names a result or a condition.
 */

const count = new Intl.NumberFormat('en');

function phrase(category: string, n: number): string {
  const [one, many] = categoryNouns[category as Category] ?? ['record', 'records'];
  return `${count.format(n)} new ${n === 1 ? one : many}`;
}

export function whatIsNew(newByCategory: Record<string, number>, institution: string): string | null {
  // Who and where (Practitioner, Organization) arrive with records but are not news in themselves.
  const news = Object.entries(newByCategory)
    .filter(([category, n]) => n > 0 && category !== 'administrative' && category !== 'billing')
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (news.length === 0) return null;
  const shown = news.slice(0, 2).map(([category, n]) => phrase(category, n));
  const rest = news.slice(2).reduce((sum, [, n]) => sum + n, 0);
  if (rest > 0) shown.push(`${count.format(rest)} other new ${rest === 1 ? 'record' : 'records'}`);
  const list = shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
  return `${list} from ${institution}`;
}
