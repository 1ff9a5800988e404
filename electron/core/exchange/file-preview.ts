import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { VaultError } from '../errors.js';
import { isObject, type Json } from '../records/fhir-values.js';
import { surveyAppleExport } from './apple-health/apple-export.js';
import { CCDA_MAX_BYTES, readCcda } from './ccda/ccda-document.js';
import { readFhirFile } from './fhir-files.js';
import { FhirVersionTally } from './fhir-version.js';
import type { IssuerKeyCache } from './health-cards/issuer-keys.js';
import {
  aboutCcda,
  HEALTH_CARD_MAX_BYTES,
  recogniseFormat,
  TRUST_ORDER,
  type CardVerification,
  type FileFormat,
} from './import-files.js';

/**
 * What a file is, read before anything of it is stored, so the window can say so and ask whose it
 * is: its format, a line in the person's words, a health card's check, and the patients it names.
 * Each format is read by the same reader its import uses, so a file the preview accepts is read
 * the same way when it is stored (and one it refuses is refused for the same reason).
 */
export type FileLook = {
  format: FileFormat;
  about: string;
  verification: CardVerification | null;
  /** The Patient resources the file holds (a C-CDA's patient as FHIR), for whose it is. */
  patients: Json[];
};

export type LookOptions = { online: boolean; keyCache?: IssuerKeyCache };

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

async function sizeOf(path: string): Promise<number> {
  try {
    const facts = await stat(path);
    if (!facts.isFile()) throw new VaultError('bad-input', `${basename(path)} is a folder, not a file.`);
    return facts.size;
  } catch (error) {
    if (error instanceof VaultError) throw error;
    throw new VaultError('bad-input', `${basename(path)} could not be opened.`);
  }
}

export async function lookAtFile(path: string, options: LookOptions): Promise<FileLook> {
  const name = basename(path);
  const size = await sizeOf(path);
  const format = await recogniseFormat(path);
  switch (format) {
    case 'ccda': {
      if (size > CCDA_MAX_BYTES) throw new VaultError('bad-input', `${name} is too large to read.`);
      const doc = readCcda(name, await readFile(path));
      return { format, about: aboutCcda(doc), verification: null, patients: [doc.patient] };
    }
    case 'smart-health-card':
      return lookAtCard(path, name, size, options);
    case 'smart-health-link':
      throw new VaultError(
        'bad-input',
        `${name} is a SMART Health Link. PHR Vault cannot open health links yet.`,
      );
    case 'apple-health':
      return lookAtApple(path);
    case 'fhir':
    case 'ips':
      return lookAtFhir(path);
  }
}

/** Read through once as its import reads it: the records counted, its version told, its patients kept. */
async function lookAtFhir(path: string): Promise<FileLook> {
  const tally = new FhirVersionTally();
  const patients: Json[] = [];
  let records = 0;
  let document: Json | null = null;
  let composition: Json | null = null;
  const byId = new Map<string, Json>();
  for await (const record of readFhirFile(path, [], (bundle) => {
    tally.declare(bundle);
    document ??= bundle.type === 'document' ? bundle : null;
  })) {
    records++;
    const resource = record.resource;
    tally.add(resource);
    if (resource.resourceType === 'Patient') patients.push(resource);
    if (document) {
      // Only a document's few resources are kept, to name who wrote it.
      if (resource.resourceType === 'Composition') composition ??= resource;
      if (
        typeof resource.id === 'string' &&
        ['Organization', 'Practitioner'].includes(String(resource.resourceType))
      )
        byId.set(resource.id, resource);
    }
  }
  const version = tally.version;
  if (!document)
    return {
      format: 'fhir',
      about: `FHIR ${version}, ${plural(records, 'record')}`,
      verification: null,
      patients,
    };
  const parts = [`FHIR ${version} document`];
  const title = composition && typeof composition.title === 'string' ? composition.title : null;
  if (title) parts[0] += ` “${title}”`;
  const from = composition ? writerOf(composition, byId) : null;
  if (from) parts[0] += ` from ${from}`;
  const date = composition && typeof composition.date === 'string' ? composition.date.slice(0, 10) : null;
  if (date) parts.push(date);
  parts.push(plural(records, 'record'));
  return { format: 'ips', about: parts.join(', '), verification: null, patients };
}

/** The organisation that keeps or wrote a FHIR document: its custodian, else an author that is one. */
function writerOf(composition: Json, byId: Map<string, Json>): string | null {
  const refs = [composition.custodian, ...(Array.isArray(composition.author) ? composition.author : [])];
  for (const ref of refs) {
    if (!isObject(ref)) continue;
    if (typeof ref.display === 'string' && ref.display.trim()) return ref.display.trim();
    const target = typeof ref.reference === 'string' ? ref.reference.split(/[/:]/).pop() : undefined;
    const found = target ? byId.get(target) : undefined;
    if (found?.resourceType === 'Organization' && typeof found.name === 'string') return found.name;
  }
  return null;
}

async function lookAtCard(path: string, name: string, size: number, options: LookOptions): Promise<FileLook> {
  if (size > HEALTH_CARD_MAX_BYTES) throw new VaultError('bad-input', `${name} is too large to read.`);
  const { readHealthCardFile } = await import('./health-cards/read-health-card.js');
  const read = await readHealthCardFile(await readFile(path), {
    online: options.online,
    ...(options.keyCache ? { keyCache: options.keyCache } : {}),
  });
  if (read.cards.length === 0)
    throw new VaultError(
      'bad-input',
      `${name} is part of a health card split over several QR codes: import all its parts together from the command line.`,
    );
  // The least trustworthy card speaks for the file, as its import says.
  const worst = read.cards
    .map((card) => card.verification)
    .sort((a, b) => TRUST_ORDER.indexOf(a.status) - TRUST_ORDER.indexOf(b.status))[0]!;
  const entries = read.cards.flatMap((card) =>
    Array.isArray(card.bundle.entry) ? (card.bundle.entry as Json[]) : [],
  );
  const resources = entries.map((e) => e.resource).filter(isObject);
  const patients = resources.filter((r) => r.resourceType === 'Patient');
  const count = resources.length - patients.length;
  const check =
    worst.status === 'verified' ? `, verified: issued by ${worst.issuer}` : `. Not verified: ${worst.reason}`;
  return {
    format: 'smart-health-card',
    about: `SMART Health Card with ${plural(count, 'record')}${check}`,
    verification: { status: worst.status, issuer: worst.issuer, reason: worst.reason },
    patients,
  };
}

async function lookAtApple(path: string): Promise<FileLook> {
  const survey = await surveyAppleExport(path);
  const parts = ['Apple Health export'];
  if (survey.clinicalRecords > 0) parts.push(plural(survey.clinicalRecords, 'clinical record'));
  parts.push(
    survey.samples === null
      ? `measurements in ${megabytes(survey.exportXmlBytes)} of export.xml, counted as they are read`
      : plural(survey.samples, 'sample'),
  );
  return { format: 'apple-health', about: parts.join(', '), verification: null, patients: survey.patients };
}

function megabytes(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GB`
    : `${Math.max(1, Math.round(bytes / 1024 ** 2)).toLocaleString('en-US')} MB`;
}
