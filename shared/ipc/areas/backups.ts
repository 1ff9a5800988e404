import { z } from 'zod';
import { VaultStatus } from '../../domain.js';
import { Empty, Passphrase } from './common.js';

/**
 * Backups: one file per backup, written by the core into a folder the person chose (in the shell's
 * own folder dialog: `files.chooseBackupFolder`), on demand or on a schedule, keeping the last N.
 */
export const BackupSchedule = z.enum(['off', 'daily', 'weekly']);
export type BackupSchedule = z.infer<typeof BackupSchedule>;

/** The most backups kept; older ones of ours in the folder are removed beyond the number chosen. */
export const MAX_BACKUPS_KEPT = 100;

export const BackupStatus = z.object({
  /** The folder backups go to, as the person chose it; null until chosen. */
  folder: z.string().nullable(),
  schedule: BackupSchedule,
  keep: z.number().int().min(1).max(MAX_BACKUPS_KEPT),
  /** The last backup that was written and read back whole. */
  lastGood: z
    .object({ at: z.string(), fileName: z.string(), bytes: z.number().int().nonnegative() })
    .nullable(),
  /** The last attempt that failed, if it came after the last good one: what went wrong, in words. */
  lastFailure: z.object({ at: z.string(), message: z.string() }).nullable(),
  /** Whole days since the last good backup (or since backups were set up, when none is good yet). */
  daysWithout: z.number().int().nonnegative().nullable(),
  /** No good backup for longer than the app lets pass without saying so. */
  overdue: z.boolean(),
  running: z.boolean(),
});
export type BackupStatus = z.infer<typeof BackupStatus>;

/** A backup file chosen for a restore, as its description tells before anything is opened. */
export const RestoreChoice = z.object({
  fileName: z.string(),
  createdAt: z.string(),
  people: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
});
export type RestoreChoice = z.infer<typeof RestoreChoice>;

/** What a backup holds, read from it once the passphrase opened it, before it replaces anything. */
export const RestorePreview = z.object({
  createdAt: z.string(),
  persons: z.array(z.object({ name: z.string(), records: z.number().int().nonnegative() })),
  firstRecord: z.string().nullable(),
  lastRecord: z.string().nullable(),
  /** A vault is there now: it will be kept aside, never deleted. */
  replacing: z.boolean(),
});
export type RestorePreview = z.infer<typeof RestorePreview>;

export const backupChannels = {
  'backups.status': { request: Empty, response: BackupStatus },
  'backups.setSchedule': {
    request: z
      .object({ schedule: BackupSchedule, keep: z.number().int().min(1).max(MAX_BACKUPS_KEPT) })
      .strict(),
    response: BackupStatus,
  },
  /** Writes a backup now and answers once it has been read back (or has failed, with why). */
  'backups.now': { request: Empty, response: BackupStatus },
  /**
   * Only the shell calls this, with the folder the person picked in its dialog: a page that could
   * name a folder could make the core write anywhere the user can.
   */
  'backups.useFolder': {
    request: z.object({ folder: z.string().min(1).max(4096) }).strict(),
    response: BackupStatus,
  },
  /** Only the shell calls this, with the backup file the person picked in its dialog. */
  'restore.useFile': {
    request: z.object({ path: z.string().min(1).max(4096) }).strict(),
    response: RestoreChoice,
  },
  /** The backup chosen for a restore, if one is waiting. */
  'restore.chosen': { request: Empty, response: RestoreChoice.nullable() },
  /** Opens the chosen backup with its passphrase (or the recovery code and a new passphrase). */
  'restore.open': {
    request: z.union([
      z.object({ passphrase: Passphrase }).strict(),
      z.object({ recoveryCode: z.string().min(1).max(200), newPassphrase: Passphrase }).strict(),
    ]),
    response: RestorePreview,
  },
  /** Puts the opened backup in the vault's place (the vault there kept aside) and unlocks it. */
  'restore.confirm': {
    request: Empty,
    response: z.object({ status: VaultStatus, previousVaultKeptAt: z.string().nullable() }),
  },
  'restore.cancel': { request: Empty, response: Empty },
} as const;

export const backupEvents = {
  /** A backup began or ended (on demand or on its schedule), so an open window can say so. */
  'backups.changed': BackupStatus,
} as const;

const shellOnly = new Set<string>(['backups.useFolder', 'restore.useFile', 'imports.useFiles']);

/** Channels the page may never call: the transports refuse them from a window. */
export function isShellOnlyChannel(channel: unknown): boolean {
  return typeof channel === 'string' && shellOnly.has(channel);
}
