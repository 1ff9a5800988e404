import type { ResponseOf } from '../../../shared/ipc/contract.js';
import { api, messageOf } from './api.js';

export type FullRecord = ResponseOf<'records.get'>;

/** The record open in the detail view, if any; opening another drops a slower earlier answer. */
export class RecordDetail {
  #id = $state<number | null>(null);
  #record = $state.raw<FullRecord | null>(null);
  #problem = $state<string | null>(null);
  #request = 0;

  get id(): number | null {
    return this.#id;
  }
  get record(): FullRecord | null {
    return this.#record;
  }
  get problem(): string | null {
    return this.#problem;
  }

  async open(id: number): Promise<void> {
    const request = ++this.#request;
    this.#id = id;
    this.#record = null;
    this.#problem = null;
    try {
      const record = await api.call('records.get', { id });
      if (request === this.#request) this.#record = record;
    } catch (failure) {
      if (request === this.#request) this.#problem = messageOf(failure);
    }
  }

  close(): void {
    this.#request++;
    this.#id = null;
    this.#record = null;
    this.#problem = null;
  }
}
