import type { RecordNote } from '../../../shared/domain.js';
import { api, messageOf } from './api.js';

/**
 * The patient's own note and marks on one record, as its detail edits them. Each change is saved
 * at once; the record itself is never changed.
 */
export class RecordNotes {
  readonly recordId: number;
  note = $state('');
  markedWrong = $state(false);
  hidden = $state(false);
  #busy = $state(false);
  #problem = $state('');
  #status = $state('');
  #pending: Promise<void> | null = null;

  constructor(recordId: number, saved: RecordNote | null | undefined) {
    this.recordId = recordId;
    this.#take(saved ?? null);
  }

  get busy(): boolean {
    return this.#busy;
  }
  get problem(): string {
    return this.#problem;
  }
  /** What was just saved, for the live region. */
  get status(): string {
    return this.#status;
  }

  #take(saved: RecordNote | null) {
    this.note = saved?.note ?? '';
    this.markedWrong = saved?.markedWrong ?? false;
    this.hidden = saved?.hidden ?? false;
  }

  async #save(change: { note?: string | null; markedWrong?: boolean; hidden?: boolean }, done: string) {
    // One change at a time, in the order made; the controls stay enabled so focus stays on them.
    while (this.#pending) await this.#pending;
    let finish = () => {};
    this.#pending = new Promise<void>((resolve) => (finish = resolve));
    this.#busy = true;
    this.#problem = '';
    this.#status = '';
    try {
      this.#take(await api.call('records.annotate', { id: this.recordId, ...change }));
      this.#status = done;
      return true;
    } catch (failure) {
      this.#problem = messageOf(failure);
      return false;
    } finally {
      this.#busy = false;
      this.#pending = null;
      finish();
    }
  }

  saveNote(): Promise<boolean> {
    const note = this.note.trim();
    return this.#save(
      { note: note === '' ? null : note },
      note === '' ? 'Your note was removed.' : 'Your note was saved.',
    );
  }

  setMarkedWrong(wrong: boolean): Promise<boolean> {
    return this.#save(
      { markedWrong: wrong },
      wrong ? 'Marked as wrong: left out of the Summary and of exports.' : 'No longer marked as wrong.',
    );
  }

  setHidden(hidden: boolean): Promise<boolean> {
    return this.#save({ hidden }, hidden ? 'Hidden from the timeline.' : 'Shown on the timeline again.');
  }
}

/** Deletes one of the patient's own entries. */
export async function deleteEntry(id: number): Promise<void> {
  await api.call('entries.remove', { id });
}
