import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_IMPORT_BATCH,
  importFhirFiles,
  SHARED_IMPORT_BATCH,
} from '../../electron/core/exchange/import-fhir.js';
import { GroupedCommits } from '../../electron/core/vault/grouped-commits.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { writeGlucoseNdjson } from '../support/fhir-builders.js';
import { otherConnection } from '../support/keyed-database.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

describe('writes committed in groups', () => {
  let path: string;
  let vault: VaultFile;

  beforeEach(async () => {
    path = join(tempDir(), 'vault.phrvault');
    vault = new VaultFile(path, { scrypt: FAST_SCRYPT });
    await vault.create(PASS);
    vault.db.exec('CREATE TABLE notes (n INTEGER)');
    return () => vault.lock();
  });

  /** What another connection sees: only what has been committed. */
  async function committedNotes(): Promise<number[]> {
    const other = await otherConnection(path, PASS, { readonly: true });
    try {
      return other.prepare('SELECT n FROM notes ORDER BY n').pluck().all() as number[];
    } finally {
      other.close();
    }
  }

  it('commits once the pieces hold enough records, and what is open on commit()', async () => {
    const db = vault.db;
    const insert = db.prepare('INSERT INTO notes (n) VALUES (?)');
    const commits = new GroupedCommits(db, 5);
    expect(commits.write(2, () => [1, 2].forEach((n) => insert.run(n)))).toBe(false);
    expect(commits.write(2, () => [3, 4].forEach((n) => insert.run(n)))).toBe(false);
    expect(db.inTransaction).toBe(true);
    expect(await committedNotes()).toEqual([]);
    expect(commits.write(2, () => [5, 6].forEach((n) => insert.run(n)))).toBe(true);
    expect(db.inTransaction).toBe(false);
    expect(await committedNotes()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(commits.write(1, () => insert.run(7))).toBe(false);
    commits.commit();
    commits.commit();
    expect(await committedNotes()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('undoes only the piece that fails, and keeps the pieces before it', async () => {
    const db = vault.db;
    const insert = db.prepare('INSERT INTO notes (n) VALUES (?)');
    const commits = new GroupedCommits(db, 100);
    commits.write(1, () => insert.run(1));
    expect(() =>
      commits.write(2, () => {
        insert.run(2);
        throw new Error('the file ends in the middle of a record');
      }),
    ).toThrow('the file ends');
    // Written on the same connection while the group is open: it joins the group.
    db.transaction(() => insert.run(3))();
    commits.write(1, () => insert.run(4));
    commits.commit();
    expect(await committedNotes()).toEqual([1, 3, 4]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

describe('an import commits', () => {
  it(`${DEFAULT_IMPORT_BATCH.toLocaleString('en-US')} records at a time alone, ${SHARED_IMPORT_BATCH.toLocaleString('en-US')} while another connection has the vault`, async () => {
    const dir = tempDir();
    const ndjson = join(dir, 'labs.ndjson');
    const total = SHARED_IMPORT_BATCH + 5000;
    await writeGlucoseNdjson(ndjson, total);
    const path = join(dir, 'vault.phrvault');
    const vault = new VaultFile(path, { scrypt: FAST_SCRYPT });
    await vault.create(PASS);
    try {
      const alone = addPerson(vault.db, { name: 'Ada', relationship: 'self' }).id;
      const seen: number[] = [];
      const [report] = await importFhirFiles(vault.db, [ndjson], {
        personId: alone,
        onProgress: ({ committed }) => seen.push(committed),
      });
      expect(report!.added).toBe(total);
      expect(seen).toEqual([total]);

      const shared = addPerson(vault.db, { name: 'Daisey', relationship: 'child' }).id;
      const other = await otherConnection(path, PASS);
      other.prepare('SELECT count(*) FROM persons').get();
      try {
        seen.length = 0;
        await importFhirFiles(vault.db, [ndjson], {
          personId: shared,
          sourceLabel: 'Second copy',
          onProgress: ({ committed }) => seen.push(committed),
        });
        expect(seen).toEqual([SHARED_IMPORT_BATCH, total]);
        expect(other.prepare('SELECT count(*) FROM resources').pluck().get()).toBe(2 * total);
      } finally {
        other.close();
      }
    } finally {
      vault.lock();
    }
  });
});
