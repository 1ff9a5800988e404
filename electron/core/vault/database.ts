import Database from 'better-sqlite3-multiple-ciphers';
import { chmodSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { VaultError } from '../errors.js';
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations/index.js';

declare const readable: unique symbol;
declare const writable: unique symbol;

/**
 * A connection that may only read (the app's read worker opens one with `query_only`). Branded as
 * Signal Desktop's `ReadableDB` is: a function that writes takes a `WritableDB`, so handing it a
 * read handle does not compile, and the pragma refuses at run time what slips through.
 */
export type ReadableDB = Database.Database & { readonly [readable]: true };
/** The one connection that writes: it can do everything a read handle can. */
export type WritableDB = ReadableDB & { readonly [writable]: true };
export type VaultDatabase = WritableDB;

const PLAIN_SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** The first 16 bytes of a file: a plaintext SQLite database always starts with its magic string. */
function fileHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const read = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

export function isPlaintextSqlite(path: string): boolean {
  return fileHeader(path).equals(PLAIN_SQLITE_HEADER);
}

const PRIVATE_FILE_MODE = 0o600;

/**
 * Narrows a vault made by an earlier version (0644) and the files SQLite keeps beside it to the
 * user alone; the mode of those follows the vault's from now on. Windows has no such modes (the
 * profile's ACL does that job) and a file on a disk without them is left as it is.
 */
function keepPrivate(path: string): void {
  if (process.platform === 'win32') return;
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
    } catch {
      // Absent (no WAL yet), or a file system that keeps no modes.
    }
  }
}

/**
 * Keys a connection the way SQLCipher 4 does, so the file opens in Zetetic's own SQLCipher with the
 * same raw key: the library's default cipher (chacha20) would not. The raw key form `x'…'` skips
 * SQLCipher's per-open PBKDF2: the key is already random, and unlock stays fast.
 */
export function applyKey(db: Database.Database, dataKey: Buffer): void {
  db.pragma(`cipher='sqlcipher'`);
  db.pragma('legacy=4');
  // Interpolating is safe here: the value is always 64 hex digits made from our own Buffer.
  db.pragma(`key="x'${dataKey.toString('hex')}'"`);
}

function expectPragma(db: Database.Database, name: string, expected: string | number): void {
  const actual = db.pragma(name, { simple: true });
  if (String(actual).toLowerCase() !== String(expected)) {
    throw new Error(`vault pragma ${name} is ${String(actual)}, expected ${expected}`);
  }
}

const USUAL_CACHE_KIB = 65536;
const LONG_WRITE_CACHE_KIB = 262144;

/** The connection settings every vault runs with; exported so the benchmark measures the same. */
export function configure(db: VaultDatabase): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON');
  // Temporary tables and sort spills stay in memory so no plaintext scratch file touches the disk.
  db.pragma('temp_store = MEMORY');
  db.pragma('busy_timeout = 5000');
  // Checkpoint every ~40 MB of WAL rather than 4 MB: a page written by several commits between
  // checkpoints is decrypted and re-encrypted into the database once instead of each time.
  db.pragma('wal_autocheckpoint = 10000');
  // 64 MiB of page cache instead of SQLite's 2 MiB. In an encrypted vault every cache miss is a
  // read plus an HMAC check and a decryption; a large import inserts into indexes in random order
  // (server ids, dates), which with 2 MiB misses on almost every record once they outgrow it.
  // The cache is filled only as pages are used, and freed when the vault locks.
  db.pragma(`cache_size = -${USUAL_CACHE_KIB}`);
  db.pragma('journal_size_limit = 67108864');
  expectPragma(db, 'journal_mode', 'wal');
  expectPragma(db, 'synchronous', 2);
  expectPragma(db, 'foreign_keys', 1);
  expectPragma(db, 'secure_delete', 1);
  expectPragma(db, 'cache_size', -USUAL_CACHE_KIB);
}

/**
 * Settings for a long run of large transactions (an import), until the returned function is
 * called: a rollback journal instead of the WAL, and a 256 MiB page cache.
 *
 * In an encrypted vault every page goes through the cipher (AES-256 and an HMAC-SHA512 of the
 * page) once per write. With the WAL a new page is encrypted three times: into the WAL, out of it
 * at the checkpoint and into the file. With a rollback journal a page added at the end of the file
 * is written once, and a changed page twice (its old content into the journal, the new into the
 * file); an import mostly adds pages. The journal is encrypted like the file, and with
 * synchronous=FULL a commit is as durable as in the WAL: a crash mid-transaction leaves a journal
 * that the next open rolls back. The bigger cache keeps the index pages an import rewrites batch
 * after batch from being read back and decrypted. bench/ shows the difference (results.md, "Ingest").
 *
 * Switching needs the only connection to the file; when another process has it open the run stays
 * in the WAL, only slower. Ending puts the WAL and the usual cache back (twice is harmless); a run
 * that overlaps another and outlasts it finishes in the WAL, only slower.
 */
export function beginLongWrite(db: VaultDatabase): () => void {
  try {
    db.pragma('journal_mode = DELETE');
  } catch {
    // Another connection holds the file: the WAL stays.
  }
  db.pragma(`cache_size = -${LONG_WRITE_CACHE_KIB}`);
  return () => {
    if (!db.open) return;
    db.pragma(`cache_size = -${USUAL_CACHE_KIB}`);
    // The mode cannot change inside a transaction; left so, the next open puts the WAL back.
    if (db.inTransaction) return;
    db.pragma('journal_mode = WAL');
    expectPragma(db, 'journal_mode', 'wal');
    // Read the schema once now: after the switch, a checkpoint (as locking does) as the next
    // statement failed with "database table is locked" in a vault whose records table had been
    // rebuilt (migration 6); any statement that reads the schema first avoids it.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  };
}

/**
 * SQLite's words for a file that is not what it wrote: a page whose HMAC fails in SQLCipher, a
 * truncated file, a broken b-tree (SQLITE_CORRUPT and its extended codes, SQLITE_NOTADB).
 */
export function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

/**
 * From now on this connection reads only: writing into a damaged file can spread the damage (a
 * b-tree rebalanced over a bad page), and the file as it is may be all there is to rescue from.
 */
export function refuseWrites(db: VaultDatabase): void {
  db.pragma('query_only = ON');
}

export function writesRefused(db: VaultDatabase): boolean {
  return Number(db.pragma('query_only', { simple: true })) === 1;
}

/**
 * SQLite's quick check (every page read, so every page's HMAC verified, and the b-trees' shape;
 * not the slower index-against-table comparison of integrity_check). Damage found makes the
 * connection read-only; returns whether the file is whole.
 */
export function checkIntact(db: VaultDatabase): boolean {
  let intact: boolean;
  try {
    intact = db.pragma('quick_check(1)', { simple: true }) === 'ok';
  } catch (error) {
    if (!isDamage(error)) throw error;
    intact = false;
  }
  if (!intact) refuseWrites(db);
  return intact;
}

/** Before a large write (an import): refuses, in the user's words, a file that is damaged. */
export function ensureIntact(db: VaultDatabase): void {
  if (writesRefused(db) || !checkIntact(db)) throw new VaultError('vault-damaged');
}

/**
 * Opens (or creates) the encrypted vault database and brings its schema up to date. `onUpgrade` is
 * told first when an existing file has to be brought up to date (a rebuild can take minutes).
 */
export function openVaultDatabase(
  path: string,
  dataKey: Buffer,
  mode: 'create' | 'open',
  onUpgrade?: (from: number, to: number) => void,
): VaultDatabase {
  if (mode === 'open') {
    if (!existsSync(path)) throw new VaultError('vault-missing');
    if (statSync(path).size === 0) throw new VaultError('vault-damaged', 'The file is empty.');
    if (isPlaintextSqlite(path))
      throw new VaultError('not-a-vault', 'The file is an ordinary, unencrypted database.');
  } else if (existsSync(path)) {
    throw new VaultError('vault-exists');
  } else {
    // SQLite would create the file 0644 (less the umask), and gives its WAL, shared-memory file and
    // journal the mode of the database: made here first, 0600, all of them are the user's alone.
    closeSync(openSync(path, 'wx', PRIVATE_FILE_MODE));
  }
  keepPrivate(path);

  let db: VaultDatabase;
  try {
    db = new Database(path, { fileMustExist: mode === 'open' }) as VaultDatabase;
  } catch (error) {
    throw new VaultError('vault-damaged', undefined, { cause: error });
  }
  try {
    applyKey(db, dataKey);
    // The first read proves the key; nothing has been written to the file before this point.
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (isDamage(error)) {
        throw new VaultError('vault-damaged', undefined, { cause: error });
      }
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') throw new VaultError('vault-busy');
      throw error;
    }
    const version = schemaVersion(db);
    if (version > LATEST_SCHEMA_VERSION) throw new VaultError('vault-from-future');
    configure(db);
    if (mode === 'open' && version < LATEST_SCHEMA_VERSION) onUpgrade?.(version, LATEST_SCHEMA_VERSION);
    migrate(db);
    if (mode === 'create') {
      db.pragma('wal_checkpoint(TRUNCATE)');
      if (isPlaintextSqlite(path)) throw new Error('vault file was written without encryption');
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * A second connection to an unlocked vault that only reads: the timeline, the Summary and trends
 * read through it while the writer imports or syncs. In the WAL a reader sees the last commit and
 * never waits for the writer, nor the writer for it. The writer has already brought the schema up
 * to date; a reader of another version refuses rather than read columns it does not know.
 */
export function openReadConnection(path: string, dataKey: Buffer): ReadableDB {
  const db = new Database(path, { fileMustExist: true }) as ReadableDB;
  try {
    applyKey(db, dataKey);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (schemaVersion(db) !== LATEST_SCHEMA_VERSION) throw new VaultError('vault-busy');
    db.pragma('query_only = ON');
    db.pragma('temp_store = MEMORY');
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = -${USUAL_CACHE_KIB}`);
    expectPragma(db, 'query_only', 1);
    expectPragma(db, 'journal_mode', 'wal');
    return db;
  } catch (error) {
    db.close();
    throw error;
  } finally {
    dataKey.fill(0);
  }
}
