import type { Transaction } from 'better-sqlite3-multiple-ciphers';
import type { VaultDatabase } from './database.js';

/**
 * Writes handed over a piece at a time and committed together, once they hold `recordsPerCommit`
 * records: for a long run of writes such as an import.
 *
 * Why: a commit writes every page its records touched, encrypted, to the journal and to the file.
 * Records arrive in no index order (dates, hashed server ids), so even a few thousand of them touch
 * most pages of each index, and at a million records an import of 20,000 a commit spent more time
 * rewriting the same index pages than adding records. Fewer, bigger commits rewrite them less often.
 * The pieces stay small so that memory holds one piece, not a whole commit.
 *
 * Each piece runs as a savepoint: if it throws, its own writes are undone and `commit()` keeps the
 * pieces before it. Between pieces the transaction stays open (across awaits, while the next piece
 * is read): anything else written on this connection meanwhile joins it and commits with it.
 */
export class GroupedCommits {
  private readonly piece: Transaction<(work: () => void) => void>;
  private open = false;
  private pending = 0;
  private recordsCommitted = 0;

  constructor(
    private readonly db: VaultDatabase,
    private readonly recordsPerCommit: number,
  ) {
    this.piece = db.transaction((work: () => void) => work());
  }

  /** Records committed so far, through this. */
  get committed(): number {
    return this.recordsCommitted;
  }

  /** Runs `work`, which writes `records` records; true when this committed them and all before. */
  write(records: number, work: () => void): boolean {
    if (!this.open || !this.db.inTransaction) {
      this.db.exec('BEGIN IMMEDIATE');
      this.open = true;
      this.pending = 0;
    }
    this.piece(work);
    this.pending += records;
    if (this.pending < this.recordsPerCommit) return false;
    this.commit();
    return true;
  }

  /** Commits what is open, if anything; when the commit itself fails, nothing of it is kept. */
  commit(): void {
    if (!this.open) return;
    const records = this.pending;
    this.open = false;
    this.pending = 0;
    if (!this.db.inTransaction) return;
    try {
      this.db.exec('COMMIT');
      this.recordsCommitted += records;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }
}
