import { ATTACHMENT_LIMIT_BYTES, type AttachmentContent } from '../../../shared/attachments.js';
import { VaultError } from '../errors.js';
import type { ReadableDB } from '../vault/database.js';
import { readHtmlDocument } from './html-document.js';
import { isClinicalDocument, parseXml, readClinicalDocument, UnreadableXml } from './clinical-document.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value : null;

/** Where one attachment's bytes are, as far as the vault knows. */
export type ListedAttachment = {
  index: number;
  title: string;
  /** As the sender declared it (or as sync saw it), never guessed. */
  contentType: string | null;
  size: number | null;
  url: string | null;
  where:
    | { kind: 'inline'; base64: string }
    | { kind: 'stored'; rowId: number }
    | { kind: 'missing'; reason: string };
};

const NOT_YET = 'It has not been downloaded yet: it will be the next time this source is brought up to date.';
const ELSEWHERE =
  'It is kept at another address than the health system’s records server, so PHR Vault did not ask for it: your sign-in is never sent anywhere else.';
const GONE = 'The health system’s server no longer has this file.';
const NOT_READ = 'It could not be downloaded from the health system’s server.';

/**
 * A file whose download failed is asked for again by every sync until it has failed this many
 * runs in a row, then once every `FILE_RESTING_DAYS`: a server that always fails on one file is
 * not asked for it at every sync forever, and one that mends is still heard from.
 */
export const FILE_TRIES_IN_A_ROW = 3;
export const FILE_RESTING_DAYS = 7;
const RESTING = `It could not be downloaded: the health system’s server failed to send it the last ${FILE_TRIES_IN_A_ROW} times PHR Vault asked. PHR Vault asks again once a week.`;
const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * Why a file left out for its size is not here, by its size and the bound its connection has now
 * (null: the default). A file the bound now allows is fetched by the next sync.
 */
function tooLarge(bound: number | null, size: number | null): string {
  const effective = bound ?? ATTACHMENT_LIMIT_BYTES;
  if (size !== null && size > ATTACHMENT_LIMIT_BYTES)
    return `It was not downloaded: it is larger than the limit of ${megabytes(ATTACHMENT_LIMIT_BYTES)}, the largest PHR Vault shows.`;
  if (effective === 0)
    return 'It was not downloaded: this connection is set to list documents’ files without downloading them (Document files, under Connections).';
  if (size === null || size <= effective) return NOT_YET;
  return `It was not downloaded: it is larger than the limit of ${megabytes(effective)} set for this connection. Raise it (Document files, under Connections) and the next sync brings it in.`;
}

/** Why a file given by address is not in the vault, from what sync noted of it (`row`, if anything). */
function missingReason(row: StoredRow | undefined, size: number | null, bound: number | null): string {
  if (row?.skipped === 'elsewhere') return ELSEWHERE;
  if (row?.skipped === 'gone') return GONE;
  if (row?.skipped === 'too-large' || (size !== null && size > ATTACHMENT_LIMIT_BYTES))
    return tooLarge(bound, size);
  // No row yet, or one that failed: the next sync asks for it, or a later one after failures in a row.
  // A row from before sync said why: unknown.
  if (row?.skipped === 'failed' && row.failures >= FILE_TRIES_IN_A_ROW) return RESTING;
  if (!row || row.skipped === 'failed') return NOT_YET;
  return NOT_READ;
}

/**
 * The attachments of a record in one fixed order, the one its detail lists them in:
 * DocumentReference.content[].attachment, then DiagnosticReport.presentedForm[].
 */
export function attachmentsOfResource(resource: unknown): Json[] {
  if (!isObject(resource)) return [];
  const content = Array.isArray(resource.content) ? resource.content : [];
  const presented = Array.isArray(resource.presentedForm) ? resource.presentedForm : [];
  return [...content.filter(isObject).map((c) => c.attachment), ...presented].filter(isObject);
}

const UNTITLED = 'Attached document';

/** Each attachment as the record names it, numbered as readAttachment takes it: for a record's detail. */
export function attachmentHeads(
  resource: unknown,
): { index: number; title: string; contentType: string | null }[] {
  return attachmentsOfResource(resource).map((attachment, index) => ({
    index,
    title: str(attachment.title) ?? UNTITLED,
    contentType: str(attachment.contentType),
  }));
}

/** Bytes a base64 string decodes to, without decoding it. */
function base64Size(base64: string): number {
  const clean = base64.replace(/\s+/g, '');
  return Math.floor((clean.length * 3) / 4) - (clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0);
}

/** A `#id` reference to a Binary contained in the record: its data, in any FHIR version. */
function containedBinary(resource: Json, url: string): string | null {
  if (!url.startsWith('#') || !Array.isArray(resource.contained)) return null;
  const binary = resource.contained
    .filter(isObject)
    .find((c) => c.resourceType === 'Binary' && c.id === url.slice(1));
  // R4 calls it data, DSTU2 and STU3 content.
  return binary ? (str(binary.data) ?? str(binary.content)) : null;
}

type StoredRow = {
  id: number;
  content_type: string | null;
  title: string | null;
  size: number | null;
  stored: number | null;
  skipped: 'too-large' | 'failed' | 'elsewhere' | 'gone' | null;
  failures: number;
};

function readRaw(db: ReadableDB, recordId: number): Json {
  const row = db.prepare('SELECT raw FROM resources WHERE id = ?').get(recordId) as
    { raw: string } | undefined;
  if (!row) throw new VaultError('not-found');
  const resource = JSON.parse(row.raw) as unknown;
  return isObject(resource) ? resource : {};
}

/**
 * Each attachment of a record and where its bytes are: inline in the record (base64 `data`, or a
 * contained Binary), or fetched by sync into the `attachments` table (matched on the url exactly
 * as the record writes it; the newest fetch wins), or nowhere yet.
 */
export function listAttachments(db: ReadableDB, recordId: number): ListedAttachment[] {
  const resource = readRaw(db, recordId);
  const stored = db.prepare(
    `SELECT id, content_type, title, size, length(data) AS stored, skipped, failures
     FROM attachments WHERE resource_id = ? AND url = ?
     ORDER BY fetched_at IS NULL, fetched_at DESC, id DESC LIMIT 1`,
  );
  const bound = db
    .prepare(
      `SELECT c.document_max_bytes FROM resources r JOIN connections c ON c.id = r.connection_id WHERE r.id = ?`,
    )
    .pluck()
    .get(recordId) as number | null | undefined;
  return attachmentsOfResource(resource).map((attachment, index) => {
    const url = str(attachment.url);
    const declaredSize = typeof attachment.size === 'number' ? attachment.size : null;
    const base = str(attachment.data) ?? (url ? containedBinary(resource, url) : null);
    const head = {
      index,
      title: str(attachment.title) ?? UNTITLED,
      contentType: str(attachment.contentType),
      url,
    };
    if (base) return { ...head, size: base64Size(base), where: { kind: 'inline', base64: base } };
    const row = url ? (stored.get(recordId, url) as StoredRow | undefined) : undefined;
    if (row && row.stored !== null) {
      return {
        ...head,
        contentType: head.contentType ?? row.content_type,
        size: row.stored,
        where: { kind: 'stored', rowId: row.id },
      };
    }
    const size = row?.size ?? declaredSize;
    const reason = url
      ? missingReason(row, size, bound ?? null)
      : 'This document was not included with the record.';
    return { ...head, size, where: { kind: 'missing', reason } };
  });
}

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
type ImageType = (typeof IMAGE_TYPES)[number];

/** What the bytes are, by their first bytes: a declared type is believed only when they agree. */
function sniff(bytes: Buffer): 'pdf' | ImageType | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (bytes.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  return null;
}

function decodeText(bytes: Buffer, contentType: string): string {
  const charset = /charset="?([\w-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function looksLikeXml(text: string): boolean {
  return /^\s*(<\?xml|<!--|<[A-Za-z_][\w.-]*:?ClinicalDocument\b)/.test(text);
}

/**
 * One attachment, ready for the renderer: text as text, a C-CDA or an HTML page as a readable
 * tree (never markup), PDF and images as base64 for PDF.js and an <img>. Nothing over the size
 * limit crosses IPC.
 */
export function readAttachment(db: ReadableDB, recordId: number, index: number): AttachmentContent {
  const listed = listAttachments(db, recordId)[index];
  if (!listed) throw new VaultError('not-found');
  const head = { title: listed.title, contentType: listed.contentType ?? 'unknown', size: listed.size };
  const unavailable = (reason: string): AttachmentContent => ({ ...head, kind: 'unavailable', reason });

  if (listed.where.kind === 'missing') return unavailable(listed.where.reason);
  if (listed.size !== null && listed.size > ATTACHMENT_LIMIT_BYTES) {
    return unavailable(`It is larger than the ${ATTACHMENT_LIMIT_BYTES / 1024 / 1024} MB PHR Vault shows.`);
  }
  let bytes: Buffer;
  if (listed.where.kind === 'inline') {
    bytes = Buffer.from(listed.where.base64, 'base64');
  } else {
    const row = db.prepare('SELECT data FROM attachments WHERE id = ?').get(listed.where.rowId) as
      { data: Buffer | null } | undefined;
    if (!row?.data) return unavailable(NOT_YET);
    bytes = row.data;
  }
  const size = bytes.length;
  const sized = { ...head, size };

  const type = (listed.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const sniffed = sniff(bytes);
  if (sniffed === 'pdf' && (type === 'application/pdf' || !type || type === 'application/octet-stream')) {
    return { ...sized, kind: 'pdf', dataBase64: bytes.toString('base64') };
  }
  if (
    sniffed &&
    sniffed !== 'pdf' &&
    (type.startsWith('image/') || !type || type === 'application/octet-stream')
  ) {
    return { ...sized, kind: 'image', mediaType: sniffed, dataBase64: bytes.toString('base64') };
  }
  if (type === 'application/pdf' || IMAGE_TYPES.includes(type as ImageType)) {
    return unavailable(`It says it is ${type}, but its contents are not: it is not shown.`);
  }

  const text = decodeText(bytes, listed.contentType ?? '');
  if (type === 'text/html' || type === 'application/xhtml+xml') {
    return {
      ...sized,
      kind: 'html',
      document: readHtmlDocument(text),
      sourceBase64: bytes.toString('base64'),
    };
  }
  const xmlType = type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml');
  if (xmlType || ((!type || type === 'application/octet-stream') && looksLikeXml(text))) {
    try {
      const root = parseXml(text);
      if (isClinicalDocument(root)) {
        return {
          ...sized,
          kind: 'ccda',
          document: readClinicalDocument(root),
          sourceBase64: bytes.toString('base64'),
        };
      }
    } catch (failure) {
      if (failure instanceof UnreadableXml) {
        return unavailable(`This document could not be read safely: ${failure.message}.`);
      }
      throw failure;
    }
    // Other XML is shown as the text it is: inert, and better than nothing.
    return { ...sized, kind: 'text', text };
  }
  if (type !== 'text/rtf' && (type.startsWith('text/') || type === 'application/json')) {
    return { ...sized, kind: 'text', text };
  }
  return unavailable(
    `PHR Vault cannot show this kind of document (${type || 'of an unknown type'}) yet: it shows text, HTML, C-CDA, PDF and pictures.`,
  );
}
