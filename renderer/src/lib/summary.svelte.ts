import type { ResponseOf } from '../../../shared/ipc/contract.js';
import { api, messageOf } from './api.js';

export type PatientSummary = ResponseOf<'summary.get'>;

/** The first page of a patient summary for one person: what is going on now. */
export class SummaryOfCare {
  readonly personId: number;
  #summary = $state.raw<PatientSummary | null>(null);
  #problem = $state<string | null>(null);

  constructor(personId: number) {
    this.personId = personId;
  }

  get summary(): PatientSummary | null {
    return this.#summary;
  }
  get problem(): string | null {
    return this.#problem;
  }

  async load(): Promise<void> {
    this.#problem = null;
    try {
      this.#summary = await api.call('summary.get', { personId: this.personId });
    } catch (failure) {
      this.#problem = messageOf(failure);
    }
  }
}
