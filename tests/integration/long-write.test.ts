import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { beginLongWrite } from '../../electron/core/vault/database.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { otherConnection } from '../support/keyed-database.js';
import { DAISEY, FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

describe('an import writes through a rollback journal', () => {
  let path: string;
  let vault: VaultFile;
  let personId: number;

  beforeEach(async () => {
    path = join(tempDir(), 'vault.phrvault');
    vault = new VaultFile(path, { scrypt: FAST_SCRYPT });
    await vault.create(PASS);
    personId = addPerson(vault.db, { name: 'Daisey', relationship: 'child' }).id;
    return () => vault.lock();
  });

  it('that is encrypted like the file, and the vault is back in WAL afterwards', async () => {
    await importFhirFiles(vault.db, [DAISEY], { personId });
    const db = vault.db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const patient = JSON.parse(
      db.prepare(`SELECT raw FROM resources WHERE resource_type = 'Patient'`).pluck().get() as string,
    ) as { name: { family: string }[] };
    const family = patient.name[0]!.family;
    expect(family.length).toBeGreaterThan(3);

    const end = beginLongWrite(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    // Changing every record puts the old content of their pages into the journal, which stays
    // on disk until the transaction ends: what a crash at this moment would leave behind.
    db.exec('BEGIN IMMEDIATE');
    db.prepare(`UPDATE resources SET status = coalesce(status, '') || '.'`).run();
    const journal = readFileSync(`${path}-journal`);
    expect(journal.length).toBeGreaterThan(100_000);
    for (const plain of [family, 'resourceType', 'SQLite format 3']) {
      expect(journal.includes(Buffer.from(plain)), `"${plain}" in the journal`).toBe(false);
    }
    db.exec('ROLLBACK');
    end();

    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(existsSync(`${path}-journal`)).toBe(false);
    expect(db.prepare(`SELECT count(*) FROM resources WHERE status LIKE '%.'`).pluck().get()).toBe(0);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('ends the same way when the import fails halfway', async () => {
    await expect(
      importFhirFiles(vault.db, [DAISEY, join(tempDir(), 'missing.json')], { personId }),
    ).rejects.toThrow();
    expect(vault.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(vault.db.pragma('cache_size', { simple: true })).toBe(-65536);
    expect(vault.db.prepare('SELECT count(*) FROM resources').pluck().get()).toBe(312);
  });

  it('stays in the WAL, and still imports, while another connection has the file open', async () => {
    const other = await otherConnection(path, PASS);
    other.exec('BEGIN');
    expect(other.prepare('SELECT count(*) FROM persons').pluck().get()).toBe(1);
    try {
      await importFhirFiles(vault.db, [DAISEY], { personId });
      expect(vault.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(vault.db.prepare('SELECT count(*) FROM resources').pluck().get()).toBe(312);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
  });
});
