import type { RecordFact } from '../../../shared/ipc/areas/records.js';
import { fhirDateWords } from './dates.js';

/**
 * A line of a record's detail in the reader's words. The core reads the record and says what each
 * line is (records/record-detail.ts); only its dates are put in words here, in the reader's locale.
 */
export function factWords(fact: RecordFact): string {
  if (fact.kind === 'words') return fact.words;
  if (fact.kind === 'date') return fhirDateWords(fact.date);
  const start = fact.start === null ? null : fhirDateWords(fact.start);
  const end = fact.end === null ? null : fhirDateWords(fact.end);
  if (start !== null && end !== null) return start === end ? start : `${start} to ${end}`;
  return start ?? `until ${end ?? ''}`;
}
