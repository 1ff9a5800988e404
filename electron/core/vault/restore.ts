import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { VaultError } from '../errors.js';
import { removeVaultFiles, placeRestored, unpackBackup, type BackupCounts } from './backup.js';
import type { VaultDatabase } from './database.js';
import { envelopePath } from './key-envelope.js';
import { VaultFile, type VaultFileOptions } from './vault-file.js';

export type RestoredPerson = { name: string; records: number };

export type RestoreReport = {
  /** When the backup was made. */
  backupCreatedAt: string;
  counts: BackupCounts;
  persons: RestoredPerson[];
  /** The earliest and latest dated record: "from when" the records run. */
  firstRecord: string | null;
  lastRecord: string | null;
  /** Where the vault that was there before went (kept, never deleted), or null. */
  previousVaultKeptAt: string | null;
};

/** An unpacked backup, opened once and checked, waiting beside the vault to be put in its place. */
export type PreparedRestore = {
  report: Omit<RestoreReport, 'previousVaultKeptAt'>;
  /** Moves it into place (a vault already there is kept aside); returns where that one went. */
  place(): string | null;
  /** Removes the unpacked copy: the person decided against it. */
  discard(): void;
};

/**
 * The earliest and latest dated record, each found per person at one end of the timeline index
 * (person, date) rather than by reading every record's date.
 */
function recordRange(db: VaultDatabase): { first: string | null; last: string | null } {
  const ends = db
    .prepare(
      `SELECT
         (SELECT sort_date FROM resources r WHERE r.person_id = p.id AND r.sort_date > ''
          ORDER BY r.sort_date ASC LIMIT 1) AS first,
         (SELECT sort_date FROM resources r WHERE r.person_id = p.id AND r.sort_date > ''
          ORDER BY r.sort_date DESC LIMIT 1) AS last
       FROM persons p`,
    )
    .all() as { first: string | null; last: string | null }[];
  let first: string | null = null;
  let last: string | null = null;
  for (const end of ends) {
    if (end.first !== null && (first === null || end.first < first)) first = end.first;
    if (end.last !== null && (last === null || end.last > last)) last = end.last;
  }
  return { first, last };
}

/**
 * Unpacks a backup beside `vaultPath` and opens it with `open` (the passphrase, or the recovery
 * code and a new passphrase), which proves the secret; checks it and reads whose records it holds
 * and from when. Nothing at `vaultPath` is touched until `place()`.
 */
export async function prepareRestore(
  backupPath: string,
  vaultPath: string,
  open: (vault: VaultFile) => Promise<void>,
  options: Pick<VaultFileOptions, 'scrypt' | 'onUpgrade'> = {},
): Promise<PreparedRestore> {
  // A restore may be the first thing in its folder (a new computer's data folder).
  mkdirSync(dirname(vaultPath), { recursive: true });
  const unpacked = unpackBackup(backupPath, vaultPath);
  let done = false;
  try {
    const vault = new VaultFile(unpacked.path, {
      ...(options.scrypt ? { scrypt: options.scrypt } : {}),
      ...(options.onUpgrade ? { onUpgrade: options.onUpgrade } : {}),
    });
    await open(vault);
    let report: Omit<RestoreReport, 'previousVaultKeptAt'>;
    try {
      // No quick_check of every page here: unpacking proved the database part is, byte for byte,
      // what was hashed as the backup was written (a checked vault, see writeBackup), and the
      // unlock that just succeeded proved the key opens it. The restored vault is checked again
      // at its first unlock in the app, like any vault.
      const db = vault.db;
      const persons = db
        .prepare(
          `SELECT p.name, (SELECT count(*) FROM resources r WHERE r.person_id = p.id) AS records
           FROM persons p ORDER BY p.id`,
        )
        .all() as RestoredPerson[];
      const range = recordRange(db);
      const records = persons.reduce((n, p) => n + p.records, 0);
      if (persons.length !== unpacked.backup.counts.persons || records !== unpacked.backup.counts.records)
        throw new VaultError('not-a-backup', 'The backup does not hold what it was made with.');
      report = {
        backupCreatedAt: unpacked.backup.createdAt,
        counts: unpacked.backup.counts,
        persons,
        firstRecord: range.first,
        lastRecord: range.last,
      };
    } finally {
      vault.lock();
    }
    done = true;
    return {
      report,
      place: () => placeRestored(unpacked.path, vaultPath),
      discard: () => removeVaultFiles(unpacked.path),
    };
  } finally {
    if (!done) removeVaultFiles(unpacked.path);
  }
}

/**
 * Restores a backup as the vault at `vaultPath`. `open` unlocks the unpacked copy (with the
 * passphrase, or the recovery code and a new passphrase), which proves the secret before anything
 * is replaced; the copy is then checked again and only then moved into place. A vault already at
 * `vaultPath` is refused unless `replace`, and then kept aside rather than deleted.
 */
export async function restoreBackup(
  backupPath: string,
  vaultPath: string,
  open: (vault: VaultFile) => Promise<void>,
  options: { replace: boolean } & Pick<VaultFileOptions, 'scrypt' | 'onUpgrade'>,
): Promise<RestoreReport> {
  if (!options.replace && (existsSync(vaultPath) || existsSync(envelopePath(vaultPath))))
    throw new VaultError('vault-exists');
  const prepared = await prepareRestore(backupPath, vaultPath, open, options);
  let placed = false;
  try {
    const previousVaultKeptAt = prepared.place();
    placed = true;
    return { ...prepared.report, previousVaultKeptAt };
  } finally {
    if (!placed) prepared.discard();
  }
}
