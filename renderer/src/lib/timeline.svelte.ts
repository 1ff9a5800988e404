import type { Category, ConnectionSummary } from '../../../shared/domain.js';
import type { ResponseOf } from '../../../shared/ipc/contract.js';
import { api, messageOf } from './api.js';
import { groupByMonthAndDay, type FoundEntry, type TimelineRow } from './timeline-rows.js';

export type { FoundEntry, TimelineRow } from './timeline-rows.js';

export type TimelineCounts = ResponseOf<'timeline.counts'>;

const PAGE = 200;
// Search answers as the person types. The pause only skips keystrokes typed in a burst (fast
// typists leave 50-100 ms between keys); the core answers in a few ms and stale answers are dropped.
const TYPING_PAUSE_MS = 50;
const SEARCH_LIMIT = 500;

/**
 * One person's timeline as the window shows it: the filters the person chose, the records loaded
 * so far (page by page, by keyset, so a 100k-record vault opens as fast as a small one) and the
 * per-category counts under the same filters. Every change of filters starts a new generation;
 * an answer from an older generation is dropped, so a slow answer never overwrites a newer one.
 */
export class Timeline {
  readonly personId: number;
  #entries = $state.raw<FoundEntry[]>([]);
  #cursor: string | null = null;
  #complete = $state(false);
  #loading = $state(false);
  #problem = $state<string | null>(null);
  #counts = $state.raw<TimelineCounts | null>(null);
  #generation = 0;
  #typing: ReturnType<typeof setTimeout> | undefined;

  categories = $state.raw<Category[]>([]);
  connectionIds = $state.raw<number[]>([]);
  from = $state('');
  to = $state('');
  query = $state('');
  /** Only what arrived since the person last looked (the rows marked "New"). */
  newOnly = $state(false);
  /** Whether records the person hid are shown (marked as hidden) too. */
  showHidden = $state(false);
  /** The words the shown results were found with (the query lags behind typing). */
  #searchedFor = $state('');

  #sources = $state.raw<ConnectionSummary[]>([]);

  // Grown page by page rather than derived from all entries: regrouping 100k records on each page
  // would cost more than the page itself.
  #rows = $state.raw<TimelineRow[]>([]);

  constructor(personId: number) {
    this.personId = personId;
  }

  /** The hospitals, clinics and imports this person's records came from. */
  get sources(): ConnectionSummary[] {
    return this.#sources;
  }

  /** The sources and the first page, together: what the timeline needs to show anything. */
  async open(): Promise<void> {
    const sources = api
      .call('connections.list', { personId: this.personId })
      .then((list) => (this.#sources = list))
      .catch(() => undefined);
    await Promise.all([this.reload(), sources]);
  }

  get rows(): TimelineRow[] {
    return this.#rows;
  }
  get entries(): FoundEntry[] {
    return this.#entries;
  }
  get complete(): boolean {
    return this.#complete;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get problem(): string | null {
    return this.#problem;
  }
  get counts(): TimelineCounts | null {
    return this.#counts;
  }
  get searching(): boolean {
    return this.#searchedFor !== '';
  }
  get filtered(): boolean {
    return (
      this.categories.length > 0 ||
      this.connectionIds.length > 0 ||
      this.from !== '' ||
      this.to !== '' ||
      this.newOnly ||
      this.query.trim() !== ''
    );
  }

  toggleCategory(category: Category): void {
    this.categories = this.categories.includes(category)
      ? this.categories.filter((c) => c !== category)
      : [...this.categories, category];
    void this.reload();
  }

  showAllCategories(): void {
    this.categories = [];
    void this.reload();
  }

  setSource(connectionId: number | null): void {
    this.connectionIds = connectionId === null ? [] : [connectionId];
    void this.reload();
  }

  setRange(from: string, to: string): void {
    this.from = from;
    this.to = to;
    void this.reload();
  }

  setNewOnly(newOnly: boolean): void {
    this.newOnly = newOnly;
    void this.reload();
  }

  setQuery(query: string): void {
    this.query = query;
    clearTimeout(this.#typing);
    this.#typing = setTimeout(() => void this.reload(), TYPING_PAUSE_MS);
  }

  setShowHidden(show: boolean): void {
    this.showHidden = show;
    void this.reload();
  }

  clearFilters(): void {
    clearTimeout(this.#typing);
    this.categories = [];
    this.connectionIds = [];
    this.from = '';
    this.to = '';
    this.newOnly = false;
    this.query = '';
    void this.reload();
  }

  dispose(): void {
    clearTimeout(this.#typing);
    this.#generation++;
  }

  #filters() {
    return {
      personId: this.personId,
      ...(this.connectionIds.length > 0 ? { connectionIds: this.connectionIds } : {}),
      ...(this.from ? { from: this.from } : {}),
      ...(this.to ? { to: this.to } : {}),
      ...(this.newOnly ? { newOnly: true } : {}),
      ...(this.showHidden ? { showHidden: true } : {}),
    };
  }

  /** Starts over from the newest record under the current filters. */
  async reload(): Promise<void> {
    clearTimeout(this.#typing);
    const generation = ++this.#generation;
    const query = this.query.trim();
    this.#cursor = null;
    this.#complete = false;
    this.#problem = null;
    this.#loading = true;
    const filters = this.#filters();
    // No categories chosen: the core's default, every kind but claims and care team.
    const categories = this.categories.length > 0 ? { categories: this.categories } : {};
    try {
      let entries: FoundEntry[];
      let cursor: string | null = null;
      if (query) {
        const found = await api.call('timeline.find', {
          ...filters,
          query,
          ...categories,
          limit: SEARCH_LIMIT,
        });
        entries = found.entries;
      } else {
        const page = await api.call('timeline.page', { ...filters, ...categories, limit: PAGE });
        entries = page.entries;
        cursor = page.nextCursor;
      }
      if (generation !== this.#generation) return;
      this.#entries = entries;
      this.#rows = groupByMonthAndDay(entries);
      this.#cursor = cursor;
      this.#complete = cursor === null;
      this.#searchedFor = query;
      // Asked only once the records are here: the core answers one request at a time, and the
      // first screen of records matters more than the numbers on the chips.
      const counts = await api.call('timeline.counts', { ...filters, ...(query ? { query } : {}) });
      if (generation === this.#generation) this.#counts = counts;
    } catch (failure) {
      if (generation === this.#generation) this.#problem = messageOf(failure);
    } finally {
      if (generation === this.#generation) this.#loading = false;
    }
  }

  /** The next page, when the person scrolls near the end of what is loaded. */
  async loadMore(): Promise<void> {
    if (this.#loading || this.#complete || !this.#cursor) return;
    const generation = this.#generation;
    this.#loading = true;
    const categories = this.categories.length > 0 ? { categories: this.categories } : {};
    try {
      const page = await api.call('timeline.page', {
        ...this.#filters(),
        ...categories,
        limit: PAGE,
        cursor: this.#cursor,
      });
      if (generation !== this.#generation) return;
      const previous = this.#entries.at(-1);
      this.#entries = [...this.#entries, ...page.entries];
      this.#rows = [...this.#rows, ...groupByMonthAndDay(page.entries, previous)];
      this.#cursor = page.nextCursor;
      this.#complete = page.nextCursor === null;
    } catch (failure) {
      if (generation === this.#generation) this.#problem = messageOf(failure);
    } finally {
      if (generation === this.#generation) this.#loading = false;
    }
  }
}
