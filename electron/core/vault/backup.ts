import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { VaultError } from '../errors.js';
import { writesRefused, type VaultDatabase } from './database.js';
import { envelopePath, readEnvelope, writeEnvelope, type KeyEnvelope } from './key-envelope.js';

/**
 * One file per backup that holds all a restore needs, still encrypted end to end:
 *
 *   [the vault's SQLCipher database, as on disk] [a JSON description] [24-byte trailer]
 *
 * The database part is a byte copy of the vault file, taken while nothing can change it (below):
 * its pages stay encrypted with the data key, so the backup is as private as the vault. The JSON
 * holds the key envelope (the data key wrapped by the passphrase and by the recovery code: nothing
 * usable without one of them), when it was made, the counts it was checked against, and a SHA-256
 * of the database part, so a damaged backup is found before anything is restored from it. The
 * trailer is a fixed magic string and the JSON's length, read from the end of the file.
 *
 * Hand-written because no library packs "a SQLCipher file and its key envelope" in one file; a zip
 * or tar would add a parser for outside input to the restore path and nothing else.
 */

const MAGIC = Buffer.from('PHRVAULT-BACKUP1', 'latin1');
const TRAILER_BYTES = MAGIC.length + 8;
/** Far larger than any description written; a bigger one is not ours. */
const MAX_DESCRIPTION_BYTES = 1024 * 1024;
export const BACKUP_EXTENSION = '.phrvault-backup';

const Counts = z.object({
  persons: z.number().int().nonnegative(),
  connections: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
});
export type BackupCounts = z.infer<typeof Counts>;

const Description = z.object({
  format: z.literal('phr-vault-backup'),
  version: z.literal(1),
  createdAt: z.string(),
  appVersion: z.string(),
  databaseBytes: z.number().int().positive(),
  databaseSha256: z.string().regex(/^[0-9a-f]{64}$/),
  counts: Counts,
  envelope: z.unknown(),
});
type Description = z.infer<typeof Description>;

export type BackupWritten = { path: string; bytes: number; counts: BackupCounts; createdAt: string };

/**
 * The counts a backup is described by. `count(*)` without a WHERE walks the narrowest b-tree that
 * holds every row (for the records, an index of small columns rather than the table with its raw
 * JSON), so even a vault of a million records is counted in well under a second.
 */
function counts(db: VaultDatabase, schema = 'main'): BackupCounts {
  const count = (table: string) =>
    db.prepare(`SELECT count(*) FROM "${schema}".${table}`).pluck().get() as number;
  return { persons: count('persons'), connections: count('connections'), records: count('resources') };
}

/** Large reads and writes: a 2 GB vault in a few hundred system calls, each hashed as it passes. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Copies the file at `from` into a new file at `to` (created, never written through an existing
 * file or link) in one pass, hashing the bytes as they are read. Returns the SHA-256 of what was
 * copied and how many bytes. `to` is written but not yet fsynced.
 */
function copyHashing(from: string, to: string): { sha256: string; bytes: number } {
  const hash = createHash('sha256');
  const input = openSync(from, 'r');
  try {
    const output = openSync(to, 'wx', 0o600);
    try {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      let bytes = 0;
      for (;;) {
        const read = readSync(input, chunk, 0, chunk.length, bytes);
        if (read === 0) break;
        hash.update(chunk.subarray(0, read));
        let written = 0;
        while (written < read) written += writeSync(output, chunk, written, read - written, bytes + written);
        bytes += read;
      }
      return { sha256: hash.digest('hex'), bytes };
    } finally {
      closeSync(output);
    }
  } finally {
    closeSync(input);
  }
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncFolder(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder for fsync; rename there is already durable enough.
  }
}

/** The name a backup is written under until it is whole: hidden, and never a backup's own name. */
const partialName = (finalPath: string) =>
  join(dirname(finalPath), `.${basename(finalPath)}.${randomBytes(6).toString('hex')}.partial`);

/**
 * Half-written backups of this folder that a crash or a killed app left behind, once they have
 * not changed for `staleMs` (a backup still being written elsewhere is left alone). Only names of
 * our own making are touched.
 */
export function removeLeftoverPartials(folder: string, staleMs = 10 * 60_000): number {
  let removed = 0;
  for (const name of existsSync(folder) ? readdirSync(folder) : []) {
    if (!/^\..+\.[0-9a-f]{12}\.partial(-wal|-shm|-journal)?$/.test(name)) continue;
    const path = join(folder, name);
    if (Date.now() - statSync(path).mtimeMs < staleMs) continue;
    rmSync(path, { force: true });
    removed++;
  }
  return removed;
}

/**
 * The checkpoint empties the WAL into the file; a read transaction begun on an empty WAL then
 * reads the file alone, and SQLite lets no checkpoint (ours or another program's) write into the
 * file until it ends, so the copy taken meanwhile is one consistent state of the vault while others
 * go on committing into the WAL. Another program may commit between the two steps: then again.
 */
function withFileFrozen<T>(db: VaultDatabase, vaultPath: string, work: () => T): T {
  for (let attempt = 0; attempt < 5; attempt++) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('BEGIN');
    try {
      db.prepare('SELECT count(*) FROM persons').get();
      const wal = `${vaultPath}-wal`;
      if (!existsSync(wal) || statSync(wal).size === 0) return work();
    } finally {
      db.exec('COMMIT');
    }
  }
  throw new VaultError('vault-busy');
}

/** How far a backup has come; the benchmark times each step with it. */
export type BackupStep = 'copied' | 'opened' | 'read-back';

/**
 * Writes a backup of the open vault to `outPath` and checks it before giving it that name. Until
 * then it has a hidden `.partial` name, so a crash leaves no half backup under a backup's name,
 * and earlier backups are never touched.
 *
 * The check is that the file on disk is the vault byte for byte, and that the vault's key opens
 * it: the copy is hashed as the frozen vault is read, fsynced, read back and hashed again, and the
 * two SHA-256 must agree; then it is attached with the vault's key (so the key never leaves
 * SQLCipher) and its schema and people read. Why not decrypt every page of the copy again (a
 * quick_check, minutes for a large vault): the vault itself has had that check at unlock, and every
 * page SQLite reads since is checked against its HMAC, so the frozen bytes are a checked vault; a
 * copy with the same SHA-256 holds the same bytes, so the same check would find the same answer. A
 * vault in which damage has been found is refused: a backup of it would be no better, and keeping
 * only the last few backups would then let a good one go.
 */
export function writeBackup(
  db: VaultDatabase,
  vaultPath: string,
  outPath: string,
  appVersion: string,
  onStep?: (step: BackupStep) => void,
): BackupWritten {
  if (existsSync(outPath)) throw new VaultError('save-failed', `${basename(outPath)} already exists.`);
  if (writesRefused(db)) throw new VaultError('vault-damaged');
  const envelope = readEnvelope(vaultPath);
  removeLeftoverPartials(dirname(outPath));
  const temp = partialName(outPath);
  try {
    const { copied, expected } = withFileFrozen(db, vaultPath, () => ({
      copied: copyHashing(vaultPath, temp),
      expected: counts(db),
    }));
    // Outside the frozen read: others may commit again while the copy reaches the disk.
    fsyncFile(temp);
    onStep?.('copied');
    verifyOpens(db, temp, expected);
    onStep?.('opened');
    if (sha256Of(temp, copied.bytes) !== copied.sha256)
      throw new VaultError('save-failed', 'The backup did not read back as the vault it was made from.');
    onStep?.('read-back');
    const description: Description = {
      format: 'phr-vault-backup',
      version: 1,
      createdAt: new Date().toISOString(),
      appVersion,
      databaseBytes: copied.bytes,
      databaseSha256: copied.sha256,
      counts: expected,
      envelope,
    };
    appendDescription(temp, description);
    renameSync(temp, outPath);
    fsyncFolder(dirname(outPath));
    return {
      path: outPath,
      bytes: statSync(outPath).size,
      counts: expected,
      createdAt: description.createdAt,
    };
  } catch (error) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${temp}${suffix}`, { force: true });
    if (error instanceof VaultError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT')
      throw new VaultError('save-failed', `The backup could not be written (${code}).`, { cause: error });
    throw error;
  }
}

/**
 * The vault's key opens the copy: its schema reads at the vault's version and its people and
 * sources count as the vault's did (a few pages, each decrypted and its HMAC checked). The records
 * are not counted again: the hash shows the copy holds the very bytes they were counted in.
 */
function verifyOpens(db: VaultDatabase, copyPath: string, expected: BackupCounts): void {
  // Attached without a key of its own, the copy is opened with the vault's (SQLCipher's rule).
  db.prepare('ATTACH DATABASE ? AS backup_check').run(copyPath);
  try {
    const version = (schema: string) => db.pragma(`${schema}.user_version`, { simple: true }) as number;
    const small = (schema: string, table: string) =>
      db.prepare(`SELECT count(*) FROM "${schema}".${table}`).pluck().get() as number;
    const opens =
      version('backup_check') === version('main') &&
      small('backup_check', 'persons') === expected.persons &&
      small('backup_check', 'connections') === expected.connections;
    if (!opens)
      throw new VaultError('save-failed', 'The backup did not read back as the vault it was made from.');
  } catch (error) {
    if (error instanceof VaultError) throw error;
    throw new VaultError('save-failed', 'The backup did not read back as the vault it was made from.', {
      cause: error,
    });
  } finally {
    db.exec('DETACH DATABASE backup_check');
  }
}

function sha256Of(path: string, bytes: number): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = 0;
    while (position < bytes) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.length, bytes - position), position);
      if (read === 0) break;
      hash.update(chunk.subarray(0, read));
      position += read;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function appendDescription(path: string, description: Description): void {
  const json = Buffer.from(JSON.stringify(description), 'utf8');
  const trailer = Buffer.alloc(TRAILER_BYTES);
  MAGIC.copy(trailer, 0);
  trailer.writeBigUInt64BE(BigInt(json.length), MAGIC.length);
  const fd = openSync(path, 'r+');
  try {
    const end = fstatSync(fd).size;
    writeSync(fd, json, 0, json.length, end);
    writeSync(fd, trailer, 0, trailer.length, end + json.length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type BackupFile = {
  createdAt: string;
  appVersion: string;
  databaseBytes: number;
  counts: BackupCounts;
  envelope: KeyEnvelope;
};

const notABackup = (why: string) => new VaultError('not-a-backup', why);

/** Reads a backup's description, refusing anything that is not a whole backup of ours. */
export function readBackup(path: string): BackupFile & { databaseSha256: string } {
  if (!existsSync(path)) throw notABackup(`There is no file at ${path}.`);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < TRAILER_BYTES) throw notABackup(`${basename(path)} is not a PHR Vault backup.`);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    readSync(fd, trailer, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    if (!trailer.subarray(0, MAGIC.length).equals(MAGIC))
      throw notABackup(`${basename(path)} is not a PHR Vault backup, or its end is missing.`);
    const length = Number(trailer.readBigUInt64BE(MAGIC.length));
    if (length <= 0 || length > MAX_DESCRIPTION_BYTES || length > size - TRAILER_BYTES)
      throw notABackup(`${basename(path)} is damaged.`);
    const json = Buffer.alloc(length);
    readSync(fd, json, 0, length, size - TRAILER_BYTES - length);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json.toString('utf8'));
    } catch {
      throw notABackup(`${basename(path)} is damaged.`);
    }
    const description = Description.safeParse(parsed);
    if (!description.success) throw notABackup(`${basename(path)} is damaged or from a newer PHR Vault.`);
    const d = description.data;
    if (d.databaseBytes !== size - TRAILER_BYTES - length)
      throw notABackup(`${basename(path)} is incomplete or damaged.`);
    return {
      createdAt: d.createdAt,
      appVersion: d.appVersion,
      databaseBytes: d.databaseBytes,
      databaseSha256: d.databaseSha256,
      counts: d.counts,
      envelope: d.envelope as KeyEnvelope,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * Unpacks a backup beside `vaultPath` under temporary names (the database part and its key file)
 * and returns where; the caller opens it with the passphrase or the recovery code, which proves
 * both, then moves it into place (`placeRestored`). The database part must hash as it did when the
 * backup was written, so a damaged backup is refused before anything is replaced.
 */
export function unpackBackup(backupPath: string, vaultPath: string): { path: string; backup: BackupFile } {
  const backup = readBackup(backupPath);
  const temp = `${vaultPath}.restoring-${randomBytes(6).toString('hex')}`;
  const input = openSync(backupPath, 'r');
  // 'wx': created new, never through an existing file or link.
  const output = openSync(temp, 'wx', 0o600);
  const hash = createHash('sha256');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = 0;
    while (position < backup.databaseBytes) {
      const read = readSync(
        input,
        chunk,
        0,
        Math.min(chunk.length, backup.databaseBytes - position),
        position,
      );
      if (read === 0) break;
      hash.update(chunk.subarray(0, read));
      writeSync(output, chunk, 0, read);
      position += read;
    }
    fsyncSync(output);
  } catch (error) {
    closeSync(output);
    rmSync(temp, { force: true });
    throw error;
  } finally {
    closeSync(input);
  }
  closeSync(output);
  if (hash.digest('hex') !== backup.databaseSha256) {
    rmSync(temp, { force: true });
    throw notABackup(`${basename(backupPath)} is damaged: its records do not read back as written.`);
  }
  writeEnvelope(temp, backup.envelope);
  return { path: temp, backup };
}

const VAULT_SUFFIXES = ['', '-wal', '-shm', '-journal'];

export function removeVaultFiles(path: string): void {
  for (const suffix of VAULT_SUFFIXES) rmSync(`${path}${suffix}`, { force: true });
  rmSync(envelopePath(path), { force: true });
}

/**
 * Moves an unpacked, opened and closed restore into place. A vault already there is kept aside,
 * renamed with the time (never deleted): the user removes it once the restored one is as they
 * expect. Returns where the previous vault went, if there was one.
 */
export function placeRestored(restoredPath: string, vaultPath: string): string | null {
  let asidePath: string | null = null;
  if (existsSync(vaultPath) || existsSync(envelopePath(vaultPath))) {
    asidePath = `${vaultPath}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of VAULT_SUFFIXES)
      if (existsSync(`${vaultPath}${suffix}`)) renameSync(`${vaultPath}${suffix}`, `${asidePath}${suffix}`);
    if (existsSync(envelopePath(vaultPath))) renameSync(envelopePath(vaultPath), envelopePath(asidePath));
  }
  renameSync(envelopePath(restoredPath), envelopePath(vaultPath));
  renameSync(restoredPath, vaultPath);
  fsyncFolder(dirname(vaultPath));
  return asidePath;
}
