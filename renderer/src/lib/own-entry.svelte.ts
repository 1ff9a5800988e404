import type { OwnEntry, OwnEntryKind } from '../../../shared/domain.js';
import { api } from './api.js';
import { instantOf, localDateTimeOf, nowLocal } from './entry-times.js';

/** The kinds of entry the patient can make, as the form offers them. */
export const entryKinds: { kind: OwnEntryKind; words: string }[] = [
  { kind: 'medicine', words: 'A medicine you take' },
  { kind: 'allergy', words: 'An allergy' },
  { kind: 'condition', words: 'A condition' },
  { kind: 'blood-pressure', words: 'Blood pressure' },
  { kind: 'weight', words: 'Weight' },
  { kind: 'glucose', words: 'Blood glucose' },
];

/**
 * The short form's fields, one set for every kind (the form shows those of the kind chosen): kept
 * as typed, so switching kind and back keeps what was typed.
 */
export class EntryForm {
  kind = $state<OwnEntryKind>('medicine');
  name = $state('');
  dose = $state('');
  since = $state('');
  substance = $state('');
  reaction = $state('');
  systolic = $state('');
  diastolic = $state('');
  value = $state('');
  weightUnit = $state<'kg' | '[lb_av]'>('kg');
  glucoseUnit = $state<'mg/dL' | 'mmol/L'>('mg/dL');
  at = $state(nowLocal());

  /** Fills the form from an entry being edited. */
  static from(entry: OwnEntry): EntryForm {
    const form = new EntryForm();
    form.kind = entry.kind;
    switch (entry.kind) {
      case 'medicine':
        form.name = entry.name;
        form.dose = entry.dose ?? '';
        form.since = entry.since ?? '';
        break;
      case 'allergy':
        form.substance = entry.substance;
        form.reaction = entry.reaction ?? '';
        break;
      case 'condition':
        form.name = entry.name;
        form.since = entry.since ?? '';
        break;
      case 'blood-pressure':
        form.systolic = String(entry.systolic);
        form.diastolic = String(entry.diastolic);
        form.at = localDateTimeOf(entry.at);
        break;
      case 'weight':
        form.value = String(entry.value);
        form.weightUnit = entry.unit;
        form.at = localDateTimeOf(entry.at);
        break;
      case 'glucose':
        form.value = String(entry.value);
        form.glucoseUnit = entry.unit;
        form.at = localDateTimeOf(entry.at);
        break;
    }
    return form;
  }

  /**
   * The entry to save, or what is missing in words (with the field to go to, by the end of its id). Ranges are the
   * core's to check: it says what is out of range.
   */
  entry(): { entry: OwnEntry } | { problem: string; field: string } {
    const number = (text: string) => (text.trim() === '' ? NaN : Number(text.replace(',', '.')));
    const at = instantOf(this.at);
    const since = this.since ? { since: this.since } : {};
    switch (this.kind) {
      case 'medicine':
        if (!this.name.trim()) return { problem: 'Type the name of the medicine.', field: 'name' };
        return {
          entry: {
            kind: 'medicine',
            name: this.name.trim(),
            ...(this.dose.trim() ? { dose: this.dose.trim() } : {}),
            ...since,
          },
        };
      case 'allergy':
        if (!this.substance.trim()) return { problem: 'Type what you are allergic to.', field: 'substance' };
        return {
          entry: {
            kind: 'allergy',
            substance: this.substance.trim(),
            ...(this.reaction.trim() ? { reaction: this.reaction.trim() } : {}),
          },
        };
      case 'condition':
        if (!this.name.trim()) return { problem: 'Type the name of the condition.', field: 'name' };
        return { entry: { kind: 'condition', name: this.name.trim(), ...since } };
      case 'blood-pressure': {
        const systolic = number(this.systolic);
        const diastolic = number(this.diastolic);
        if (Number.isNaN(systolic))
          return { problem: 'Type the top number (systolic) as a number.', field: 'systolic' };
        if (Number.isNaN(diastolic))
          return { problem: 'Type the bottom number (diastolic) as a number.', field: 'diastolic' };
        if (!at) return { problem: 'Choose when it was measured.', field: 'at' };
        return { entry: { kind: 'blood-pressure', systolic, diastolic, at } };
      }
      case 'weight':
      case 'glucose': {
        const value = number(this.value);
        if (Number.isNaN(value)) return { problem: 'Type the value as a number.', field: 'value' };
        if (!at) return { problem: 'Choose when it was measured.', field: 'at' };
        return this.kind === 'weight'
          ? { entry: { kind: 'weight', value, unit: this.weightUnit, at } }
          : { entry: { kind: 'glucose', value, unit: this.glucoseUnit, at } };
      }
    }
  }
}

/** Saves a new entry (or, with `id`, the edited one): the record's id. */
export async function saveEntry(personId: number, entry: OwnEntry, id?: number): Promise<number> {
  const saved = await api.call('entries.save', { personId, entry, ...(id === undefined ? {} : { id }) });
  return saved.id;
}
