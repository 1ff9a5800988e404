import { accessSync, constants, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { BackupSchedule, BackupStatus } from '../../../shared/ipc/areas/backups.js';
import { isVaultError, VaultError } from '../errors.js';
import { BACKUP_EXTENSION, writeBackup } from '../vault/backup.js';
import {
  readBackupOutcome,
  readBackupSettings,
  writeBackupOutcome,
  writeBackupSettings,
} from '../vault/backup-settings.js';
import type { VaultDatabase } from '../vault/database.js';

const DAY_MS = 24 * 60 * 60_000;
/** Without a good backup for this long, the window says so. */
export const OVERDUE_DAYS = 14;
const INTERVAL_MS: Record<Exclude<BackupSchedule, 'off'>, number> = { daily: DAY_MS, weekly: 7 * DAY_MS };
/** A scheduled backup that failed (the synced folder was offline, say) is tried again this much later. */
const RETRY_AFTER_FAILURE_MS = 60 * 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Only names of this shape are ever removed when older backups are let go. */
const OUR_BACKUP = /^phr-vault-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ(-\d+)?\.phrvault-backup$/;

export type BackupsOptions = {
  db: () => VaultDatabase;
  vaultPath: string;
  appVersion: string;
  changed: (status: BackupStatus) => void;
  /** False: backups happen only when asked (tests of other areas). */
  automatic?: boolean;
  /** After unlocking, a due backup waits this long, so the first screen is drawn first. */
  startDelayMs?: number;
  /**
   * After the folder or schedule changes, a due backup waits this long: the person is likely to
   * press "Back up now" or change more, and a second backup a moment after theirs helps nobody.
   */
  settleMs?: number;
  now?: () => Date;
};

/**
 * Backups of the open vault: on demand and on the schedule the person chose (daily or weekly),
 * into their folder, keeping the last N of ours there. A backup runs in this (the writer's) thread
 * because it must hold the vault file still while copying it (backup.ts); reads go on meanwhile in
 * the read worker. What happened is kept in the vault, so "last good backup" survives a restart.
 */
export class Backups {
  #timer: NodeJS.Timeout | null = null;
  #unlocked = false;
  #running = false;

  constructor(private readonly options: BackupsOptions) {}

  get #settleMs(): number {
    return this.options.settleMs ?? 10 * 60_000;
  }

  #now(): Date {
    return this.options.now?.() ?? new Date();
  }

  status(): BackupStatus {
    const db = this.options.db();
    const settings = readBackupSettings(db);
    const outcome = readBackupOutcome(db);
    const from = outcome.lastGood?.at ?? settings.since;
    const daysWithout =
      from === null ? null : Math.max(0, Math.floor((this.#now().getTime() - Date.parse(from)) / DAY_MS));
    const lastFailure =
      outcome.lastFailure && (!outcome.lastGood || outcome.lastFailure.at > outcome.lastGood.at)
        ? outcome.lastFailure
        : null;
    return {
      folder: settings.folder,
      schedule: settings.schedule,
      keep: settings.keep,
      lastGood: outcome.lastGood,
      lastFailure,
      daysWithout,
      overdue: settings.folder !== null && daysWithout !== null && daysWithout >= OVERDUE_DAYS,
      running: this.#running,
    };
  }

  setSchedule(schedule: BackupSchedule, keep: number): BackupStatus {
    const db = this.options.db();
    writeBackupSettings(db, { ...readBackupSettings(db), schedule, keep });
    this.#arm(this.#settleMs);
    return this.#changed();
  }

  /** The folder the person picked in the shell's dialog; it must be there and writable now. */
  useFolder(folder: string): BackupStatus {
    if (!isAbsolute(folder)) throw new VaultError('invalid-request');
    try {
      if (!statSync(folder).isDirectory()) throw new Error('not a folder');
      accessSync(folder, constants.W_OK);
    } catch {
      throw new VaultError('backup-failed', 'That folder cannot be written to.');
    }
    const db = this.options.db();
    const settings = readBackupSettings(db);
    writeBackupSettings(db, { ...settings, folder, since: settings.since ?? this.#now().toISOString() });
    this.#arm(this.#settleMs);
    return this.#changed();
  }

  /** Writes a backup now; answers with the status after it, or throws `backup-failed` saying why. */
  runNow(): BackupStatus {
    const db = this.options.db();
    const settings = readBackupSettings(db);
    if (!settings.folder) throw new VaultError('no-backup-folder');
    if (this.#running) return this.status();
    this.#running = true;
    this.#changed();
    const at = this.#now();
    try {
      const written = writeBackup(
        db,
        this.options.vaultPath,
        this.#freeName(settings.folder, at),
        this.options.appVersion,
      );
      writeBackupOutcome(db, {
        lastGood: { at: at.toISOString(), fileName: basename(written.path), bytes: written.bytes },
        lastFailure: null,
      });
      this.#letOlderGo(settings.folder, settings.keep);
    } catch (error) {
      const detail = isVaultError(error) ? error.detail : undefined;
      writeBackupOutcome(db, {
        ...readBackupOutcome(db),
        lastFailure: { at: at.toISOString(), message: new VaultError('backup-failed', detail).message },
      });
      throw new VaultError('backup-failed', detail, { cause: error });
    } finally {
      this.#running = false;
      this.#arm(0);
    }
    return this.#changed();
  }

  vaultUnlocked(): void {
    this.#unlocked = true;
    this.#arm(this.options.startDelayMs ?? 5_000);
  }

  vaultLocked(): void {
    this.#unlocked = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #changed(): BackupStatus {
    const status = this.status();
    this.options.changed(status);
    return status;
  }

  /** Sets the timer for the next scheduled backup, if there is a schedule and the vault is open. */
  #arm(delayAtLeastMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#unlocked || this.options.automatic === false) return;
    const db = this.options.db();
    const settings = readBackupSettings(db);
    if (settings.schedule === 'off' || !settings.folder) return;
    const outcome = readBackupOutcome(db);
    const now = this.#now().getTime();
    let due = outcome.lastGood ? Date.parse(outcome.lastGood.at) + INTERVAL_MS[settings.schedule] : now;
    if (outcome.lastFailure && Date.parse(outcome.lastFailure.at) + RETRY_AFTER_FAILURE_MS > due)
      due = Date.parse(outcome.lastFailure.at) + RETRY_AFTER_FAILURE_MS;
    const wait = Math.min(Math.max(due - now, delayAtLeastMs), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#now().getTime() < due) return this.#arm(0);
      try {
        this.runNow();
      } catch {
        // Kept as the last failure and shown in the window; the next try is armed in runNow.
      }
    }, wait);
    // A pending backup never keeps the process alive on its own (the command line, tests).
    this.#timer.unref();
  }

  /** A name for a backup made at `at`, numbered if two land in one second. */
  #freeName(folder: string, at: Date): string {
    const stamp = at
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/:/g, '-');
    const taken = new Set(readdirSync(folder));
    for (let n = 1; ; n++) {
      const name = `phr-vault-backup-${stamp}${n === 1 ? '' : `-${n}`}${BACKUP_EXTENSION}`;
      if (!taken.has(name)) return join(folder, name);
    }
  }

  /** Keeps the newest `keep` backups of ours in the folder; nothing else there is touched. */
  #letOlderGo(folder: string, keep: number): void {
    const ours = readdirSync(folder)
      .filter((name) => OUR_BACKUP.test(name))
      .sort(byTime);
    for (const name of ours.slice(0, Math.max(0, ours.length - keep)))
      rmSync(join(folder, name), { force: true });
  }
}

/** Names sort by their UTC stamp; a "-2" made in the same second comes after its first. */
function byTime(a: string, b: string): number {
  const key = (name: string) => {
    const match = /^(.*?Z)(?:-(\d+))?\./.exec(name)!;
    return [match[1]!, Number(match[2] ?? 1)] as const;
  };
  const [ta, na] = key(a);
  const [tb, nb] = key(b);
  return ta < tb ? -1 : ta > tb ? 1 : na - nb;
}
