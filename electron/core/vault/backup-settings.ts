import { z } from 'zod';
import { BackupSchedule, MAX_BACKUPS_KEPT } from '../../../shared/ipc/areas/backups.js';
import type { VaultDatabase } from './database.js';

/**
 * How and where this vault is backed up, and how the last backups went, kept in the vault's own
 * `settings` table (so a restored vault remembers its folder and schedule). Values are JSON; one
 * that does not parse counts as never set rather than failing the unlock.
 */

const Settings = z.object({
  folder: z.string().nullable(),
  schedule: BackupSchedule,
  keep: z.number().int().min(1).max(MAX_BACKUPS_KEPT),
  /** When a folder was first chosen: the clock for "no backup for a while" before the first one. */
  since: z.string().nullable(),
});
export type BackupSettings = z.infer<typeof Settings>;

const Outcome = z.object({
  lastGood: z.object({ at: z.string(), fileName: z.string(), bytes: z.number().int() }).nullable(),
  lastFailure: z.object({ at: z.string(), message: z.string() }).nullable(),
});
export type BackupOutcome = z.infer<typeof Outcome>;

export const DEFAULT_BACKUP_SETTINGS: BackupSettings = {
  folder: null,
  schedule: 'off',
  keep: 10,
  since: null,
};

const SETTINGS_KEY = 'backup:settings';
const OUTCOME_KEY = 'backup:outcome';

function read<T>(db: VaultDatabase, key: string, schema: z.ZodType<T>, fallback: T): T {
  const value = db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck().get(key);
  if (value === undefined) return fallback;
  try {
    const parsed = schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

function write(db: VaultDatabase, key: string, value: unknown): void {
  db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key, JSON.stringify(value));
}

export function readBackupSettings(db: VaultDatabase): BackupSettings {
  return read(db, SETTINGS_KEY, Settings, DEFAULT_BACKUP_SETTINGS);
}

export function writeBackupSettings(db: VaultDatabase, settings: BackupSettings): void {
  write(db, SETTINGS_KEY, Settings.parse(settings));
}

export function readBackupOutcome(db: VaultDatabase): BackupOutcome {
  return read(db, OUTCOME_KEY, Outcome, { lastGood: null, lastFailure: null });
}

export function writeBackupOutcome(db: VaultDatabase, outcome: BackupOutcome): void {
  write(db, OUTCOME_KEY, Outcome.parse(outcome));
}
