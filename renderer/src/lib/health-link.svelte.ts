import { api, ApiError, messageOf } from './api.js';
import { birthDateWords, formatCount } from './words.js';

/** Where opening a pasted link has got to, in words for the person. */
export type LinkOutcome =
  | { state: 'imported'; words: string; files: string[] }
  | { state: 'refused'; words: string }
  | { state: 'passcode'; words: string }
  | { state: 'ask'; words: string };

/**
 * A SMART Health Link pasted into the person's import area: opened by the core, which fetches and
 * imports what it shares. A link that needs a passcode asks for it here and is tried again; one
 * whose records are about someone else is asked about, as a file is.
 */
export class HealthLinkOpening {
  link = $state('');
  passcode = $state('');
  #askPasscode = $state(false);
  #running = $state(false);
  #outcome = $state.raw<LinkOutcome | null>(null);

  constructor(
    private readonly personId: number,
    private readonly personName: () => string,
  ) {}

  get askPasscode(): boolean {
    return this.#askPasscode;
  }
  get running(): boolean {
    return this.#running;
  }
  get outcome(): LinkOutcome | null {
    return this.#outcome;
  }

  /** Opens the link; resolves with how many records were added or updated. */
  async open(anyPatient = false): Promise<number> {
    if (this.#running) return 0;
    if (this.link.trim() === '') {
      this.#outcome = { state: 'refused', words: 'Paste the link first.' };
      return 0;
    }
    this.#running = true;
    try {
      const answer = await api.call('healthLinks.open', {
        personId: this.personId,
        link: this.link,
        ...(this.#askPasscode && this.passcode !== '' ? { passcode: this.passcode } : {}),
        anyPatient,
      });
      if (answer.outcome === 'other-patient') {
        const others = answer.otherPatients.map(
          (p) => `${p.name}${p.birthDate ? `, born ${birthDateWords(p.birthDate)}` : ''}`,
        );
        this.#outcome = {
          state: 'ask',
          words: `Its records are about ${others.join(' and ')}, not ${this.personName()}. Nothing was stored yet: are they ${this.personName()}’s all the same?`,
        };
        return 0;
      }
      const added = answer.files.reduce((n, f) => n + f.added, 0);
      const updated = answer.files.reduce((n, f) => n + f.updated, 0);
      const name = answer.label ? `“${answer.label}”` : 'The link';
      this.#outcome = {
        state: 'imported',
        words: `${name}: ${formatCount(added)} new ${added === 1 ? 'record' : 'records'}${updated > 0 ? `, ${formatCount(updated)} updated` : ''}, from ${answer.files.length} ${answer.files.length === 1 ? 'file' : 'files'}.`,
        files: answer.files.map((f) =>
          f.skipped !== null
            ? `Left out: ${f.skipped}`
            : `${formatCount(f.added)} new ${f.added === 1 ? 'record' : 'records'}: ${f.about}`,
        ),
      };
      // The link has done its work; it is not kept (a link is a key to someone's records).
      this.link = '';
      this.passcode = '';
      this.#askPasscode = false;
      return added + updated;
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.kind === 'link-passcode-needed' || error.kind === 'link-wrong-passcode')
      ) {
        this.#askPasscode = true;
        this.passcode = '';
        this.#outcome = { state: 'passcode', words: error.message };
      } else {
        this.#outcome = { state: 'refused', words: messageOf(error) };
      }
      return 0;
    } finally {
      this.#running = false;
    }
  }

  /** The person's answer about a link whose records name someone else. */
  async answer(keep: boolean): Promise<number> {
    if (keep) return this.open(true);
    this.#outcome = { state: 'refused', words: 'Left out, as you chose. Nothing was stored.' };
    this.link = '';
    this.passcode = '';
    this.#askPasscode = false;
    return 0;
  }
}
