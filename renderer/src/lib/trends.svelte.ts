import type { ResponseOf } from '../../../shared/ipc/contract.js';
import { api, messageOf } from './api.js';

export type TrendChoice = ResponseOf<'trends.choices'>[number];
export type TrendSeries = ResponseOf<'trends.series'>[number];

/**
 * The measurements people most often follow, by LOINC code, in the order the trends view offers
 * them. Blood pressure has two panel codes in the wild (Synthea still sends the older one).
 */
export const familiarMeasurements: { name: string; codes: string[] }[] = [
  { name: 'HbA1c', codes: ['4548-4', '17856-6'] },
  { name: 'Cholesterol', codes: ['2093-3'] },
  { name: 'Blood pressure', codes: ['85354-9', '55284-4'] },
  { name: 'Weight', codes: ['29463-7', '3141-9'] },
  { name: 'BMI', codes: ['39156-5'] },
];

/** Which measurement the person is looking at over time, and its readings. */
export class Trends {
  readonly personId: number;
  #choices = $state.raw<TrendChoice[] | null>(null);
  #code = $state<string | null>(null);
  #series = $state.raw<TrendSeries[] | null>(null);
  #problem = $state<string | null>(null);
  #request = 0;

  constructor(personId: number) {
    this.personId = personId;
  }

  get choices(): TrendChoice[] | null {
    return this.#choices;
  }
  get code(): string | null {
    return this.#code;
  }
  get series(): TrendSeries[] | null {
    return this.#series;
  }
  get problem(): string | null {
    return this.#problem;
  }
  get chosen(): TrendChoice | null {
    return this.#choices?.find((c) => c.code === this.#code) ?? null;
  }

  /** The familiar measurements this person actually has, with the code their records use. */
  get familiar(): { name: string; code: string }[] {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a throwaway lookup, not state
    const have = new Set((this.#choices ?? []).map((c) => c.code));
    return familiarMeasurements
      .map((m) => ({ name: m.name, code: m.codes.find((c) => have.has(c)) }))
      .filter((m): m is { name: string; code: string } => m.code !== undefined);
  }

  async load(): Promise<void> {
    this.#problem = null;
    try {
      this.#choices = await api.call('trends.choices', { personId: this.personId });
      const first = this.familiar[0]?.code ?? this.#choices[0]?.code;
      if (first && this.#code === null) await this.pick(first);
    } catch (failure) {
      this.#problem = messageOf(failure);
    }
  }

  async pick(code: string): Promise<void> {
    const request = ++this.#request;
    this.#code = code;
    this.#series = null;
    this.#problem = null;
    try {
      const series = await api.call('trends.series', { personId: this.personId, code });
      if (request === this.#request) this.#series = series;
    } catch (failure) {
      if (request === this.#request) this.#problem = messageOf(failure);
    }
  }
}
