import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import { isVaultError } from '../../electron/core/errors.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { chooseFiles } from '../../testkit/chosen-files.js';
import { call, newVaultService } from '../support/connected-vault.js';
import { everyViewProblems } from '../support/every-view.js';
import {
  GEOFFREY,
  IRMGARD_DSTU2,
  IRMGARD_STU3,
  MATHILDA_DSTU2,
  tempDir,
  US_CORE_355,
} from '../support/temp-dir.js';

/**
 * Structured fuzzing of every importer: FHIR JSON (a resource, a Bundle, Bundles inside Bundles),
 * NDJSON, and R4, STU3 and DSTU2 records, starting from the public sample files and broken on
 * purpose: wrong types in any field, deep nesting, huge texts, repeated keys, odd encodings, cut
 * files. Each document must end in a stored result or a refusal in plain words (never `internal`),
 * through the window's import (previewed, then stored for the person or a new one made from the
 * file) and the command line's, both reading the file from disk, and afterwards the vault's
 * integrity check is clean and every view and export of what was stored still works.
 *
 * CI runs a fixed seed and few runs; PHR_FUZZ_RUNS and PHR_FUZZ_SEED run more (README, Test).
 */
const RUNS = Number(process.env.PHR_FUZZ_RUNS ?? 20);
const SEED = Number(process.env.PHR_FUZZ_SEED ?? 20261206);

type Json = Record<string, unknown>;

/** The first record of each type in each sample file: every shape the app has met, three versions. */
function seedRecords(): Json[] {
  const seeds: Json[] = [];
  for (const file of [GEOFFREY, US_CORE_355, IRMGARD_STU3, IRMGARD_DSTU2, MATHILDA_DSTU2]) {
    const bundle = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as {
      entry: { resource: Json }[];
    };
    const seen = new Set<string>();
    for (const { resource } of bundle.entry) {
      const type = String(resource.resourceType);
      if (seen.has(type)) continue;
      seen.add(type);
      seeds.push(resource);
    }
  }
  return seeds;
}

/** Every place in a record a value sits: [the object or array, its key]. */
function places(value: unknown): [Json | unknown[], string | number][] {
  const found: [Json | unknown[], string | number][] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0 && found.length < 2000) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      item.forEach((child, i) => {
        found.push([item, i]);
        stack.push(child);
      });
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        found.push([item as Json, key]);
        stack.push(child);
      }
    }
  }
  return found;
}

const READ_KEYS =
  /^(code|coding|system|display|text|value.*|unit|status|clinicalStatus|verificationStatus|category|gender|use|profile|meta|effective.*|onset.*|occurrence.*|performed.*|authoredOn|recordedDate|issued|date|birthDate|name|given|family|medication.*|vaccineCode|result|component|interpretation|referenceRange|low|high|attachment|data|contentType|url|reference|class|period|start|end)$/;

const nested = (levels: number, inside: unknown): unknown => {
  let value = inside;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
};

const valueMutation = fc.oneof(
  fc.record({ kind: fc.constant('wrong-type' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({
    kind: fc.constant('deep' as const),
    at: fc.nat(),
    levels: fc.constantFrom(20, 99, 101, 3000),
  }),
  fc.record({
    kind: fc.constant('huge' as const),
    at: fc.nat(),
    length: fc.constantFrom(5000, 300_000, 1_000_001),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  // An object JavaScript cannot turn into text: String(x) and `${x}` throw on it.
  fc.record({ kind: fc.constant('unprintable' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('odd-text' as const),
    at: fc.nat(),
    value: fc.constantFrom(
      '\u0000',
      '\ud800',
      '\u202e<script>',
      '  ',
      '9999-99-99',
      '-0',
      'NaN',
      '💊'.repeat(50),
      'constructor',
      '__proto__',
      'toString',
    ),
  }),
);
type ValueMutation = typeof valueMutation extends fc.Arbitrary<infer T> ? T : never;

function mutated(seed: Json, mutations: ValueMutation[]): Json {
  const resource = structuredClone(seed);
  for (const mutation of mutations) {
    const everywhere = places(resource);
    // Every other mutation goes where the app reads (codes, dates, values, statuses), which
    // uniform picks in a large record seldom reach.
    const read = everywhere.filter(([, key]) => typeof key === 'string' && READ_KEYS.test(key));
    const all = mutation.at % 2 === 0 && read.length > 0 ? read : everywhere;
    if (all.length === 0) break;
    const [holder, key] = all[Math.floor(mutation.at / 2) % all.length]!;
    // The resource's type stays, most of the time: a record of a known type with a broken body
    // goes further into the app than one that is not FHIR at all.
    if (key === 'resourceType' && holder === resource && mutation.at % 4 !== 0) continue;
    const set = (value: unknown) => ((holder as Record<string | number, unknown>)[key] = value);
    if (mutation.kind === 'wrong-type') set(mutation.value);
    else if (mutation.kind === 'deep') set(nested(mutation.levels, (holder as Json)[key as string]));
    else if (mutation.kind === 'huge') set('x'.repeat(mutation.length));
    else if (mutation.kind === 'odd-text') set(mutation.value);
    else if (mutation.kind === 'unprintable') set({ toString: 1, valueOf: 1 });
    else if (Array.isArray(holder)) holder.splice(key as number, 1);
    else delete holder[key as string];
  }
  return resource;
}

const textMutation = fc.oneof(
  fc.constant('repeated-id' as const),
  fc.constant('repeated-entry' as const),
  fc.constant('proto-key' as const),
  fc.constant('crlf' as const),
  fc.record({ cutAt: fc.double({ min: 0, max: 1, noNaN: true }) }),
);
type TextMutation = typeof textMutation extends fc.Arbitrary<infer T> ? T : never;

function mutatedText(text: string, mutation: TextMutation): string {
  if (mutation === 'repeated-id') return text.replace('{', '{"id":"repeated",');
  if (mutation === 'repeated-entry')
    return text.replace('{', '{"entry":[{"resource":{"resourceType":"Bundle"}}],');
  if (mutation === 'proto-key')
    return text.replace('{', '{"__proto__":{"resourceType":"Patient"},"constructor":1,');
  if (mutation === 'crlf') return text.replaceAll('\n', '\r\n');
  return text.slice(0, Math.floor(text.length * mutation.cutAt));
}

const encodings = ['utf8', 'utf8-bom', 'utf16le', 'latin1', 'broken-utf8'] as const;

function encoded(text: string, encoding: (typeof encodings)[number]): Buffer {
  if (encoding === 'utf8-bom') return Buffer.from(`\uFEFF${text}`);
  if (encoding === 'utf16le') return Buffer.from(`\uFEFF${text}`, 'utf16le');
  if (encoding === 'latin1') return Buffer.from(text, 'latin1');
  if (encoding === 'broken-utf8') {
    const bytes = Buffer.from(text);
    const at = Math.floor(bytes.length / 2);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff]), bytes.subarray(at)]);
  }
  return Buffer.from(text);
}

describe('fuzzing every importer', () => {
  let service: VaultService;
  let owner: number;
  let dir: string;
  const seeds = seedRecords();

  beforeAll(async () => {
    ({ service } = await newVaultService());
    owner = (await call(service, 'persons.list'))[0]!.id;
    dir = tempDir('phr-vault-fuzz-');
  });
  afterAll(() => service.close());

  const record = fc
    .tuple(fc.constantFrom(...seeds), fc.array(valueMutation, { maxLength: 4 }))
    .map(([seed, mutations]) => mutated(seed, mutations));
  // Records of a known type with nothing or nonsense in them.
  const shapeless = fc
    .record({
      resourceType: fc.constantFrom('Observation', 'Condition', 'MedicationRequest', 'Patient', 'Bundle'),
      id: fc.jsonValue({ maxDepth: 1 }),
      code: fc.jsonValue({ maxDepth: 2 }),
    })
    .map((r) => r as Json);

  const document = fc.record({
    shape: fc.constantFrom('resource', 'bundle', 'nested', 'ndjson'),
    records: fc.array(fc.oneof({ weight: 4, arbitrary: record }, { weight: 1, arbitrary: shapeless }), {
      minLength: 1,
      maxLength: 6,
    }),
    bundleType: fc.constantFrom('collection', 'transaction', 'searchset', 'document', 7),
    nesting: fc.integer({ min: 1, max: 12 }),
    garbage: fc.array(
      fc.oneof(
        fc.string(),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      ),
      { maxLength: 2 },
    ),
    text: fc.array(textMutation, { maxLength: 2 }),
    encoding: fc.constantFrom(...encodings),
    fromDisk: fc.boolean(),
    // The command line's --fhir-version: records read as a version they are not.
    fhirVersion: fc.constantFrom(undefined, 'R4', 'STU3', 'DSTU2'),
    // The window's choice: the person chosen, or a new person made from the file's patient.
    as: fc.constantFrom('this-person' as const, 'new-person' as const),
  });
  type Document = typeof document extends fc.Arbitrary<infer T> ? T : never;

  function written(doc: Document): { name: string; bytes: Buffer } {
    let text: string;
    let name = 'records.json';
    const entries = (records: Json[]) => records.map((resource) => ({ fullUrl: 'urn:x', resource }));
    if (doc.shape === 'resource') text = JSON.stringify(doc.records[0]);
    else if (doc.shape === 'ndjson') {
      name = 'records.ndjson';
      text = [...doc.records.map((r) => JSON.stringify(r)), ...doc.garbage].join('\n');
    } else {
      let bundle: Json = { resourceType: 'Bundle', type: doc.bundleType, entry: entries(doc.records) };
      for (let level = 1; doc.shape === 'nested' && level < doc.nesting; level++) {
        bundle = {
          resourceType: 'Bundle',
          type: 'searchset',
          entry: [...entries(doc.records.slice(0, 1)), { resource: bundle }],
        };
      }
      text = JSON.stringify(bundle, null, doc.nesting % 3 === 0 ? 2 : undefined);
    }
    for (const mutation of doc.text) text = mutatedText(text, mutation);
    return { name, bytes: encoded(text, doc.encoding) };
  }

  async function imported(doc: Document, run: number): Promise<string | null> {
    const file = written(doc);
    const path = join(dir, `${run}-${file.name}`);
    writeFileSync(path, file.bytes);
    if (doc.fromDisk) {
      // The command line's way: read from disk as it stores.
      try {
        await importFhirFiles(service.vault.db, [path], { personId: owner, fhirVersion: doc.fhirVersion });
        return null;
      } catch (error) {
        return isVaultError(error, 'bad-input') ? null : `the import threw ${String(error)}`;
      }
    }
    // The window's way: the shell hands over the path, the preview says what it is, then it is stored.
    const [chosen] = await chooseFiles(service, [path]);
    const preview = await service.dispatch('imports.preview', { personId: owner, tokens: [chosen!.token] });
    if (!preview.ok) return `the preview answered ${preview.error.kind}: ${preview.error.message}`;
    const answer = await service.dispatch('imports.run', {
      token: chosen!.token,
      personId: owner,
      as: doc.as,
    });
    if (answer.ok || answer.error.kind === 'bad-input') return null;
    return `the import answered ${answer.error.kind}: ${answer.error.message}`;
  }

  it(
    'ends every document in a stored result or a plain refusal, and every view and export still works',
    async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(document, async (doc) => {
          run++;
          const problems = [await imported(doc, run), ...(await everyViewProblems(service, owner))];
          expect(problems.filter(Boolean)).toEqual([]);
          // A memory bound, generous: the documents are at most a few megabytes.
          expect(process.memoryUsage().heapUsed).toBeLessThan(1536 * 1024 * 1024);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      const stored = service.vault.db.prepare('SELECT count(*) FROM resources').pluck().get() as number;
      // The documents are broken, not hopeless: many of their records are kept.
      expect(stored).toBeGreaterThan(0);
    },
    Math.max(600_000, RUNS * 15_000),
  );
});
