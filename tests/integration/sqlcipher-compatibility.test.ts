import Database from 'better-sqlite3-multiple-ciphers';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { vaultDataKey } from '../support/keyed-database.js';
import { DAISEY, FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

type SqlcipherDb = {
  serialize(fn: () => void): void;
  run(sql: string, cb?: (err: Error | null) => void): void;
  all(sql: string, cb: (err: Error | null, rows: Record<string, unknown>[]) => void): void;
  close(cb?: () => void): void;
};
// Zetetic's own SQLCipher 4, built from source: the reference the vault's format must match.
const sqlcipher = createRequire(import.meta.url)('@journeyapps/sqlcipher') as {
  Database: new (path: string, cb?: (err: Error | null) => void) => SqlcipherDb;
};

const PASS = 'correct horse battery';

function queryWithSqlcipher(
  path: string,
  keyPragma: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlcipher.Database(path, (err) => err && reject(err));
    db.serialize(() => {
      db.run('PRAGMA cipher_compatibility = 4');
      db.run(keyPragma);
      db.all(sql, (err, rows) => {
        db.close();
        if (err) reject(err);
        else resolve(rows);
      });
    });
  });
}

describe('the vault file is standard SQLCipher 4', () => {
  let path: string;
  let dataKeyHex: string;

  beforeAll(async () => {
    path = join(tempDir(), 'vault.phrvault');
    const vault = new VaultFile(path, { scrypt: FAST_SCRYPT });
    await vault.create(PASS);
    const person = addPerson(vault.db, { name: 'Daisey', relationship: 'child' });
    await importFhirFiles(vault.db, [DAISEY], { personId: person.id });
    vault.lock();
    dataKeyHex = (await vaultDataKey(path, PASS)).toString('hex');
  });

  it('opens in Zetetic’s SQLCipher with the data key and reads the records', async () => {
    const rows = await queryWithSqlcipher(
      path,
      `PRAGMA key = "x'${dataKeyHex}'"`,
      `SELECT p.name, count(r.id) AS n FROM persons p JOIN resources r ON r.person_id = p.id GROUP BY p.id`,
    );
    expect(rows).toEqual([{ name: 'Daisey', n: 312 }]);
    const integrity = await queryWithSqlcipher(
      path,
      `PRAGMA key = "x'${dataKeyHex}'"`,
      'PRAGMA cipher_integrity_check',
    );
    expect(integrity).toEqual([]);
  });

  it('does not open in SQLCipher with a wrong key', async () => {
    await expect(
      queryWithSqlcipher(path, `PRAGMA key = "x'${'00'.repeat(32)}'"`, 'SELECT count(*) FROM sqlite_master'),
    ).rejects.toThrow(/file is not a database/);
    await expect(
      queryWithSqlcipher(path, `PRAGMA key = '${PASS}'`, 'SELECT count(*) FROM sqlite_master'),
    ).rejects.toThrow(/file is not a database/);
  });

  it('does not open as a plain SQLite database', () => {
    const plain = new Database(path, { readonly: true, fileMustExist: true });
    expect(() => plain.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(/file is not a database/);
    plain.close();
    const cli = spawnSync('sqlite3', [path, 'SELECT count(*) FROM sqlite_master;'], { encoding: 'utf8' });
    if (cli.error) {
      console.warn('sqlite3 command line not installed; checked with the library only');
      return;
    }
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toMatch(/file is not a database/);
  });
});
