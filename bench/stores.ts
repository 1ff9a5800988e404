import Database from 'better-sqlite3-multiple-ciphers';
import { createHash } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import {
  applyKey,
  configure,
  isPlaintextSqlite,
  openVaultDatabase,
  type VaultDatabase,
} from '../electron/core/vault/database.js';
import { migrate } from '../electron/core/vault/migrations/index.js';

import type { Variant } from './variants.js';

export type { Variant };

/**
 * Not a secret: the data is synthetic, and a fixed key lets a kept benchmark vault be reopened
 * later to look into a slow query.
 */
export const BENCH_KEY = createHash('sha256').update('phr-vault benchmark key').digest();

function applyVaultPragmas(db: VaultDatabase): void {
  configure(db);
}

function applyVaultKey(db: VaultDatabase): void {
  applyKey(db, BENCH_KEY);
}

export function openStore(variant: Variant, path: string, mode: 'create' | 'open'): VaultDatabase {
  if (variant === 'encrypted') return openVaultDatabase(path, BENCH_KEY, mode);
  const db = new Database(path, { fileMustExist: mode === 'open' }) as VaultDatabase;
  if (variant === 'bare-encrypted') applyVaultKey(db);
  applyVaultPragmas(db);
  if (variant === 'unencrypted') {
    migrate(db);
  } else if (mode === 'create') {
    db.exec('CREATE TABLE r(id INTEGER PRIMARY KEY, json TEXT)');
  }
  return db;
}

/** Both encrypted and plain stores must be what they claim, or the ratios mean nothing. */
export function checkStore(variant: Variant, db: VaultDatabase, path: string): void {
  const plaintext = isPlaintextSqlite(path);
  const encrypted = variant === 'encrypted' || variant === 'bare-encrypted';
  if (encrypted && plaintext) throw new Error(`the ${variant} benchmark database was written in plaintext`);
  if (!encrypted && !plaintext) throw new Error(`the ${variant} benchmark database is not plain SQLite`);
  const mode = db.pragma('journal_mode', { simple: true });
  const sync = db.pragma('synchronous', { simple: true });
  if (mode !== 'wal' || sync !== 2)
    throw new Error(`${variant}: expected WAL and synchronous=FULL, got ${mode}/${sync}`);
}

export function fileSizes(path: string): { dbBytes: number; walBytes: number } {
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  return { dbBytes: size(path), walBytes: size(`${path}-wal`) };
}

export function removeStore(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
}
