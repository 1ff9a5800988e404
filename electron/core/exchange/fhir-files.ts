import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { VaultError } from '../errors.js';
import { bundleEntryTexts } from '../records/bundle-texts.js';
import { isObject, type Json } from '../records/fhir-values.js';

/**
 * Reads the FHIR JSON a patient is handed or downloads: a Bundle of any type, a single resource,
 * or NDJSON (one resource a line, as bulk export writes). What cannot be read is reported per
 * entry or line; a file that is not FHIR JSON at all is refused before anything is stored.
 */

export type FileRecord = { resource: Json; raw: string };
export type FileProblem = { where: string; problem: string };
/**
 * A file on disk (the command line), or one the person chose in the app, whose bytes the window
 * read and sent: the core is never handed a path by the renderer, and the bytes are never written
 * to disk unencrypted.
 */
export type FhirFile = string | { name: string; bytes: Buffer };

/** The name a file is spoken of by: its last path segment. */
export const fileName = (file: FhirFile) => basename(typeof file === 'string' ? file : file.name);

const MAX_JSON_FILE_BYTES = 512 * 1024 * 1024;

function looksLikeResource(value: unknown): value is Json {
  return (
    isObject(value) && typeof value.resourceType === 'string' && /^[A-Z][A-Za-z]+$/.test(value.resourceType)
  );
}

/** Entries of a Bundle, recursing into Bundles inside it (a searchset of documents, say). */
function* bundleRecords(
  bundle: Json,
  text: string | undefined,
  problems: FileProblem[],
  where: string,
  onBundle?: (bundle: Json) => void,
): Generator<FileRecord> {
  onBundle?.(bundle);
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  // Each record is kept as the file wrote it; where the text cannot be read that way, as
  // JSON.stringify writes it.
  const texts = text === undefined ? null : bundleEntryTexts(text, entries.length);
  for (const [index, entry] of entries.entries()) {
    const raw = texts?.[index];
    const resource = isObject(entry) ? entry.resource : undefined;
    if (!looksLikeResource(resource)) {
      if (!(isObject(entry) && isObject(entry.request) && entry.request.method === 'DELETE')) {
        problems.push({ where: `${where} entry ${index + 1}`, problem: 'has no FHIR resource' });
      }
      continue;
    }
    if (resource.resourceType === 'Bundle') {
      yield* bundleRecords(resource, raw, problems, `${where} entry ${index + 1}`, onBundle);
    } else {
      yield { resource, raw: raw ?? JSON.stringify(resource) };
    }
  }
}

async function* ndjsonRecords(
  file: FhirFile,
  problems: FileProblem[],
  onBundle?: (bundle: Json) => void,
): AsyncGenerator<FileRecord> {
  const input =
    typeof file === 'string'
      ? createReadStream(file, { encoding: 'utf8' })
      : Readable.from([file.bytes.toString('utf8')]);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  let good = 0;
  for await (const line of lines) {
    lineNumber++;
    const text = line.trim();
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      problems.push({ where: `line ${lineNumber}`, problem: 'is not valid JSON' });
      continue;
    }
    if (!looksLikeResource(value)) {
      problems.push({ where: `line ${lineNumber}`, problem: 'is not a FHIR resource' });
      continue;
    }
    good++;
    if (value.resourceType === 'Bundle')
      yield* bundleRecords(value, text, problems, `line ${lineNumber}`, onBundle);
    else yield { resource: value, raw: text };
  }
  if (good === 0) throw new VaultError('bad-input', `${fileName(file)} holds no FHIR resources.`);
}

function isNdjsonName(name: string): boolean {
  return /\.(ndjson|jsonl)$/i.test(name);
}

/** `onBundle` sees each Bundle read (its own meta can say which FHIR version the file is). */
export async function* readFhirFile(
  file: FhirFile,
  problems: FileProblem[],
  onBundle?: (bundle: Json) => void,
): AsyncGenerator<FileRecord> {
  const name = fileName(file);
  let size: number;
  try {
    size = typeof file === 'string' ? (await stat(file)).size : file.bytes.length;
  } catch {
    throw new VaultError('bad-input', `${name} could not be opened.`);
  }
  if (isNdjsonName(name)) {
    yield* ndjsonRecords(file, problems, onBundle);
    return;
  }
  if (size > MAX_JSON_FILE_BYTES)
    throw new VaultError('bad-input', `${name} is too large to read as one JSON document.`);
  const text = (
    typeof file === 'string' ? await readFile(file, 'utf8') : file.bytes.toString('utf8')
  ).replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // A file of resources one per line without the .ndjson name is still NDJSON.
    if (text.trimStart().startsWith('{') && text.trim().includes('\n')) {
      yield* ndjsonRecords(file, problems, onBundle);
      return;
    }
    throw new VaultError('bad-input', `${name} is not valid JSON.`);
  }
  if (!looksLikeResource(value))
    throw new VaultError('bad-input', `${name} is not FHIR JSON (it has no resourceType).`);
  if (value.resourceType === 'Bundle') {
    const records = [...bundleRecords(value, text, problems, name, onBundle)];
    if (records.length === 0) throw new VaultError('bad-input', `${name} is a Bundle with no records in it.`);
    yield* records;
  } else {
    yield { resource: value, raw: text.trim() };
  }
}
