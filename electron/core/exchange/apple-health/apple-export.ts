import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { VaultError } from '../../errors.js';
import type { Json } from '../../records/fhir-values.js';
import type { FhirVersion } from '../../records/record-columns.js';
import { fileName, type BytesRead, type FhirFile } from '../fhir-files.js';
import { healthSampleReader, type HealthSamples } from './health-samples.js';

/**
 * Reads an Apple Health export: the `export.zip` the Health app writes ("Export All Health Data"),
 * or its `export.xml` alone. yauzl reads the zip's central directory first, so every entry's name
 * and sizes are checked before a byte of any entry is inflated, and it stops an entry whose data
 * runs past the size it declared (validateEntrySizes), so a lying header cannot inflate more.
 */

/** A real export holds export.xml, export_cda.xml, clinical records, ECGs and workout routes. */
export const MAX_ENTRIES = 50_000;
/** Deflated XML and JSON shrink 10–30 times; far more is a zip bomb, not a health export. */
export const MAX_RATIO = 200;
/** Small entries may compress better than any ratio (a file of spaces); only big ones are judged. */
const RATIO_FLOOR = 1024 * 1024;
/** export.xml can be gigabytes (years of a watch's samples); past this it is no export. */
export const MAX_EXPORT_XML = 16 * 1024 ** 3;
/** One clinical record is one FHIR resource: a few kilobytes, a large one a few megabytes. */
export const MAX_CLINICAL_RECORD = 16 * 1024 ** 2;

const CHUNK = 64 * 1024;

export type ClinicalRecord = {
  path: string;
  resource: Json;
  raw: string;
  sourceURL: string | null;
  fhirVersion: FhirVersion;
};
export type AppleExport = { samples: HealthSamples; clinical: ClinicalRecord[] };

const refuse = (message: string): never => {
  throw new VaultError('bad-input', message);
};

/** The export's central directory, or a plain refusal when the archive cannot be read as one. */
async function openZip(file: FhirFile, name: string): Promise<ZipFile> {
  const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true };
  try {
    return await new Promise<ZipFile>((resolve, reject) => {
      const done = (error: Error | null, zip?: ZipFile) => (error || !zip ? reject(error) : resolve(zip));
      if (typeof file === 'string') yauzl.open(file, options, done);
      else yauzl.fromBuffer(file.bytes, options, done);
    });
  } catch {
    return refuse(
      `${name} starts as a zip archive but cannot be read as one (it may be cut short); nothing was imported.`,
    );
  }
}

/** Every entry of the central directory, each checked before anything is inflated. */
async function entriesOf(zip: ZipFile, name: string): Promise<Entry[]> {
  if (zip.entryCount > MAX_ENTRIES)
    refuse(
      `${name} holds ${zip.entryCount} files, more than an Apple Health export has; nothing was imported.`,
    );
  const entries: Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      try {
        checkEntry(entry, name);
        entries.push(entry);
        zip.readEntry();
      } catch (error) {
        reject(error as Error);
      }
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

function checkEntry(entry: Entry, name: string): void {
  const path = entry.fileName;
  // yauzl refuses absolute and `..` names itself (strictFileNames also refuses backslashes); this
  // says so in the user's words even if a future version let one through.
  if (path.startsWith('/') || path.split('/').includes('..'))
    refuse(`${name} has a file that points outside the archive (${path}); nothing was imported.`);
  const { uncompressedSize: size, compressedSize: packed } = entry;
  if (size > RATIO_FLOOR && size > packed * MAX_RATIO)
    refuse(
      `${name} has a file that would grow ${Math.round(size / Math.max(packed, 1))} times when unpacked, as no health export does; nothing was imported.`,
    );
}

function streamOf(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(error) : resolve(stream))),
  );
}

async function readSamples(stream: Readable, label: string, onBytes?: BytesRead): Promise<HealthSamples> {
  const reader = healthSampleReader(label);
  const decoder = new StringDecoder('utf8');
  let read = 0;
  try {
    for await (const chunk of stream) {
      // Pieces of at most CHUNK, so the prolog bound is checked before a large piece is parsed.
      const bytes = chunk as Buffer;
      read += bytes.length;
      onBytes?.(read);
      for (let at = 0; at < bytes.length; at += CHUNK)
        reader.write(decoder.write(bytes.subarray(at, at + CHUNK)));
    }
    reader.write(decoder.end());
  } finally {
    stream.destroy();
  }
  return reader.end();
}

async function textOf(stream: Readable, limit: number, label: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      refuse(`${label} is too large to be one clinical record; nothing was imported.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function versionOf(fhirVersion: string | null, resource: Json): FhirVersion {
  if (fhirVersion?.startsWith('1.0')) return 'DSTU2';
  if (fhirVersion?.startsWith('3.')) return 'STU3';
  if (fhirVersion?.startsWith('4.')) return 'R4';
  // Without its row in export.xml: MedicationOrder exists only in DSTU2; the rest read as R4.
  return resource.resourceType === 'MedicationOrder' ? 'DSTU2' : 'R4';
}

async function startsWithZip(file: FhirFile): Promise<boolean> {
  let head: Buffer;
  if (typeof file === 'string') {
    const handle = await open(file, 'r');
    try {
      head = Buffer.alloc(4);
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
  } else head = file.bytes.subarray(0, 4);
  return head.length === 4 && head.readUInt32LE(0) === 0x04034b50;
}

/*
 * export_cda.xml, beside export.xml in every export, is left out on purpose. It is not a document
 * from a clinic: Apple writes it from the same HealthKit samples as export.xml ("Health Data
 * Export", id extension "Health Export CDA"), every sample again one by one as a Vital Signs
 * organizer entry (a watch's heart rate every few minutes for years), in Apple's own units
 * ("count/min"), its entries placed straight under ClinicalDocument rather than in a section (so
 * no C-CDA reader, ours included, finds a section in it), each observation with the same id,
 * copied from HL7's example. Read as a C-CDA it would double, unsummarised, every measurement
 * export.xml already gives.
 */

/**
 * The whole export read and checked; nothing is stored until this has returned. `onBytes` hears how
 * far export.xml, nearly all of an export, has been read, told as bytes of the file given (inside
 * a zip, its unpacked bytes scaled to the zip's size).
 */
export async function readAppleExport(file: FhirFile, onBytes?: BytesRead): Promise<AppleExport> {
  const name = fileName(file);
  if (!(await startsWithZip(file))) {
    const stream = typeof file === 'string' ? createReadStream(file) : Readable.from([file.bytes]);
    return { samples: await readSamples(stream, name, onBytes), clinical: [] };
  }

  const zip = await openZip(file, name);
  try {
    let entries: Entry[];
    try {
      entries = await entriesOf(zip, name);
    } catch (error) {
      if (error instanceof VaultError) throw error;
      // yauzl's words for a name outside the archive: "invalid relative path", "absolute path".
      const path = /(?:invalid relative path|absolute path|invalid characters in fileName): (.*)$/.exec(
        (error as Error).message,
      );
      if (path)
        refuse(`${name} has a file that points outside the archive (${path[1]}); nothing was imported.`);
      return refuse(
        `${name} cannot be read as an Apple Health export (${(error as Error).message}); nothing was imported.`,
      );
    }
    // The folder is `apple_health_export/` (older exports) or named in the user's language.
    const exportXml = entries.find(
      (e) => /^[^/]+\/export\.xml$/.test(e.fileName) || e.fileName === 'export.xml',
    );
    if (!exportXml) return refuse(`${name} is a zip archive without an Apple Health export.xml in it.`);
    if (exportXml.uncompressedSize > MAX_EXPORT_XML) refuse(`${name} has an export.xml too large to read.`);
    const prefix = exportXml.fileName.slice(0, -'export.xml'.length);
    const scale = exportXml.uncompressedSize > 0 ? zip.fileSize / exportXml.uncompressedSize : 0;
    const samples = await readSamples(
      await streamOf(zip, exportXml),
      `${name} (export.xml)`,
      onBytes && ((read) => onBytes(Math.min(zip.fileSize, Math.round(read * scale)))),
    );

    const clinical: ClinicalRecord[] = [];
    for (const entry of entries) {
      const inside = entry.fileName.slice(prefix.length);
      if (!entry.fileName.startsWith(prefix) || !/^clinical-records\/[^/]+\.json$/.test(inside)) continue;
      const label = `${name} (${inside})`;
      if (entry.uncompressedSize > MAX_CLINICAL_RECORD)
        refuse(`${label} is too large to be one clinical record; nothing was imported.`);
      const raw = await textOf(await streamOf(zip, entry), MAX_CLINICAL_RECORD, label);
      let resource: Json;
      try {
        resource = JSON.parse(raw) as Json;
      } catch {
        return refuse(`${label} is not JSON; nothing was imported.`);
      }
      if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string')
        refuse(`${label} is not a FHIR resource; nothing was imported.`);
      const row = samples.clinicalRecords.get(inside);
      clinical.push({
        path: inside,
        resource,
        raw,
        sourceURL: row?.sourceURL ?? null,
        fhirVersion: versionOf(row?.fhirVersion ?? null, resource),
      });
    }
    return { samples, clinical };
  } catch (error) {
    if (error instanceof VaultError) throw error;
    // yauzl's own complaints (a size that does not match, a bad CRC) are about the archive.
    return refuse(`${name} is damaged (${(error as Error).message}); nothing was imported.`);
  } finally {
    zip.close();
  }
}

/** Where a clinical record came from, as the patient knows it: the institution's host name. */
export function institutionOf(sourceURL: string | null): string | null {
  if (!sourceURL) return null;
  try {
    return new URL(sourceURL).hostname || null;
  } catch {
    return null;
  }
}

/** export.xml up to this size is read whole for a preview, to count its samples; a larger one is not. */
const SURVEY_READS_UP_TO = 64 * 1024 ** 2;

export type AppleSurvey = {
  clinicalRecords: number;
  /** Measurements counted, or null when export.xml is too large to read for a preview. */
  samples: number | null;
  exportXmlBytes: number;
  /** Patient resources among the clinical records (whose the export is, where it says). */
  patients: Json[];
};

/**
 * What an export holds, for a preview before it is imported: the zip's directory is read and
 * checked as an import checks it, its clinical records parsed, and export.xml read only when small.
 */
export async function surveyAppleExport(file: string): Promise<AppleSurvey> {
  const name = fileName(file);
  if (!(await startsWithZip(file))) {
    const bytes = (await stat(file)).size;
    const samples =
      bytes <= SURVEY_READS_UP_TO ? (await readSamples(createReadStream(file), name)).samples : null;
    return { clinicalRecords: 0, samples, exportXmlBytes: bytes, patients: [] };
  }
  const zip = await openZip(file, name);
  try {
    const entries = await entriesOf(zip, name);
    const exportXml = entries.find(
      (e) => /^[^/]+\/export\.xml$/.test(e.fileName) || e.fileName === 'export.xml',
    );
    if (!exportXml) return refuse(`${name} is a zip archive without an Apple Health export.xml in it.`);
    const prefix = exportXml.fileName.slice(0, -'export.xml'.length);
    const clinical = entries.filter(
      (e) =>
        e.fileName.startsWith(prefix) &&
        /^clinical-records\/[^/]+\.json$/.test(e.fileName.slice(prefix.length)),
    );
    const patients: Json[] = [];
    for (const entry of clinical) {
      if (entry.uncompressedSize > MAX_CLINICAL_RECORD) continue;
      const label = `${name} (${entry.fileName.slice(prefix.length)})`;
      try {
        const resource = JSON.parse(
          await textOf(await streamOf(zip, entry), MAX_CLINICAL_RECORD, label),
        ) as Json;
        if (resource?.resourceType === 'Patient') patients.push(resource);
      } catch (error) {
        if (error instanceof VaultError) throw error;
        // A record that is not JSON is refused by the import itself, saying which.
      }
    }
    const samples =
      exportXml.uncompressedSize <= SURVEY_READS_UP_TO
        ? (await readSamples(await streamOf(zip, exportXml), `${name} (export.xml)`)).samples
        : null;
    return {
      clinicalRecords: clinical.length,
      samples,
      exportXmlBytes: exportXml.uncompressedSize,
      patients,
    };
  } catch (error) {
    if (error instanceof VaultError) throw error;
    return refuse(`${name} is damaged (${(error as Error).message}); nothing was imported.`);
  } finally {
    zip.close();
  }
}
