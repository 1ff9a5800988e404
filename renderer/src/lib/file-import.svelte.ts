import { IMPORT_FILE_MAX_BYTES } from '../../../shared/ipc/areas/connections.js';
import { api, messageOf } from './api.js';
import { birthDateWords, formatCount } from './words.js';

/**
 * What became of one chosen file: its records stored (with what could not be read), refused (why),
 * or waiting for the person to say whether a file about another patient belongs here.
 */
export type FileOutcome =
  | { file: string; state: 'imported'; words: string; skipped: string[] }
  | { file: string; state: 'refused'; words: string }
  | {
      file: string;
      state: 'ask';
      words: string;
      chosen: File;
      /** Whom the file is about, when it is one patient: who "Add as a new person" adds. */
      patient: { name: string; birthDate: string | null } | null;
    };

/** The person's answer to a file about someone else. */
export type Answer = 'this-person' | 'new-person' | 'leave-out';

/**
 * Importing files the person chose (FHIR, C-CDA), one after the other: each file's bytes are read here and
 * sent in one request, so the bar can count files and a refused file does not stop the others.
 */
export class FileImport {
  #done = $state(0);
  #total = $state(0);
  #current = $state<string | null>(null);
  #outcomes = $state.raw<FileOutcome[]>([]);

  constructor(
    private readonly personId: number,
    /** Read when a question is written, so a person renamed meanwhile is asked about by their new name. */
    private readonly personName: () => string,
  ) {}

  get running(): boolean {
    return this.#current !== null;
  }
  get current(): string | null {
    return this.#current;
  }
  get done(): number {
    return this.#done;
  }
  get total(): number {
    return this.#total;
  }
  get outcomes(): FileOutcome[] {
    return this.#outcomes;
  }

  /** Imports the files; resolves with how many records were added or updated in all. */
  async importAll(files: readonly File[]): Promise<number> {
    if (this.running || files.length === 0) return 0;
    this.#done = 0;
    this.#total = files.length;
    this.#outcomes = [];
    let changed = 0;
    for (const file of files) {
      this.#current = file.name;
      const { outcome, changed: n } = await this.#importOne(file, false);
      changed += n;
      this.#outcomes = [...this.#outcomes, outcome];
      this.#done++;
    }
    this.#current = null;
    return changed;
  }

  /**
   * The person's answer about a file that names another patient: imported for this person after
   * all, for a new person made from the file's patient (name and birth date), or left out.
   * Resolves with the records added or updated.
   */
  async answer(index: number, choice: Answer): Promise<number> {
    const asked = this.#outcomes[index];
    if (!asked || asked.state !== 'ask' || this.running) return 0;
    let next: FileOutcome = { file: asked.file, state: 'refused', words: 'Left out, as you chose.' };
    let changed = 0;
    if (choice !== 'leave-out') {
      this.#current = asked.file;
      try {
        let personId = this.personId;
        let added = '';
        if (choice === 'new-person' && asked.patient) {
          const person = await api.call('persons.add', {
            name: asked.patient.name,
            ...(asked.patient.birthDate ? { birthDate: asked.patient.birthDate } : {}),
            relationship: 'other',
          });
          personId = person.id;
          added = `Added ${person.name} as a new person. `;
        }
        ({ outcome: next, changed } = await this.#importOne(asked.chosen, true, personId));
        if (added) next = { ...next, words: `${added}${next.words}` };
      } catch (error) {
        next = { file: asked.file, state: 'refused', words: messageOf(error) };
      } finally {
        this.#current = null;
      }
    }
    this.#outcomes = this.#outcomes.map((o, i) => (i === index ? next : o));
    return changed;
  }

  async #importOne(
    file: File,
    anyPatient: boolean,
    personId = this.personId,
  ): Promise<{ outcome: FileOutcome; changed: number }> {
    if (file.size > IMPORT_FILE_MAX_BYTES) {
      const words = `It is larger than ${Math.floor(IMPORT_FILE_MAX_BYTES / 1024 / 1024)} MB, the most the window can import at once. The command line imports files of any size (see the README).`;
      return { outcome: { file: file.name, state: 'refused', words }, changed: 0 };
    }
    try {
      const report = await api.call('connections.importFile', {
        personId,
        fileName: file.name,
        contentBase64: await base64Of(file),
        anyPatient,
      });
      if (report.outcome === 'other-patient') {
        const others = report.otherPatients.map(
          (p) => `${p.name}${p.birthDate ? `, born ${birthDateWords(p.birthDate)}` : ''}`,
        );
        const words = `It is about ${others.join(' and ')}, not ${this.personName()}. Nothing was stored yet: is it ${this.personName()}’s all the same?`;
        const patient = report.otherPatients.length === 1 ? report.otherPatients[0]! : null;
        return { outcome: { file: file.name, state: 'ask', words, chosen: file, patient }, changed: 0 };
      }
      const parts = [
        `${formatCount(report.added)} new ${report.added === 1 ? 'record' : 'records'}`,
        ...(report.updated > 0 ? [`${formatCount(report.updated)} updated`] : []),
        ...(report.unchanged > 0 ? [`${formatCount(report.unchanged)} already in the vault`] : []),
      ];
      const skipped = report.problems.map((p) => `${p.where} ${p.problem}`);
      if (report.problemCount > report.problems.length)
        skipped.push(`and ${formatCount(report.problemCount - report.problems.length)} more`);
      const unread = report.problemCount > 0 ? `; ${formatCount(report.problemCount)} could not be read` : '';
      return {
        outcome: {
          file: file.name,
          state: 'imported',
          // A FHIR file says its version; a document what it is, as its author titled it.
          words:
            report.format === 'fhir'
              ? `${parts.join(', ')} (FHIR ${report.fhirVersion})${unread}.`
              : `${report.about}: ${parts.join(', ')}${unread}.`,
          skipped,
        },
        changed: report.added + report.updated,
      };
    } catch (error) {
      return { outcome: { file: file.name, state: 'refused', words: messageOf(error) }, changed: 0 };
    }
  }
}

/** The file's bytes as base64, read in the window (the core is never handed a path from here). */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  // In slices: one String.fromCharCode call over megabytes overflows the call stack.
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}
