import { describe, expect, it } from 'vitest';
import { migrate } from '../../electron/core/vault/migrations/index.js';
import { vaultAtVersion } from '../support/vault-at-version.js';

describe('migration 9: SMART Health Cards and issuers’ fetched keys', () => {
  it('adds the tables, one card per source, each card once per person, and only the four answers', () => {
    const db = vaultAtVersion(7, [
      { kind: 'import', label: 'Health card from State of California, Jun 1, 2021' },
      { kind: 'import', label: 'Health card from State of California, Jun 2, 2021' },
    ]);

    migrate(db, 9);
    expect(db.pragma('user_version', { simple: true })).toBe(9);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const card =
      db.prepare(`INSERT INTO health_cards (person_id, connection_id, jws, jws_hash, iss, issuer, status,
      reason, issued_at, verified_at) VALUES (1, ?, 'a.b.c', ?, 'https://x', 'X', ?, 'why', NULL, 'now')`);
    card.run(1, 'h1', 'verified');
    expect(() => card.run(2, 'h1', 'verified')).toThrow(/UNIQUE/);
    expect(() => card.run(1, 'h2', 'verified')).toThrow(/UNIQUE/);
    expect(() => card.run(2, 'h2', 'trusted')).toThrow(/CHECK constraint/);
    card.run(2, 'h2', 'revoked');
    db.prepare(
      `INSERT INTO health_card_issuer_keys (iss, keys, fetched_at) VALUES ('https://x', '[]', 'now')`,
    ).run();
    // Removing a card's source (Remove… on the Connections tab) removes the card with it.
    db.prepare('DELETE FROM connections WHERE id = 1').run();
    expect(db.prepare('SELECT status FROM health_cards').pluck().all()).toEqual(['revoked']);
    db.close();
  });
});
