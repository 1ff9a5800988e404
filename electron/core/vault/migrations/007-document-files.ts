import type { Migration } from './index.js';

/**
 * Documents' files: how large a file each connection downloads, and why a file was not.
 *
 * - `connections.document_max_bytes`: null for the default (20 MB, all PHR Vault shows), 0 to list
 *   files without downloading them. Set per connection, as its sync schedule is.
 * - `attachments.skipped`: why a row holds no bytes. 'too-large' (over the connection's bound when
 *   it was checked) is tried again once the bound allows it; 'failed' (the server erred) by the
 *   next runs; 'elsewhere' (at an address outside the FHIR server: the sign-in is never sent
 *   there) and 'gone' (404, 410) are not.
 * - `attachments.failures`: how many runs in a row a file's download failed, so one a server always
 *   fails on is asked for by every run only a few times, then once a week, not forever. Until now such rows said nothing, so a file at another site read
 *   "not downloaded yet" though no sync would fetch it, and a failed download left no row, so an
 *   incremental run, which does not bring the document again, never tried it again. Rows written
 *   before this that are over the old fixed bound were skipped for their size.
 */
export const documentFiles: Migration = {
  version: 7,
  name: 'documents’ file size bound per connection; why a file was not downloaded',
  up(db) {
    db.exec(`
      ALTER TABLE connections ADD COLUMN document_max_bytes INTEGER;
      ALTER TABLE attachments ADD COLUMN skipped TEXT CHECK (skipped IN ('too-large', 'failed', 'elsewhere', 'gone'));
      ALTER TABLE attachments ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
      UPDATE attachments SET skipped = 'too-large' WHERE data IS NULL AND size > 20971520;
    `);
  },
};
