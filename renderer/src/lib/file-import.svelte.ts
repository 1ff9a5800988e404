import { IMPORT_FILE_MAX_BYTES } from '../../../shared/ipc/areas/connections.js';
import { api, messageOf } from './api.js';
import { birthDateWords, formatCount } from './words.js';

/** What became of one chosen file: its records stored (with what could not be read), or why not. */
export type FileOutcome =
  | { file: string; ok: true; words: string; skipped: string[]; about: string | null }
  | { file: string; ok: false; words: string };

/**
 * Importing FHIR files the person chose, one after the other: each file's bytes are read here and
 * sent in one request, so the bar can count files and a refused file does not stop the others.
 */
export class FileImport {
  #done = $state(0);
  #total = $state(0);
  #current = $state<string | null>(null);
  #outcomes = $state.raw<FileOutcome[]>([]);

  constructor(private readonly personId: number) {}

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
      const outcome = await this.#importOne(file);
      changed += outcome.changed;
      this.#outcomes = [...this.#outcomes, outcome.outcome];
      this.#done++;
    }
    this.#current = null;
    return changed;
  }

  async #importOne(file: File): Promise<{ outcome: FileOutcome; changed: number }> {
    if (file.size > IMPORT_FILE_MAX_BYTES) {
      const words = `It is larger than ${Math.floor(IMPORT_FILE_MAX_BYTES / 1024 / 1024)} MB, the most the window can import at once. The command line imports files of any size (see the README).`;
      return { outcome: { file: file.name, ok: false, words }, changed: 0 };
    }
    try {
      const contentBase64 = await base64Of(file);
      const report = await api.call('connections.importFile', {
        personId: this.personId,
        fileName: file.name,
        contentBase64,
      });
      const parts = [
        `${formatCount(report.added)} new ${report.added === 1 ? 'record' : 'records'}`,
        ...(report.updated > 0 ? [`${formatCount(report.updated)} updated`] : []),
        ...(report.unchanged > 0 ? [`${formatCount(report.unchanged)} already in the vault`] : []),
      ];
      const skipped = report.problems.map((p) => `${p.where} ${p.problem}`);
      if (report.problemCount > report.problems.length)
        skipped.push(`and ${formatCount(report.problemCount - report.problems.length)} more`);
      const others = report.otherPatients.map(
        (p) => `${p.name}${p.birthDate ? `, born ${birthDateWords(p.birthDate)}` : ''}`,
      );
      return {
        outcome: {
          file: file.name,
          ok: true,
          about:
            others.length > 0
              ? `It is about ${others.join(' and ')}: check that it belongs to this person.`
              : null,
          words: `${parts.join(', ')} (FHIR ${report.fhirVersion})${report.problemCount > 0 ? `; ${formatCount(report.problemCount)} could not be read` : ''}.`,
          skipped,
        },
        changed: report.added + report.updated,
      };
    } catch (error) {
      return { outcome: { file: file.name, ok: false, words: messageOf(error) }, changed: 0 };
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
