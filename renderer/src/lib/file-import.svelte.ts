import type { ChosenFile, FilePreview, ImportedFileAnswer } from '../../../shared/ipc/areas/imports.js';
import { api, messageOf } from './api.js';
import { birthDateWords, formatCount } from './words.js';

/** What the person says of one file before anything is stored. */
export type ImportChoice = 'this-person' | 'new-person' | 'skip';

/**
 * One chosen file, from its preview to what became of it. `read` is how much of it the core has
 * read while it is imported, for its progress bar.
 */
export type ChosenEntry = {
  token: string;
  name: string;
  bytes: number;
  state: 'looking' | 'ready' | 'refused' | 'importing' | 'imported' | 'skipped' | 'failed';
  /** What the file is (from its preview), or why it cannot be imported. */
  about: string;
  /** Whose it is, against the person. */
  whose: string;
  whoseKind: 'match' | 'differs' | 'unknown' | null;
  /** The one patient the file names: who "Add as a new person" adds. */
  patient: { name: string; birthDate: string | null } | null;
  choice: ImportChoice;
  read: number;
  /** What became of it, once imported or left out. */
  outcome: string;
  /** What of it could not be read. */
  unread: string[];
};

const identityWords = (p: { name: string; birthDate: string | null }) =>
  `${p.name}${p.birthDate ? `, born ${birthDateWords(p.birthDate)}` : ''}`;

/**
 * The window's import: files chosen in the shell's dialog or dropped onto the person are only
 * named here (a token and a name each: the core reads them from disk), previewed (what each is and
 * whose, nothing stored), imported as the person chose for each, one after the other with how far
 * each has been read, and said what became of them.
 */
export type ImportPhase = 'idle' | 'choosing' | 'looking' | 'deciding' | 'importing' | 'done';

export class FileImport {
  #files = $state<ChosenEntry[]>([]);
  #phase = $state<ImportPhase>('idle');
  #problem = $state<string | null>(null);

  constructor(
    private readonly personId: number,
    /** Read when words are written, so a person renamed meanwhile is spoken of by their new name. */
    private readonly personName: () => string,
  ) {}

  get files(): ChosenEntry[] {
    return this.#files;
  }
  get phase(): ImportPhase {
    return this.#phase;
  }
  /** Choosing, previewing or importing: another choice waits until it ends. */
  get busy(): boolean {
    return this.#phase === 'choosing' || this.#phase === 'looking' || this.#phase === 'importing';
  }
  get problem(): string | null {
    return this.#problem;
  }
  /** Files that will be imported as the choices stand. */
  get toImport(): number {
    return this.#files.filter((f) => f.state === 'ready' && f.choice !== 'skip').length;
  }

  /** Follows the core's reading of each file; returns how to stop. */
  listen(): () => void {
    return api.on('imports.progress', (progress) => {
      const file = this.#files.find((f) => f.token === progress.token);
      if (file && file.state === 'importing') file.read = progress.bytesRead;
    });
  }

  /** The shell's open dialog; resolves once the chosen files are previewed (or none were chosen). */
  async choose(): Promise<void> {
    if (this.busy) return;
    this.#phase = 'choosing';
    this.#problem = null;
    try {
      const { files } = await api.call('files.chooseImportFiles', {});
      await this.#look(files);
    } catch (error) {
      this.#problem = messageOf(error);
      this.#phase = this.#files.length > 0 ? 'deciding' : 'idle';
    }
  }

  /** Files dropped onto the person: handed to the core by the transport, then previewed. */
  async takeDropped(dropped: readonly File[]): Promise<void> {
    if (this.busy) return;
    this.#phase = 'choosing';
    this.#problem = null;
    try {
      const { files } = await api.dropFiles(dropped);
      await this.#look(files);
    } catch (error) {
      this.#problem = messageOf(error);
      this.#phase = 'idle';
    }
  }

  async #look(files: ChosenFile[]): Promise<void> {
    if (files.length === 0) {
      // Cancelled: what was on screen stays as it was.
      this.#phase = this.#files.length > 0 ? (this.#files.some(isOpen) ? 'deciding' : 'done') : 'idle';
      return;
    }
    this.#files = files.map((f) => ({
      ...f,
      state: 'looking',
      about: 'Reading…',
      whose: '',
      whoseKind: null,
      patient: null,
      choice: 'this-person',
      read: 0,
      outcome: '',
      unread: [],
    }));
    this.#phase = 'looking';
    const previews = await api.call('imports.preview', {
      personId: this.personId,
      tokens: files.map((f) => f.token),
    });
    this.#files = this.#files.map((file) => {
      const preview = previews.find((p) => p.token === file.token);
      return preview ? this.#previewed(file, preview) : file;
    });
    this.#phase = this.#files.some(isOpen) ? 'deciding' : 'done';
  }

  #previewed(file: ChosenEntry, preview: FilePreview): ChosenEntry {
    if (preview.outcome === 'refused')
      return { ...file, state: 'refused', about: preview.message, choice: 'skip' };
    const person = this.personName();
    const named = preview.patients.map(identityWords).join(' and ');
    const whose =
      preview.whose === 'unknown'
        ? 'It does not say whose records it holds.'
        : preview.whose === 'match'
          ? `It is about ${named}.`
          : `It is about ${named}, not ${person}.`;
    return {
      ...file,
      state: 'ready',
      about: preview.about,
      whose,
      whoseKind: preview.whose,
      patient: preview.patients.length === 1 ? preview.patients[0]! : null,
      // Someone else's records are never filed under the person unless they say so.
      choice: preview.whose === 'differs' ? 'skip' : 'this-person',
    };
  }

  setChoice(index: number, choice: ImportChoice): void {
    const file = this.#files[index];
    if (file && file.state === 'ready' && this.#phase === 'deciding') file.choice = choice;
  }

  /**
   * Imports each file as chosen, one after the other (a refused one does not stop the others).
   * Resolves with the people whose records changed.
   */
  async importChosen(): Promise<number[]> {
    if (this.#phase !== 'deciding') return [];
    this.#phase = 'importing';
    const changed: number[] = [];
    for (const file of this.#files) {
      if (file.state !== 'ready') continue;
      if (file.choice === 'skip') {
        file.state = 'skipped';
        file.outcome = 'Left out: nothing of it was stored.';
        continue;
      }
      file.state = 'importing';
      file.read = 0;
      try {
        const answer = await api.call('imports.run', {
          token: file.token,
          personId: this.personId,
          as: file.choice,
        });
        file.state = 'imported';
        file.read = file.bytes;
        file.outcome = outcomeWords(answer);
        file.unread = unreadLines(answer);
        if ((answer.added + answer.updated > 0 || answer.newPerson) && !changed.includes(answer.personId))
          changed.push(answer.personId);
      } catch (error) {
        file.state = 'failed';
        file.outcome = messageOf(error);
      }
    }
    this.#phase = 'done';
    return changed;
  }

  /** Leaves the chosen files without importing any. */
  cancel(): void {
    if (this.#phase !== 'deciding') return;
    this.#files = [];
    this.#phase = 'idle';
  }
}

const isOpen = (file: ChosenEntry) => file.state === 'ready';

function outcomeWords(answer: ImportedFileAnswer): string {
  const parts = [
    `${formatCount(answer.added)} new ${answer.added === 1 ? 'record' : 'records'}`,
    ...(answer.updated > 0 ? [`${formatCount(answer.updated)} updated`] : []),
    ...(answer.unchanged > 0 ? [`${formatCount(answer.unchanged)} already in the vault`] : []),
  ];
  const unread = answer.problemCount > 0 ? `; ${formatCount(answer.problemCount)} could not be read` : '';
  const added = answer.newPerson ? `Added ${answer.newPerson} as a new person: ` : '';
  // An export's measurements are counted only as it is read: what they came to, first.
  const found =
    answer.format === 'apple-health' ? `${answer.about.replace(/^Apple Health export: /, '')}: ` : '';
  const stored = `${found}${parts.join(', ')}${unread}.`;
  return `${added}${added ? stored : stored.charAt(0).toUpperCase() + stored.slice(1)}`;
}

function unreadLines(answer: ImportedFileAnswer): string[] {
  const lines = answer.problems.map((p) => `${p.where} ${p.problem}`);
  if (answer.problemCount > answer.problems.length)
    lines.push(`and ${formatCount(answer.problemCount - answer.problems.length)} more`);
  return lines;
}

/** A file's size as a person reads it: "820 KB", "52.4 MB", "1.2 GB". */
export function sizeWords(bytes: number): string {
  if (bytes === 0) return '0 KB';
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Who a file is about, as a choice offers to add them. */
export const patientWords = identityWords;
