import type { TimelineEntry } from '../../../shared/domain.js';
import { dayWords, monthWords } from './dates.js';
import { HIGHLIGHT_END, HIGHLIGHT_START } from '../../../shared/vocabulary.js';

/** A timeline record, with the matched text when it was found by a search. */
export type FoundEntry = TimelineEntry & { highlight?: string };

/** One line of the virtual list: a month heading, or a record with its day shown on the first of the day. */
export type TimelineRow =
  | { kind: 'month'; key: string; label: string }
  | { kind: 'entry'; key: string; entry: FoundEntry; day: string | null };

/**
 * Month headings between records, and each day's date on its first record only. `previous` is
 * the last record already shown, so a next page continues its month and day.
 */
export function groupByMonthAndDay(entries: readonly FoundEntry[], previous?: FoundEntry): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let month: string | null = previous ? (previous.date?.slice(0, 7) ?? 'undated') : null;
  let day: string | null = previous ? (previous.date?.slice(0, 10) ?? 'undated') : null;
  for (const entry of entries) {
    const thisMonth = entry.date ? entry.date.slice(0, 7) : 'undated';
    const thisDay = entry.date ? entry.date.slice(0, 10) : 'undated';
    if (thisMonth !== month) {
      month = thisMonth;
      day = null;
      rows.push({
        kind: 'month',
        key: `m${thisMonth}-${entry.id}`,
        label: entry.date ? monthWords(entry.date) : 'No date',
      });
    }
    rows.push({
      kind: 'entry',
      key: `e${entry.id}`,
      entry,
      day: thisDay !== day && entry.date ? dayWords(entry.date) : null,
    });
    day = thisDay;
  }
  return rows;
}

/**
 * "from 2 sources" for a record that several hospitals or files sent (a group of likely
 * duplicates shown once), or null for a record only one source sent.
 */
export function sourcesWords(entry: Pick<TimelineEntry, 'sources'>): string | null {
  return entry.sources > 1 ? `from ${entry.sources} sources` : null;
}

/**
 * "New" for a record that arrived in the vault since the person last looked (the banner above
 * counts them), or null.
 */
export function newWords(entry: Pick<TimelineEntry, 'isNew'>): string | null {
  return entry.isNew ? 'New' : null;
}

/**
 * What the person said about the record themselves, as its row shows it ("Marked wrong, your
 * note"), or null when they said nothing.
 */
export function marksWords(entry: Pick<TimelineEntry, 'marks'>): string | null {
  const marks = entry.marks;
  if (!marks) return null;
  const words = [
    marks.wrong ? 'Marked wrong' : null,
    marks.note ? 'Your note' : null,
    marks.hidden ? 'Hidden' : null,
  ].filter((w): w is string => w !== null);
  if (words.length === 0) return null;
  return words.map((w, i) => (i === 0 ? w : w.toLowerCase())).join(', ');
}

/** Splits search highlight text into plain and matched parts, so matches render as <mark>, never as HTML. */
export function highlightParts(text: string): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = [];
  let match = false;
  let piece = '';
  for (const ch of text) {
    if (ch === HIGHLIGHT_START || ch === HIGHLIGHT_END) {
      if (piece) parts.push({ text: piece, match });
      piece = '';
      match = ch === HIGHLIGHT_START;
    } else piece += ch;
  }
  if (piece) parts.push({ text: piece, match });
  return parts;
}
