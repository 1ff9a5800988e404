import { isVaultError } from '../errors.js';
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

/**
 * Downloads the documents' files that records give only by address, into the attachments table,
 * within a size bound (0: list them, download none). A file that is not downloaded gets a row
 * without data that says why (`skipped`), so the detail can say it: at another site (the token is
 * never sent there) or gone from the server, it is not asked for again; over the bound, it is
 * once a later run's bound allows it (the person raised it). A failed download gets no row and is
 * tried again next time.
 */
export async function fetchAttachments(
  db: () => VaultDatabase,
  reader: ServerReader,
  connectionId: number,
  fhirBase: string,
  maxBytes: number,
  /** `Type/id` of this run's documents with files by address; null: look at every stored one. */
  candidates: ReadonlySet<string> | null,
): Promise<{ downloaded: number; skipped: number; failed: number }> {
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
  // Files left out for their size that this bound now allows: asked for again, with these runs' own.
  const allowedNow =
    maxBytes <= 0
      ? []
      : (db()
          .prepare(
            `SELECT a.id, a.resource_id, r.raw FROM attachments a JOIN resources r ON r.id = a.resource_id
             WHERE r.connection_id = ? AND a.skipped = 'too-large' AND a.data IS NULL
               AND (a.size IS NULL OR a.size <= ?)`,
          )
          .all(connectionId, maxBytes) as { id: number; resource_id: number; raw: string }[]);
  if (allowedNow.length > 0) {
    const forget = db().prepare('DELETE FROM attachments WHERE id = ?');
    db().transaction(() => allowedNow.forEach((row) => forget.run(row.id)))();
    const listed = new Set(rows.map((row) => row.id));
    for (const row of allowedNow) {
      if (!listed.has(row.resource_id)) rows.push({ id: row.resource_id, raw: row.raw });
      listed.add(row.resource_id);
    }
  }
  const known = db().prepare('SELECT 1 FROM attachments WHERE resource_id = ? AND url = ?');
  const work: { resourceId: number; attachment: Attachment }[] = [];
  for (const row of rows) {
    let resource: Json;
    try {
      resource = JSON.parse(row.raw) as Json;
    } catch {
      continue;
    }
    for (const attachment of attachmentsByAddress(resource)) {
      if (!known.get(row.id, attachment.url)) work.push({ resourceId: row.id, attachment });
    }
  }
  const insert = (
    resourceId: number,
    a: Attachment,
    data: Buffer | null,
    extra: {
      size: number | null;
      sha256?: string;
      contentType?: string | null;
      skipped?: 'too-large' | 'elsewhere' | 'gone';
    },
  ) =>
    db()
      .prepare(
        `INSERT INTO attachments (resource_id, url, content_type, title, size, sha256, data, fetched_at, skipped)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        resourceId,
        a.url,
        extra.contentType ?? a.contentType,
        a.title,
        extra.size,
        extra.sha256 ?? null,
        data,
        new Date().toISOString(),
        extra.skipped ?? null,
      );

  let downloaded = 0;
  let skipped = 0;
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const { resourceId, attachment } = work[next++]!;
      if (maxBytes <= 0 || (attachment.size !== null && attachment.size > maxBytes)) {
        insert(resourceId, attachment, null, { size: attachment.size, skipped: 'too-large' });
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
          insert(resourceId, attachment, null, { size: result.size, skipped: 'too-large' });
          skipped++;
        } else {
          insert(resourceId, attachment, result.bytes, {
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
          insert(resourceId, attachment, null, { size: attachment.size, skipped: 'elsewhere' });
          skipped++;
        } else if (status === 404 || status === 410) {
          insert(resourceId, attachment, null, { size: attachment.size, skipped: 'gone' });
          skipped++;
        } else failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(3, work.length) }, worker));
  return { downloaded, skipped, failed };
}
