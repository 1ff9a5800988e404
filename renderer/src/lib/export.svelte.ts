import type { Category } from '../../../shared/domain.js';
import type { EventOf, ResponseOf } from '../../../shared/ipc/contract.js';
import { api, messageOf } from './api.js';
import { sizeWords } from './attachment.svelte.js';

export type ExportFormat = ResponseOf<'export.preview'>['format'];
export type ExportPreview = ResponseOf<'export.preview'>;
export type ExportProgress = EventOf<'export.progress'>;

export const formatWords: Record<ExportFormat, { name: string; hint: string }> = {
  ccda: { name: 'C-CDA document (CCD)', hint: 'What most US practices’ record systems import.' },
  ips: { name: 'International Patient Summary', hint: 'A FHIR summary for clinics that take FHIR.' },
  fhir: { name: 'All records as FHIR', hint: 'Everything chosen, exactly as each source sent it.' },
  pdf: { name: 'Printable summary (PDF)', hint: 'To print, or to show on a screen.' },
};

/**
 * One export being prepared for one person: what to include, what it would hold (the preview,
 * with what cannot be expressed), and saving it. Saving is asked of the shell, which shows its own
 * save dialog and has the core write the document there: the window never holds its bytes and
 * never names a path.
 */
export class ExportPlan {
  format = $state<ExportFormat>('ccda');
  from = $state('');
  to = $state('');
  categories = $state<Category[]>([]);
  /** Records the person marked as wrong go too; left out otherwise. */
  includeMarkedWrong = $state(false);

  #preview = $state.raw<ExportPreview | null>(null);
  #progress = $state.raw<ExportProgress | null>(null);
  #busy = $state(false);
  #error = $state('');
  #saved = $state('');
  // Changing a choice while a preview is loading starts another; only the latest may land.
  #request = 0;

  constructor(readonly personId: number) {}

  get preview(): ExportPreview | null {
    return this.#preview;
  }
  get progress(): ExportProgress | null {
    return this.#progress;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get error(): string {
    return this.#error;
  }
  /** The name the document was saved under and its size in words, once it was. */
  get saved(): string {
    return this.#saved;
  }

  #asked(): {
    personId: number;
    format: ExportFormat;
    from?: string;
    to?: string;
    categories?: Category[];
    includeMarkedWrong?: boolean;
  } {
    return {
      personId: this.personId,
      format: this.format,
      ...(this.from ? { from: this.from } : {}),
      ...(this.to ? { to: this.to } : {}),
      ...(this.categories.length > 0 ? { categories: [...this.categories] } : {}),
      ...(this.includeMarkedWrong ? { includeMarkedWrong: true } : {}),
    };
  }

  async refreshPreview(): Promise<void> {
    const mine = ++this.#request;
    this.#error = '';
    this.#saved = '';
    try {
      const preview = await api.call('export.preview', this.#asked());
      if (mine === this.#request) this.#preview = preview;
    } catch (failure) {
      if (mine !== this.#request) return;
      this.#preview = null;
      this.#error = messageOf(failure);
    }
  }

  async run(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    this.#error = '';
    this.#saved = '';
    const stop = api.on('export.progress', (p) => {
      if (p.personId === this.personId) this.#progress = p;
    });
    try {
      const answer = await api.call('files.saveExport', this.#asked());
      if (answer.saved) {
        // The person may have renamed it in the dialog; say the name it really has.
        this.#saved = `${answer.fileName} (${sizeWords(answer.bytes)})`;
        // What was left out is what the document really holds, not the last preview's guess.
        this.#preview = answer;
      }
    } catch (failure) {
      this.#error = messageOf(failure);
    } finally {
      stop();
      this.#busy = false;
      this.#progress = null;
    }
  }
}
