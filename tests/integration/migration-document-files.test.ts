import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listAttachments } from '../../electron/core/records/attachments.js';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { keyedDatabase } from '../support/keyed-database.js';
import { tempDir } from '../support/temp-dir.js';

describe('migration 7: documents’ file bound per connection, and why a file was not downloaded', () => {
  it('marks files left out for their size, and leaves the rest as they were', () => {
    const db = keyedDatabase(join(tempDir(), 'v7.db'), newDataKey());
    db.pragma('foreign_keys = ON');
    migrate(db, 6);
    const document = JSON.stringify({
      resourceType: 'DocumentReference',
      id: 'd1',
      content: ['Binary/big', 'Binary/far', 'Binary/here'].map((url) => ({
        attachment: { url, contentType: 'application/pdf' },
      })),
    });
    db.exec(`INSERT INTO persons (id, name, created_at) VALUES (1, 'Ada', 'now');
      INSERT INTO connections (id, person_id, kind, label, created_at) VALUES (1, 1, 'smart', 'Clinic', 'now');
      INSERT INTO resources (id, person_id, connection_id, resource_type, server_id, fhir_version, category,
        display, content_hash, raw, first_seen_at, updated_at, source_key)
      VALUES (5, 1, 1, 'DocumentReference', 'd1', 'R4', 'documents', 'Letter', 'h', '${document}', 'now', 'now', 1);
      INSERT INTO attachments (resource_id, url, size, data, fetched_at) VALUES
        (5, 'Binary/big', 30000000, NULL, 'then'), (5, 'Binary/far', 1000, NULL, 'then'), (5, 'Binary/here', 2, x'6869', 'then');`);

    migrate(db, 7);
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT url, skipped, failures FROM attachments ORDER BY url').all()).toEqual([
      { url: 'Binary/big', skipped: 'too-large', failures: 0 },
      { url: 'Binary/far', skipped: null, failures: 0 },
      { url: 'Binary/here', skipped: null, failures: 0 },
    ]);
    expect(db.prepare('SELECT document_max_bytes FROM connections').pluck().get()).toBeNull();
    expect(() =>
      db.prepare(`UPDATE attachments SET skipped = 'lost' WHERE url = 'Binary/far'`).run(),
    ).toThrow(/CHECK constraint/);

    // An older row with no bytes and no reason is not promised to the next sync, which would not fetch it.
    const listed = listAttachments(db, 5);
    expect(listed.map((a) => (a.where.kind === 'missing' ? a.where.reason : a.where.kind))).toEqual([
      'It was not downloaded: it is larger than the limit of 20 MB, the largest PHR Vault shows.',
      'It could not be downloaded from the health system’s server.',
      'stored',
    ]);
    db.close();
  });
});
