import type { Person, Relationship } from '../../../shared/domain.js';
import type { ResponseOf } from '../../../shared/ipc/contract.js';
import { api } from './api.js';

export type RecordStats = ResponseOf<'records.stats'>;
export type NewPerson = { name: string; birthDate?: string | undefined; relationship: Relationship };
export type PersonDetails = { name: string; birthDate: string | null; relationship: Relationship };
export type PersonRemoval = ResponseOf<'persons.removal'>;

// Per window, not per vault: two windows may look at two people, and nothing outlives the session.
const REMEMBERED_PERSON = 'phr-vault.person';

function rememberedPerson(): number | null {
  const id = Number(sessionStorage.getItem(REMEMBERED_PERSON));
  return Number.isInteger(id) && id > 0 ? id : null;
}

function rememberPerson(id: number): void {
  sessionStorage.setItem(REMEMBERED_PERSON, String(id));
}

/**
 * The people whose records this vault keeps, and the summary of the one being looked at. Made
 * fresh each time the vault opens, so nothing of it outlives a lock.
 */
export class People {
  #list = $state.raw<Person[]>([]);
  #loaded = $state(false);
  #selectedId = $state<number | null>(null);
  #stats = $state.raw<RecordStats | null>(null);
  // Clicking quickly through people starts several requests; only the latest may land.
  #statsRequest = 0;

  #selected = $derived(this.#list.find((p) => p.id === this.#selectedId) ?? this.#list[0] ?? null);

  get list(): Person[] {
    return this.#list;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  get selected(): Person | null {
    return this.#selected;
  }

  /** Counts for the selected person; null while they load. */
  get stats(): RecordStats | null {
    return this.#stats;
  }

  async load(): Promise<void> {
    this.#list = await api.call('persons.list', {});
    this.#loaded = true;
    await this.select(this.#selectedId ?? rememberedPerson());
  }

  async select(id: number | null): Promise<void> {
    this.#selectedId = id;
    if (id !== null) rememberPerson(id);
    const person = this.#selected;
    const request = ++this.#statsRequest;
    this.#stats = null;
    if (!person) return;
    // Counting every record of a large vault takes a moment and the core answers in order: let the
    // views of the newly chosen person ask for their first screen before the counts are asked for.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (request !== this.#statsRequest) return;
    const stats = await api.call('records.stats', { personId: person.id });
    if (request === this.#statsRequest) this.#stats = stats;
  }

  /**
   * Reads the list and the shown person's counts again, keeping the old ones on screen meanwhile
   * (a sync added records: nothing should blink).
   */
  async refresh(): Promise<void> {
    const person = this.#selected;
    const request = ++this.#statsRequest;
    const [list, stats] = await Promise.all([
      api.call('persons.list', {}),
      person ? api.call('records.stats', { personId: person.id }) : null,
    ]);
    this.#list = list;
    if (request === this.#statsRequest && stats) this.#stats = stats;
  }

  async add(person: NewPerson): Promise<Person> {
    const added = await api.call('persons.add', person);
    this.#list = await api.call('persons.list', {});
    await this.select(added.id);
    return added;
  }

  async update(personId: number, details: PersonDetails): Promise<Person> {
    const updated = await api.call('persons.update', { personId, ...details });
    this.#list = this.#list.map((p) => (p.id === updated.id ? updated : p));
    return updated;
  }

  /** What removing the person would take with them, read fresh for the question. */
  removal(personId: number): Promise<PersonRemoval> {
    return api.call('persons.removal', { personId });
  }

  /** Removes the person; the first one left is shown instead. */
  async remove(personId: number): Promise<void> {
    await api.call('persons.remove', { personId });
    this.#list = await api.call('persons.list', {});
    await this.select(this.#list[0]?.id ?? null);
  }
}
