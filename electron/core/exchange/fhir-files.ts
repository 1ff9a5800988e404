import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { VaultError } from '../errors.js';
import { nestedBundleTexts, type BundleTexts } from '../records/bundle-texts.js';
import { isObject, type Json } from '../records/fhir-values.js';
import { outOfBounds } from '../records/resource-bounds.js';

/**
 * Reads the FHIR JSON a patient is handed or downloads: a Bundle of any type, a single resource,
 * or NDJSON (one resource a line, as bulk export writes). What cannot be read is reported per
 * entry or line; a file that is not FHIR JSON at all is refused before anything is stored.
 */

export type FileRecord = { resource: Json; raw: string };
export type FileProblem = { where: string; problem: string };
/**
 * A file on disk (chosen in the window or named on the command line), or one the core holds in
 * memory (a health link's file, fetched and decrypted), whose bytes are never written to disk
 * unencrypted.
 */
export type FhirFile = string | { name: string; bytes: Buffer };

/** The name a file is spoken of by: its last path segment. */
export const fileName = (file: FhirFile) => basename(typeof file === 'string' ? file : file.name);

const MAX_JSON_FILE_BYTES = 512 * 1024 * 1024;
/**
 * The longest NDJSON line read as a record: a resource with the largest attachment PHR Vault keeps
 * (records/resource-bounds.ts) fits several times over. Lines are cut off here rather than joined
 * whole, since a string past V8's limit (about 512 MB) throws out of the stream reading it.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/**
 * Bundles inside Bundles: a searchset of documents is two levels, and nothing real goes near eight.
 * Beyond it entries are left out, saying so, so the reading stays linear in the file's size.
 */
export const MAX_BUNDLE_NESTING = 8;

function looksLikeResource(value: unknown): value is Json {
  return (
    isObject(value) && typeof value.resourceType === 'string' && /^[A-Z][A-Za-z]+$/.test(value.resourceType)
  );
}

/**
 * Entries of a Bundle, recursing into Bundles inside it (a searchset of documents, say) down to
 * MAX_BUNDLE_NESTING. `texts` are its entries' texts as the file wrote them, nested Bundles' too.
 */
function* bundleRecords(
  bundle: Json,
  texts: BundleTexts | null,
  problems: FileProblem[],
  where: string,
  level: number,
  onBundle?: (bundle: Json) => void,
): Generator<FileRecord> {
  onBundle?.(bundle);
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  for (const [index, entry] of entries.entries()) {
    const at = `${where} entry ${index + 1}`;
    const resource = isObject(entry) ? entry.resource : undefined;
    if (!looksLikeResource(resource)) {
      if (!(isObject(entry) && isObject(entry.request) && entry.request.method === 'DELETE')) {
        problems.push({ where: at, problem: 'has no FHIR resource' });
      }
      continue;
    }
    if (resource.resourceType === 'Bundle') {
      if (level >= MAX_BUNDLE_NESTING) {
        problems.push({
          where: at,
          problem: `is a Bundle nested more than ${MAX_BUNDLE_NESTING} deep: what it holds was left out`,
        });
        continue;
      }
      yield* bundleRecords(resource, texts?.inner[index] ?? null, problems, at, level + 1, onBundle);
      continue;
    }
    const problem = outOfBounds(resource);
    if (problem) {
      problems.push({ where: at, problem });
      continue;
    }
    // Each record is kept as the file wrote it; where the text cannot be read that way, as
    // JSON.stringify writes it.
    yield { resource, raw: texts?.texts[index] ?? JSON.stringify(resource) };
  }
}

/** A Bundle's records with the texts the file wrote them as, read from `text` in one pass. */
function recordsOfBundle(
  bundle: Json,
  text: string,
  problems: FileProblem[],
  where: string,
  onBundle?: (bundle: Json) => void,
): Generator<FileRecord> {
  const texts = nestedBundleTexts(text, bundle, MAX_BUNDLE_NESTING);
  return bundleRecords(bundle, texts, problems, where, 1, onBundle);
}

type Line = { text: string } | { tooLong: true };

/**
 * A file's lines, each cut off at MAX_LINE_BYTES, handed over a chunk's worth at a time (one await
 * a line costs more than reading it). Written by hand: readline has no bound on a line's length.
 * Split on the newline byte, which no multi-byte UTF-8 character contains.
 */
async function* boundedLines(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Line[]> {
  let parts: Buffer[] = [];
  let bytes = 0;
  let started = false;
  const take = (part: Buffer) => {
    started = true;
    bytes += part.length;
    if (bytes <= MAX_LINE_BYTES) parts.push(part);
    else parts = [];
  };
  const line = (): Line => {
    const done: Line =
      bytes > MAX_LINE_BYTES
        ? { tooLong: true }
        : { text: (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8') };
    parts = [];
    bytes = 0;
    started = false;
    return done;
  };
  for await (const chunk of chunks) {
    const lines: Line[] = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(0x0a, start);
      if (end < 0) {
        if (start < chunk.length) take(chunk.subarray(start));
        break;
      }
      take(chunk.subarray(start, end));
      lines.push(line());
      start = end + 1;
    }
    if (lines.length > 0) yield lines;
  }
  if (started) yield [line()];
}

/** Says how many bytes of a file have been read so far, for a progress bar. */
export type BytesRead = (bytes: number) => void;

async function* counted(chunks: AsyncIterable<Buffer>, onBytes: BytesRead): AsyncGenerator<Buffer> {
  let read = 0;
  for await (const chunk of chunks) {
    read += chunk.length;
    onBytes(read);
    yield chunk;
  }
}

async function* ndjsonRecords(
  file: FhirFile,
  problems: FileProblem[],
  onBundle?: (bundle: Json) => void,
  onBytes?: BytesRead,
): AsyncGenerator<FileRecord> {
  const stream = typeof file === 'string' ? createReadStream(file, { highWaterMark: 1 << 20 }) : null;
  const chunks = stream ? (onBytes ? counted(stream, onBytes) : stream) : [(file as { bytes: Buffer }).bytes];
  let lineNumber = 0;
  let good = 0;
  const firstProblem = problems.length;
  for await (const lines of boundedLines(chunks))
    for (const line of lines) {
      lineNumber++;
      const where = `line ${lineNumber}`;
      if ('tooLong' in line) {
        problems.push({
          where,
          problem: `is longer than ${MAX_LINE_BYTES / 1024 / 1024} MB, more than any record PHR Vault reads`,
        });
        continue;
      }
      const text = (lineNumber === 1 ? line.text.replace(/^\uFEFF/, '') : line.text).trim();
      if (text === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        problems.push({ where, problem: 'is not valid JSON' });
        continue;
      }
      if (!looksLikeResource(value)) {
        problems.push({ where, problem: 'is not a FHIR resource' });
        continue;
      }
      if (value.resourceType === 'Bundle') {
        for (const record of recordsOfBundle(value, text, problems, where, onBundle)) {
          good++;
          yield record;
        }
        continue;
      }
      const problem = outOfBounds(value);
      if (problem) {
        problems.push({ where, problem });
        continue;
      }
      good++;
      yield { resource: value, raw: text };
    }
  if (good === 0) {
    const first = problems[firstProblem];
    throw new VaultError(
      'bad-input',
      `${fileName(file)} holds no FHIR resources${first ? ` (${first.where} ${first.problem})` : ''}.`,
    );
  }
}

function isNdjsonName(name: string): boolean {
  return /\.(ndjson|jsonl)$/i.test(name);
}

/**
 * `onBundle` sees each Bundle read (its own meta can say which FHIR version the file is); `onBytes`
 * how much of the file has been read.
 */
export async function* readFhirFile(
  file: FhirFile,
  problems: FileProblem[],
  onBundle?: (bundle: Json) => void,
  onBytes?: BytesRead,
): AsyncGenerator<FileRecord> {
  const name = fileName(file);
  let size: number;
  try {
    size = typeof file === 'string' ? (await stat(file)).size : file.bytes.length;
  } catch {
    throw new VaultError('bad-input', `${name} could not be opened.`);
  }
  if (isNdjsonName(name)) {
    yield* ndjsonRecords(file, problems, onBundle, onBytes);
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
      yield* ndjsonRecords(file, problems, onBundle, onBytes);
      return;
    }
    throw new VaultError('bad-input', `${name} is not valid JSON.`);
  }
  onBytes?.(size);
  if (!looksLikeResource(value))
    throw new VaultError('bad-input', `${name} is not FHIR JSON (it has no resourceType).`);
  if (value.resourceType === 'Bundle') {
    const records = [...recordsOfBundle(value, text, problems, name, onBundle)];
    if (records.length === 0) throw new VaultError('bad-input', `${name} is a Bundle with no records in it.`);
    yield* records;
  } else {
    const problem = outOfBounds(value);
    if (problem) throw new VaultError('bad-input', `${name} ${problem}.`);
    yield { resource: value, raw: text.trim() };
  }
}
