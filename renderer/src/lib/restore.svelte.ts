import type { RestoreChoice, RestorePreview } from '../../../shared/ipc/areas/backups.js';
import { api, ApiError, messageOf } from './api.js';

export type { RestoreChoice, RestorePreview };

/**
 * A restore from the unlock or first-run screen, step by step: the backup file (picked in the
 * shell's dialog), then its passphrase, then what it holds, then the person's yes. Nothing replaces
 * the vault before that yes; going back forgets the opened copy.
 */
export class Restore {
  #choice = $state.raw<RestoreChoice | null>(null);
  #preview = $state.raw<RestorePreview | null>(null);
  #problem = $state('');
  #busy = $state(false);
  #problemKind = $state('');

  get choice(): RestoreChoice | null {
    return this.#choice;
  }
  get preview(): RestorePreview | null {
    return this.#preview;
  }
  get problem(): string {
    return this.#problem;
  }
  get busy(): boolean {
    return this.#busy;
  }
  /** The kind of the last refusal, so the form can point at the field it was about. */
  get problemKind(): string {
    return this.#problemKind;
  }

  async chooseFile(): Promise<void> {
    await this.#ask(async () => {
      this.#preview = null;
      const { chosen } = await api.call('files.chooseBackupFile', {});
      if (chosen) this.#choice = await api.call('restore.chosen', {});
    });
  }

  /**
   * True when the backup opened, with its passphrase or with its recovery code and a new
   * passphrase (which the restored vault then has); otherwise `problem` says why.
   */
  async open(
    secret: { passphrase: string } | { recoveryCode: string; newPassphrase: string },
  ): Promise<boolean> {
    return this.#ask(async () => (this.#preview = await api.call('restore.open', secret)));
  }

  async confirm(): Promise<boolean> {
    return this.#ask(async () => {
      await api.call('restore.confirm', {});
    });
  }

  async cancel(): Promise<void> {
    this.#choice = null;
    this.#preview = null;
    this.#problem = '';
    await api.call('restore.cancel', {}).catch(() => undefined);
  }

  async #ask(work: () => Promise<unknown>): Promise<boolean> {
    if (this.#busy) return false;
    this.#busy = true;
    this.#problem = '';
    this.#problemKind = '';
    try {
      await work();
      return true;
    } catch (failure) {
      this.#problem = messageOf(failure);
      this.#problemKind = failure instanceof ApiError ? failure.kind : 'internal';
      return false;
    } finally {
      this.#busy = false;
    }
  }
}
