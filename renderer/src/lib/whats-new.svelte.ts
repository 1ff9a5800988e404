import type { ResponseOf } from '../../../shared/ipc/contract.js';
import { api, messageOf } from './api.js';

export type WhatsNewAnswer = ResponseOf<'records.whatsNew'>;

/**
 * What arrived for one person since they last looked (a sync while the app was closed, an
 * import, a sync while they were on another tab or person).
 *
 * When "looking" happens: only when the person says so, with "Got it". Opening a person, or
 * leaving them after a glance at the timeline, is not taken as having seen what is new: the
 * banner is there to be read, and a record that arrives while they are elsewhere must not be
 * marked seen behind their back. Until then the banner stays, calm, on the Summary and the
 * Timeline. The very first time (nothing stored) the core stores the look itself and reports
 * nothing, since everything would be "new".
 */
export class WhatsNew {
  readonly personId: number;
  #answer = $state.raw<WhatsNewAnswer | null>(null);
  #problem = $state<string | null>(null);
  #busy = $state(false);
  #request = 0;

  constructor(personId: number) {
    this.personId = personId;
  }

  get answer(): WhatsNewAnswer | null {
    return this.#answer;
  }
  get problem(): string | null {
    return this.#problem;
  }
  get busy(): boolean {
    return this.#busy;
  }
  /** Something to tell: the person has looked before and records arrived since. */
  get shown(): boolean {
    return this.#answer !== null && this.#answer.since !== null && this.#answer.total > 0;
  }

  /** Asks again, keeping what is shown meanwhile (a sync finished: nothing should blink). */
  async load(): Promise<void> {
    const request = ++this.#request;
    try {
      const answer = await api.call('records.whatsNew', { personId: this.personId });
      if (request === this.#request) {
        this.#answer = answer;
        this.#problem = null;
      }
    } catch (failure) {
      if (request === this.#request) this.#problem = messageOf(failure);
    }
  }

  /** "Got it": what was shown is seen; anything that arrived after the answer stays new. */
  async markLooked(): Promise<void> {
    const through = this.#answer?.through;
    const request = ++this.#request;
    this.#busy = true;
    try {
      await api.call('records.markLooked', {
        personId: this.personId,
        ...(through === undefined ? {} : { through }),
      });
      if (request === this.#request) this.#answer = null;
      await this.load();
    } catch (failure) {
      if (request === this.#request) this.#problem = messageOf(failure);
    } finally {
      this.#busy = false;
    }
  }

  dispose(): void {
    this.#request++;
  }
}
