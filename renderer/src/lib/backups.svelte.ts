import type { BackupSchedule, BackupStatus } from '../../../shared/ipc/areas/backups.js';
import { api, messageOf } from './api.js';

export type { BackupSchedule, BackupStatus };

// A backup is an event on this computer, so it is shown in the computer's own time zone.
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' });

export function backupTimeWords(iso: string): string {
  return when.format(Date.parse(iso));
}

export function daysWords(days: number): string {
  return days === 1 ? '1 day' : `${days} days`;
}

/**
 * Backups as the window sees them: where they go, how often, how the last one went. Made when the
 * vault opens (Home owns it) and kept current by the core's `backups.changed`, so a scheduled
 * backup that runs while the person reads shows here too.
 */
export class Backups {
  #status = $state.raw<BackupStatus | null>(null);
  #problem = $state('');
  #announcement = $state('');
  #choosing = $state(false);
  readonly #stop: () => void;

  constructor() {
    this.#stop = api.on('backups.changed', (status) => (this.#status = status));
  }

  get status(): BackupStatus | null {
    return this.#status;
  }
  /** The last thing asked of backups that failed, in the person's words. */
  get problem(): string {
    return this.#problem;
  }
  get announcement(): string {
    return this.#announcement;
  }
  get choosing(): boolean {
    return this.#choosing;
  }
  get running(): boolean {
    return this.#status?.running ?? false;
  }

  async load(): Promise<void> {
    await this.#ask(async () => (this.#status = await api.call('backups.status', {})));
  }

  /** The shell shows its folder dialog (the page never names a folder); null if cancelled. */
  async chooseFolder(): Promise<void> {
    this.#choosing = true;
    try {
      await this.#ask(async () => {
        const { chosen } = await api.call('files.chooseBackupFolder', {});
        if (chosen) this.#status = await api.call('backups.status', {});
      });
    } finally {
      this.#choosing = false;
    }
  }

  async setSchedule(schedule: BackupSchedule, keep: number): Promise<void> {
    await this.#ask(async () => (this.#status = await api.call('backups.setSchedule', { schedule, keep })));
  }

  async backUpNow(): Promise<void> {
    this.#announcement = '';
    const ok = await this.#ask(async () => (this.#status = await api.call('backups.now', {})));
    if (ok && this.#status?.lastGood) this.#announcement = 'Backed up and checked.';
    // A failure is kept by the core too; show its latest status (the last good one stays).
    if (!ok)
      await api.call('backups.status', {}).then(
        (s) => (this.#status = s),
        () => undefined,
      );
  }

  async #ask(work: () => Promise<unknown>): Promise<boolean> {
    this.#problem = '';
    try {
      await work();
      return true;
    } catch (failure) {
      this.#problem = messageOf(failure);
      return false;
    }
  }

  dispose(): void {
    this.#stop();
  }
}
