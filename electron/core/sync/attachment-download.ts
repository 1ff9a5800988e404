import { isVaultError } from '../errors.js';
import { FILE_RESTING_DAYS, FILE_TRIES_IN_A_ROW } from '../records/attachments.js';
import type { Json } from '../records/fhir-values.js';
import type { VaultDatabase } from '../vault/database.js';
import { sourceKey } from '../vault/source-key.js';
import { SyncCancelled, type ServerReader } from './server-reader.js';

type Attachment = { url: string; contentType: string | null; title: string | null; size: number | null };

/** The attachments of a DocumentReference (content[].attachment) or DiagnosticReport (presentedForm) given by address only. */
export function attachmentsByAddress(resource: Json): Attachment[] {
  const found: unknown[] = [];
  if (Array.isArray(resource.content)) {
    for (const c of resource.content as unknown[])
      found.push((c as { attachment?: unknown } | null)?.attachment);
  }
  if (Array.isArray(resource.presentedForm)) found.push(...(resource.presentedForm as unknown[]));
  const out: Attachment[] = [];
  for (const a of found) {
    if (typeof a !== 'object' || a === null) continue;
    const att = a as Record<string, unknown>;
    if (typeof att.url !== 'string' || att.url === '' || typeof att.data === 'string') continue;
    out.push({
      url: att.url,
      contentType: typeof att.contentType === 'string' ? att.contentType : null,
      title: typeof att.title === 'string' ? att.title : null,
      size: typeof att.size === 'number' ? att.size : null,
    });
  }
  return out;
}

/**
 * Where to fetch an attachment from. A path from the server's root ("/Binary/1", as some servers
 * and SMART's sample data write it) that is not under the FHIR base is read as relative to it:
 * the Binary lives beside the other resources. Anything else resolves as URLs do.
 */
export function addressUnderBase(url: string, fhirBase: string): string {
  const base = new URL(fhirBase);
  if (url.startsWith('/') && !url.startsWith('//') && !url.startsWith(base.pathname)) {
    return new URL(url.slice(1), base).href;
  }
  return new URL(url, base).href;
}

type Skipped = 'too-large' | 'elsewhere' | 'gone' | 'failed';

/**
 * Downloads the documents' files that records give only by address, into the attachments table,
 * within a size bound (0: list them, download none). Every file looked at keeps a row; one without
 * bytes says why (`skipped`), for the detail to say it and for later runs:
 * - 'elsewhere' (another site: the token is never sent there) and 'gone' (404, 410): not asked
 *   for again;
 * - 'too-large': asked for again once a run's bound allows it (the person raised it);
 * - 'failed' (the server erred, the network dropped): asked for again by the next runs, whether or
 *   not they bring the document again (an incremental one would not); after `FILE_TRIES_IN_A_ROW`
 *   failed runs in a row, once every `FILE_RESTING_DAYS` (`failures` counts them).
 * A row being tried again stays as it was until its new outcome replaces it, so a run that stops
 * halfway leaves it to the next.
 */
export async function fetchAttachments(
  db: () => VaultDatabase,
  reader: ServerReader,
  connectionId: number,
  fhirBase: string,
  maxBytes: number,
  /** `Type/id` of this run's documents with files by address; null: look at every stored one. */
  candidates: ReadonlySet<string> | null,
): Promise<{ downloaded: number; skipped: number; failed: number; resting: number }> {
  const rows = candidates
    ? [...candidates].flatMap((ref) => {
        const [type, id] = ref.split('/');
        const row = db()
          .prepare(
            'SELECT id, raw FROM resources WHERE connection_id = ? AND source_key = ? AND resource_type = ? AND server_id = ?',
          )
          .get(connectionId, sourceKey(type!, id!), type, id) as { id: number; raw: string } | undefined;
        return row ? [row] : [];
      })
    : (db()
        .prepare(
          `SELECT id, raw FROM resources
           WHERE connection_id = ? AND resource_type IN ('DocumentReference', 'DiagnosticReport') AND instr(raw, '"url"') > 0`,
        )
        .all(connectionId) as { id: number; raw: string }[]);
  const known = db().prepare('SELECT 1 FROM attachments WHERE resource_id = ? AND url = ?');
  const work: { resourceId: number; attachment: Attachment; rowId: number | null; failures: number }[] = [];
  for (const row of rows) {
    let resource: Json;
    try {
      resource = JSON.parse(row.raw) as Json;
    } catch {
      continue;
    }
    for (const attachment of attachmentsByAddress(resource)) {
      if (!known.get(row.id, attachment.url))
        work.push({ resourceId: row.id, attachment, rowId: null, failures: 0 });
    }
  }
  // Files to try again: those that failed (resting after failures in a row), and those left out
  // for a size this bound now allows.
  const restedSince = new Date(Date.now() - FILE_RESTING_DAYS * 24 * 60 * 60 * 1000).toISOString();
  const again = db()
    .prepare(
      `SELECT a.id, a.resource_id, a.url, a.content_type, a.title, a.size, a.failures FROM attachments a
       JOIN resources r ON r.id = a.resource_id
       WHERE r.connection_id = ? AND a.data IS NULL
         AND ((a.skipped = 'failed' AND (a.failures < ? OR a.fetched_at IS NULL OR a.fetched_at <= ?))
           OR (a.skipped = 'too-large' AND ? > 0 AND (a.size IS NULL OR a.size <= ?)))`,
    )
    .all(connectionId, FILE_TRIES_IN_A_ROW, restedSince, maxBytes, maxBytes) as {
    id: number;
    resource_id: number;
    url: string;
    content_type: string | null;
    title: string | null;
    size: number | null;
    failures: number;
  }[];
  for (const row of again) {
    work.push({
      resourceId: row.resource_id,
      rowId: row.id,
      attachment: { url: row.url, contentType: row.content_type, title: row.title, size: row.size },
      failures: row.failures,
    });
  }
  const save = (
    item: (typeof work)[number],
    data: Buffer | null,
    extra: { size: number | null; sha256?: string; contentType?: string | null; skipped?: Skipped },
  ) => {
    const a = item.attachment;
    const values = [
      extra.contentType ?? a.contentType,
      a.title,
      extra.size,
      extra.sha256 ?? null,
      data,
      new Date().toISOString(),
      extra.skipped ?? null,
      // Failures in a row: one more for a failure, none once anything else happened.
      extra.skipped === 'failed' ? item.failures + 1 : 0,
    ];
    if (item.rowId !== null) {
      db()
        .prepare(
          `UPDATE attachments SET content_type = ?, title = ?, size = ?, sha256 = ?, data = ?, fetched_at = ?, skipped = ?, failures = ?
           WHERE id = ?`,
        )
        .run(...values, item.rowId);
    } else {
      db()
        .prepare(
          `INSERT INTO attachments (content_type, title, size, sha256, data, fetched_at, skipped, failures, resource_id, url)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...values, item.resourceId, a.url);
    }
  };

  let downloaded = 0;
  let skipped = 0;
  let failed = 0;
  // Of the failed, those that now rest: failed the last FILE_TRIES_IN_A_ROW runs.
  let resting = 0;
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const item = work[next++]!;
      const { attachment } = item;
      if (maxBytes <= 0 || (attachment.size !== null && attachment.size > maxBytes)) {
        save(item, null, { size: attachment.size, skipped: 'too-large' });
        skipped++;
        continue;
      }
      try {
        const result = await reader.download(
          addressUnderBase(attachment.url, fhirBase),
          attachment.contentType ?? '*/*',
          maxBytes,
        );
        if (result.kind === 'too-large') {
          save(item, null, { size: result.size, skipped: 'too-large' });
          skipped++;
        } else {
          save(item, result.bytes, {
            size: result.bytes.length,
            sha256: result.sha256,
            contentType: attachment.contentType ?? result.contentType,
          });
          downloaded++;
        }
      } catch (error) {
        if (error instanceof SyncCancelled || isVaultError(error, 'needs-sign-in')) throw error;
        const status = (error as { status?: unknown }).status;
        // Elsewhere (never sent a token) or gone from the server: noted, not tried again each sync.
        if (isVaultError(error, 'foreign-origin') || isVaultError(error, 'insecure-address')) {
          save(item, null, { size: attachment.size, skipped: 'elsewhere' });
          skipped++;
        } else if (status === 404 || status === 410) {
          save(item, null, { size: attachment.size, skipped: 'gone' });
          skipped++;
        } else {
          save(item, null, { size: attachment.size, skipped: 'failed' });
          failed++;
          if (item.failures + 1 >= FILE_TRIES_IN_A_ROW) resting++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(3, work.length) }, worker));
  return { downloaded, skipped, failed, resting };
}

/** The sync log's line for documents' files that could not be downloaded, and when they are asked for again. */
export function filesFailedWords(failed: number, resting: number): string {
  const files = (n: number) => `${n} ${n === 1 ? 'document’s file' : 'documents’ files'}`;
  const weekly = `failed ${FILE_TRIES_IN_A_ROW} syncs in a row, so PHR Vault asks for ${resting === 1 ? 'it' : 'them'} once a week`;
  if (resting === 0) return `${files(failed)} could not be downloaded; the next sync tries again.`;
  if (resting === failed)
    return `${files(failed)} could not be downloaded: ${failed === 1 ? 'it has' : 'they have'} ${weekly}.`;
  return `${files(failed)} could not be downloaded; the next sync tries again, except ${resting} that ${weekly}.`;
}
