import Database from 'better-sqlite3-multiple-ciphers';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { envelopePath, readEnvelope } from '../../electron/core/vault/key-envelope.js';
import { LATEST_SCHEMA_VERSION } from '../../electron/core/vault/migrations/index.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { CATALINA, FAST_SCRYPT, GEOFFREY, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

function fingerprint(path: string): string {
  const hash = createHash('sha256');
  for (const file of [path, `${path}-wal`, envelopePath(path)]) {
    hash.update(file).update(existsSync(file) ? readFileSync(file) : 'absent');
  }
  return hash.digest('hex');
}

async function expectKind(promise: Promise<unknown> | (() => unknown), kind: string): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(isVaultError(error) ? error.kind : error).toBe(kind);
    return;
  }
  throw new Error(`expected a ${kind} error`);
}

async function newVault(): Promise<{ vault: VaultFile; path: string; code: string }> {
  const path = join(tempDir(), 'vault.phrvault');
  const vault = new VaultFile(path, { scrypt: FAST_SCRYPT });
  const code = await vault.create(PASS);
  return { vault, path, code };
}

describe('the vault file', () => {
  it('is absent, then created unlocked, then locked and unlocked again', async () => {
    const path = join(tempDir(), 'vault.phrvault');
    const vault = new VaultFile(path, { scrypt: FAST_SCRYPT });
    expect(vault.state).toBe('absent');
    await vault.create(PASS);
    expect(vault.state).toBe('unlocked');
    addPerson(vault.db, { name: 'Ada', relationship: 'self' });
    vault.lock();
    expect(vault.state).toBe('locked');
    await expectKind(() => vault.db, 'vault-locked');
    await vault.unlock(PASS);
    expect(vault.db.prepare('SELECT name FROM persons').pluck().all()).toEqual(['Ada']);
    vault.lock();
  });

  it('asserts its pragmas and schema version on every open', async () => {
    const { vault } = await newVault();
    const db = vault.db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('cipher', { simple: true })).toBe('sqlcipher');
    vault.lock();
  });

  it('writes no plaintext: no SQLite header and no patient name in the bytes', async () => {
    const { vault, path } = await newVault();
    const person = addPerson(vault.db, { name: 'Catalina', relationship: 'self' });
    await importFhirFiles(vault.db, [CATALINA], { personId: person.id });
    // Before checkpoint the records sit in the WAL; it must be encrypted too.
    const walBytes = readFileSync(`${path}-wal`);
    expect(walBytes.length).toBeGreaterThan(0);
    vault.lock();
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    for (const haystack of [bytes, walBytes, readFileSync(envelopePath(path))]) {
      for (const needle of ['Catalina', 'Cantú', 'Cant', 'Observation', 'loinc']) {
        expect(haystack.includes(Buffer.from(needle, 'utf8'))).toBe(false);
      }
    }
  });

  it('refuses a wrong passphrase and changes nothing', async () => {
    const { vault, path } = await newVault();
    vault.lock();
    const before = fingerprint(path);
    await expectKind(vault.unlock('not the passphrase'), 'wrong-passphrase');
    await expectKind(vault.changePassphrase('not the passphrase', 'another passphrase'), 'wrong-passphrase');
    expect(vault.state).toBe('locked');
    expect(fingerprint(path)).toBe(before);
    await vault.unlock(PASS);
    vault.lock();
  });

  it('changes the passphrase by rewrapping the key, without rewriting the database', async () => {
    const { vault, path } = await newVault();
    vault.lock();
    const dbBytes = readFileSync(path);
    const envelopeBefore = readEnvelope(path);
    await vault.changePassphrase(PASS, 'a brand new passphrase');
    expect(readFileSync(path).equals(dbBytes)).toBe(true);
    const envelopeAfter = readEnvelope(path);
    expect(envelopeAfter.wraps.passphrase.kdf.salt).not.toBe(envelopeBefore.wraps.passphrase.kdf.salt);
    expect(envelopeAfter.wraps.recovery).toEqual(envelopeBefore.wraps.recovery);
    await expectKind(vault.unlock(PASS), 'wrong-passphrase');
    await vault.unlock('a brand new passphrase');
    vault.lock();
  });

  it('unlocks with the recovery code and sets a new passphrase; the code keeps working', async () => {
    const { vault, code } = await newVault();
    vault.lock();
    await expectKind(
      vault.recover('0000-0000-0000-0000-0000-0000-0000-0000', 'new passphrase 1'),
      'wrong-recovery-code',
    );
    await expectKind(vault.recover('not a code', 'new passphrase 1'), 'wrong-recovery-code');
    await expectKind(vault.recover(code, 'short'), 'weak-passphrase');
    await vault.recover(code.toLowerCase(), 'new passphrase 1');
    expect(vault.state).toBe('unlocked');
    vault.lock();
    await expectKind(vault.unlock(PASS), 'wrong-passphrase');
    await vault.unlock('new passphrase 1');
    vault.lock();
    await vault.recover(code, 'new passphrase 2');
    vault.lock();
    await vault.unlock('new passphrase 2');
    vault.lock();
  });

  it('refuses a weak passphrase and an existing vault at creation', async () => {
    const path = join(tempDir(), 'vault.phrvault');
    await expectKind(new VaultFile(path).create('1234567'), 'weak-passphrase');
    expect(existsSync(path)).toBe(false);
    const { path: existing } = await newVault();
    await expectKind(new VaultFile(existing, { scrypt: FAST_SCRYPT }).create(PASS), 'vault-exists');
  });

  it('leaves a file that is not a vault exactly as it was', async () => {
    const dir = tempDir();
    const plain = join(dir, 'plain.db');
    const db = new Database(plain);
    db.exec('CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES (1)');
    db.close();
    const { path: real } = await newVault();
    writeFileSync(envelopePath(plain), readFileSync(envelopePath(real)));
    const before = fingerprint(plain);
    await expectKind(new VaultFile(plain, { scrypt: FAST_SCRYPT }).unlock(PASS), 'not-a-vault');
    expect(fingerprint(plain)).toBe(before);

    const noEnvelope = join(dir, 'lonely.phrvault');
    writeFileSync(noEnvelope, readFileSync(real));
    await expectKind(new VaultFile(noEnvelope).unlock(PASS), 'not-a-vault');
  });

  it('reports a damaged vault file and leaves it untouched', async () => {
    const { vault, path } = await newVault();
    vault.lock();
    const bytes = readFileSync(path);
    bytes.fill(0x5a, 0, 4096); // the first page: salt and schema
    writeFileSync(path, bytes);
    const before = fingerprint(path);
    await expectKind(vault.unlock(PASS), 'vault-damaged');
    expect(fingerprint(path)).toBe(before);

    writeFileSync(envelopePath(path), '{ not json');
    await expectKind(vault.unlock(PASS), 'key-file-damaged');

    const empty = join(tempDir(), 'empty.phrvault');
    writeFileSync(empty, '');
    writeFileSync(envelopePath(empty), readFileSync(envelopePath((await newVault()).path)));
    await expectKind(new VaultFile(empty).unlock(PASS), 'vault-damaged');
  });

  it('refuses a vault whose key file comes from a newer app', async () => {
    const { vault, path } = await newVault();
    vault.lock();
    const envelope = JSON.parse(readFileSync(envelopePath(path), 'utf8')) as { version: number };
    envelope.version = 2;
    writeFileSync(envelopePath(path), JSON.stringify(envelope));
    await expectKind(vault.unlock(PASS), 'vault-from-future');
  });

  it('keeps the envelope private to the user', async () => {
    const { vault, path } = await newVault();
    vault.lock();
    if (process.platform !== 'win32') {
      const { statSync } = await import('node:fs');
      expect(statSync(envelopePath(path)).mode & 0o077).toBe(0);
    }
  });

  it('imports a fixture patient into a person', async () => {
    const { vault } = await newVault();
    const person = addPerson(vault.db, { name: 'Geoffrey', relationship: 'parent' });
    const [report] = await importFhirFiles(vault.db, [GEOFFREY], { personId: person.id });
    expect(report).toMatchObject({ added: 109, updated: 0, unchanged: 0 });
    vault.lock();
  });
});
