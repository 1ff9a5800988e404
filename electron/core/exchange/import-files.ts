import { open, readFile, stat } from 'node:fs/promises';
import type { FileFormat } from '../../../shared/ipc/areas/imports.js';
import { VaultError } from '../errors.js';
import type { Json } from '../records/fhir-values.js';
import { arrivalsEnded } from '../records/ingest.js';
import { importConnection } from '../vault/connections.js';
import { beginLongWrite, type VaultDatabase } from '../vault/database.js';
import { storeRecords, type StoreTally } from '../vault/record-store.js';
import { CCDA_MAX_BYTES, readCcda, type ReadCcda } from './ccda/ccda-document.js';
import { fileName, type FhirFile, type FileProblem } from './fhir-files.js';
import { importAppleHealth } from './apple-health/import-apple-health.js';
import { DEFAULT_IMPORT_SOURCE, importFhirFiles, personOf, type ImportOptions } from './import-fhir.js';
import type { LinkFileResult, OpenLinkOptions } from './health-links/open-health-link.js';
import { HealthLinkInPicture } from './health-cards/card-forms.js';

/**
 * One way in for every file a patient is handed: its format is recognised from its content (never
 * its name), then the reader for that format turns it into records stored for one person.
 *
 * Each format is a branch of `importFile`: FHIR JSON (bundles, resources, NDJSON; a FHIR document
 * such as an International Patient Summary is FHIR too, reported as `ips`), C-CDA documents, SMART
 * Health Cards (health-cards/), SMART Health Links (health-links/: a file or a QR picture holding
 * one is opened, and what it shares imported) and Apple Health exports (apple-health/) are read here.
 */

export type { FileFormat };

/** What a health card's reader says of its signature; null for every other format. */
export type CardVerification = { status: string; issuer: string | null; reason: string | null };

export type ImportedFile = StoreTally & {
  file: string;
  format: FileFormat;
  /** The source its records went to. */
  connectionId: number;
  /** What the file is, in a person's words: "C-CDA Discharge Summary from Good Health Clinic, 2019-03-04, 214 entries". */
  about: string;
  fhirVersion: string;
  problems: FileProblem[];
  verification: CardVerification | null;
  /** A health link's files, one by one; absent for every other format. */
  linkFiles?: LinkFileResult[];
};

/** How a health link in a file or picture is opened (its passcode, who is asking); see health-links/. */
export type FileImportOptions = ImportOptions & {
  link?: Pick<OpenLinkOptions, 'passcode' | 'recipient' | 'limits' | 'now'>;
};

const HEAD_BYTES = 64 * 1024;

async function headOf(file: FhirFile): Promise<Buffer> {
  if (typeof file !== 'string') return file.bytes.subarray(0, HEAD_BYTES);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    throw new VaultError('bad-input', `${fileName(file)} could not be opened.`);
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The format a file is in, from its first bytes. JSON is taken for FHIR unless it is a health
 * card's `verifiableCredential`; XML is a C-CDA when its root is a ClinicalDocument (checked
 * fully when read). Anything else is refused here, before a reader sees it.
 */
export async function recogniseFormat(file: FhirFile): Promise<FileFormat> {
  const head = await headOf(file);
  const name = fileName(file);
  if (head.length === 0) throw new VaultError('bad-input', `${name} is empty.`);
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    // A ZIP: what Apple Health's "Export All Health Data" writes (export.zip).
    return 'apple-health';
  }
  // A picture or a PDF: what a health card's QR code comes as (photo, screenshot, printout).
  const png = head[0] === 0x89 && head.subarray(1, 4).toString('latin1') === 'PNG';
  const jpeg = head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  if (png || jpeg || head.subarray(0, 5).toString('latin1') === '%PDF-') return 'smart-health-card';
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('<')) {
    if (/<(?:[\w.-]+:)?ClinicalDocument[\s>/]/.test(text)) return 'ccda';
    if (/<HealthData[\s>]/.test(text)) return 'apple-health';
    if (/<[A-Z][A-Za-z]+\s[^>]*xmlns="http:\/\/hl7\.org\/fhir"/.test(text))
      throw new VaultError(
        'bad-input',
        `${name} is FHIR as XML, which PHR Vault does not read yet: FHIR JSON only.`,
      );
    throw new VaultError('bad-input', `${name} is XML but not a C-CDA document.`);
  }
  if (/^shlink:\//.test(text) || /^https?:\/\/\S*#shlink:\//.test(text)) return 'smart-health-link';
  // A card as a QR code's numeric text, or as its bare JWS (header.payload.signature).
  if (/^shc:\/\d/.test(text) || /^eyJ[\w-]+\.[\w-]+\./.test(text)) return 'smart-health-card';
  if (text.startsWith('{') || text.startsWith('[')) {
    if (/"verifiableCredential"\s*:/.test(text)) return 'smart-health-card';
    return 'fhir';
  }
  // Other text goes to the FHIR reader, whose refusal says what is wrong with it as JSON (a file
  // of NDJSON lines may start with anything); bytes that are no text at all are refused here.
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u0008\u000e-\u001a\ufffd]/.test(text)) return 'fhir';
  throw new VaultError(
    'bad-input',
    `${name} is not a kind of file PHR Vault reads (FHIR JSON, a C-CDA document).`,
  );
}

async function bytesOf(file: FhirFile, limit: number): Promise<Buffer> {
  if (typeof file !== 'string') return file.bytes;
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new VaultError('bad-input', `${fileName(file)} could not be opened.`);
  }
  if (size > limit) throw new VaultError('bad-input', `${fileName(file)} is too large to read.`);
  return readFile(file);
}

/** What a document is, in a person's words, for the window and the command line. */
export function aboutCcda(doc: ReadCcda): string {
  const parts = [`C-CDA ${doc.documentType}`];
  if (doc.organization) parts[0] += ` from ${doc.organization}`;
  if (doc.date) parts.push(doc.date.slice(0, 10));
  parts.push(`${doc.entries} ${doc.entries === 1 ? 'entry' : 'entries'}`);
  return parts.join(', ');
}

async function importCcda(
  db: VaultDatabase,
  file: FhirFile,
  options: ImportOptions,
): Promise<ImportedFile | null> {
  const name = fileName(file);
  const doc = readCcda(name, await bytesOf(file, CCDA_MAX_BYTES));
  if (options.acceptPatients && !options.acceptPatients([doc.patient])) return null;
  // Each document's source is named after who wrote it (shown as "From files"), so its records
  // say where they came from.
  const label = options.sourceLabel ?? doc.organization ?? DEFAULT_IMPORT_SOURCE;
  const personId = personOf(options);
  const connectionId = importConnection(db, personId, label);
  const tally: StoreTally = { added: 0, updated: 0, unchanged: 0 };
  const endLongWrite = beginLongWrite(db);
  try {
    db.transaction(() =>
      storeRecords(
        db,
        personId,
        connectionId,
        doc.records.map((resource: Json) => ({ resource, fhirVersion: 'R4' as const })),
        tally,
      ),
    )();
  } finally {
    endLongWrite();
  }
  options.onProgress?.({ file: name, committed: tally.added + tally.updated });
  if (tally.added + tally.updated > 0) arrivalsEnded(db, personId);
  return {
    file: name,
    format: 'ccda',
    connectionId,
    about: aboutCcda(doc),
    fhirVersion: 'R4',
    problems: [],
    verification: null,
    ...tally,
  };
}

/** A card's answer for a file of several: the least trustworthy, so a file never reads as verified when a card of it is not. */
export const TRUST_ORDER = ['invalid', 'revoked', 'unknown-issuer', 'verified'];

/**
 * A SMART Health Card file (any of its forms): each card read, verified (its issuer's keys from the
 * shipped directory, the vault's cache, or the issuer itself) and stored with its records under a
 * source of its own. Loaded only when a card is given: its decoders and directory take a moment.
 */
async function importHealthCard(
  db: VaultDatabase,
  file: FhirFile,
  options: FileImportOptions,
): Promise<ImportedFile | null> {
  const name = fileName(file);
  const { readHealthCardFile } = await import('./health-cards/read-health-card.js');
  const { storeHealthCards, vaultKeyCache } = await import('./health-cards/store-health-card.js');
  let read;
  try {
    read = await readHealthCardFile(await bytesOf(file, HEALTH_CARD_MAX_BYTES), {
      online: options.offline !== true,
      keyCache: vaultKeyCache(db),
    });
  } catch (error) {
    // A QR code is as often a health link as a card: the link is opened instead.
    if (error instanceof HealthLinkInPicture) return importHealthLink(db, name, error.link, options);
    throw error;
  }
  if (read.cards.length === 0)
    throw new VaultError(
      'bad-input',
      `${name} is part of a health card split over several QR codes: import all its parts together from the command line.`,
    );
  const stored = storeHealthCards(db, personOf(options), read.cards);
  const tally: StoreTally = { added: 0, updated: 0, unchanged: 0 };
  for (const s of stored) {
    tally.added += s.added;
    tally.updated += s.updated;
    tally.unchanged += s.unchanged;
  }
  options.onProgress?.({ file: name, committed: tally.added + tally.updated });
  const worst = read.cards
    .map((card) => card.verification)
    .sort((a, b) => TRUST_ORDER.indexOf(a.status) - TRUST_ORDER.indexOf(b.status))[0]!;
  return {
    file: name,
    format: 'smart-health-card',
    connectionId: stored[0]!.connectionId,
    about:
      worst.status === 'verified'
        ? `SMART Health Card, verified: issued by ${worst.issuer}`
        : `SMART Health Card, not verified: ${worst.reason}`,
    fhirVersion: 'R4',
    problems: [],
    verification: { status: worst.status, issuer: worst.issuer, reason: worst.reason },
    ...tally,
  };
}

/** A file holding a link is a few hundred characters; a QR code cannot hold more than 4,296. */
const HEALTH_LINK_MAX_BYTES = 16 * 1024;

/**
 * A SMART Health Link (pasted, in a text file, or in a QR picture): opened, and what it shares
 * imported, every file of it read before anything is stored. Loaded only when a link is given.
 */
export async function importHealthLink(
  db: VaultDatabase,
  name: string,
  text: string,
  options: FileImportOptions,
): Promise<ImportedFile | null> {
  const { openHealthLink } = await import('./health-links/open-health-link.js');
  let opened;
  try {
    opened = await openHealthLink(db, text, { ...options, ...options.link });
  } catch (error) {
    // The window's Import files… has no passcode to give (its paste field has one).
    if (options.link === undefined && error instanceof VaultError && error.kind === 'link-passcode-needed')
      throw new VaultError(
        'link-passcode-needed',
        `${name} holds a health link with a passcode: paste the link under “Paste a health link” to type it, or import the file with the command line’s --passcode.`,
      );
    throw error;
  }
  if (!opened) return null;
  const imported = opened.files.filter((f) => f.skipped === null);
  const tally: StoreTally = { added: 0, updated: 0, unchanged: 0 };
  for (const f of imported) {
    tally.added += f.added;
    tally.updated += f.updated;
    tally.unchanged += f.unchanged;
  }
  options.onProgress?.({ file: name, committed: tally.added + tally.updated });
  const cards = imported.flatMap((f) => (f.verification ? [f.verification] : []));
  const worst = cards.sort((a, b) => TRUST_ORDER.indexOf(a.status) - TRUST_ORDER.indexOf(b.status))[0];
  const count = opened.files.length;
  return {
    file: name,
    format: 'smart-health-link',
    connectionId: opened.connectionIds[0]!,
    about: `SMART Health Link${opened.label ? ` “${opened.label}”` : ''}, ${count} ${count === 1 ? 'file' : 'files'}: ${opened.files.map((f) => f.about).join('; ')}`,
    fhirVersion: 'R4',
    problems: [],
    verification: worst ?? null,
    linkFiles: opened.files,
    ...tally,
  };
}

/** A card file, picture or PDF is far smaller than this; larger is not one a person was handed. */
export const HEALTH_CARD_MAX_BYTES = 50 * 1024 * 1024;

/**
 * Imports one file of any format into one person's records. Returns null when `acceptPatients`
 * left it out; a refused file throws a VaultError (bad-input) saying why, with nothing stored.
 */
export async function importFile(
  db: VaultDatabase,
  file: FhirFile,
  options: FileImportOptions,
): Promise<ImportedFile | null> {
  const format = await recogniseFormat(file);
  const name = fileName(file);
  switch (format) {
    case 'ccda':
      return importCcda(db, file, options);
    case 'smart-health-card':
      return importHealthCard(db, file, options);
    case 'smart-health-link':
      return importHealthLink(
        db,
        name,
        (await bytesOf(file, HEALTH_LINK_MAX_BYTES)).toString('utf8'),
        options,
      );
    case 'apple-health':
      return importAppleHealth(db, file, options);
    case 'fhir':
    case 'ips': {
      const [report] = await importFhirFiles(db, [file], options);
      if (!report) return null;
      const total = report.added + report.updated + report.unchanged;
      const isDocument = report.document;
      return {
        file: report.file,
        format: isDocument ? 'ips' : 'fhir',
        connectionId: report.connectionId,
        about: `${isDocument ? 'FHIR document' : 'FHIR'} ${report.fhirVersion} file, ${total} ${total === 1 ? 'record' : 'records'}`,
        fhirVersion: report.fhirVersion,
        problems: report.problems,
        verification: null,
        added: report.added,
        updated: report.updated,
        unchanged: report.unchanged,
      };
    }
  }
}
