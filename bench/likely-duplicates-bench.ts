/**
 * What linking likely duplicates costs, and what hiding the copies costs the timeline.
 *
 *   npx tsx --tsconfig bench/tsconfig.json bench/likely-duplicates-bench.ts [records=100000]
 *
 * One synthetic patient from "Example Hospital", then runs of linkLikelyDuplicates as a sync
 * would make them: nothing new, a few hundred new records of which some are copies from a second
 * source, and finally the whole patient again from that second source. Then the timeline's first
 * and deep pages and its counts, with about half of the records hidden as copies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { linkLikelyDuplicates } from '../electron/core/records/likely-duplicates.js';
import { importConnection } from '../electron/core/vault/connections.js';
import type { VaultDatabase } from '../electron/core/vault/database.js';
import { addPerson } from '../electron/core/vault/persons.js';
import { storeRecords, type IncomingRecord } from '../electron/core/vault/record-store.js';
import { timelineCounts } from '../electron/core/vault/timeline-counts.js';
import { timelinePage } from '../electron/core/vault/timeline.js';
import { VaultFile } from '../electron/core/vault/vault-file.js';
import { syntheticBatches } from '../testkit/synthetic-patient.js';
import { percentile } from './stats.js';

const size = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'phr-dup-bench-'));

function store(db: VaultDatabase, person: number, connection: number, batch: readonly unknown[]) {
  const records = batch.map((resource) => ({ resource, fhirVersion: 'R4' }) as IncomingRecord);
  db.transaction(() => storeRecords(db, person, connection, records)).immediate();
}

function timed<T>(label: string, work: () => T): T {
  const t0 = performance.now();
  const out = work();
  console.log(`${label}: ${(performance.now() - t0).toFixed(1)} ms`, out);
  return out;
}

function pageLatencies(db: VaultDatabase, personId: number, runs: number) {
  const first: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    timelinePage(db, { personId, limit: 100 });
    first.push(performance.now() - t0);
  }
  const walk: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const t0 = performance.now();
    const page: ReturnType<typeof timelinePage> = timelinePage(db, { personId, limit: 100, cursor });
    walk.push(performance.now() - t0);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 2000);
  return {
    firstP50: percentile(first, 50).toFixed(2),
    firstP95: percentile(first, 95).toFixed(2),
    walkPages: pages,
    walkP50: percentile(walk, 50).toFixed(2),
    walkP95: percentile(walk, 95).toFixed(2),
  };
}

try {
  const vault = new VaultFile(join(dir, 'vault.phrvault'), {
    scrypt: { name: 'scrypt', N: 2 ** 12, r: 8, p: 1 },
  });
  await vault.create('benchmark passphrase');
  const db = vault.db;
  const person = addPerson(db, { name: 'Synthetic Patient', relationship: 'self' }).id;
  const hospital = importConnection(db, person, 'Example Hospital');
  const portal = importConnection(db, person, 'Patient portal');

  const all: unknown[][] = [];
  let t0 = performance.now();
  for (const batch of syntheticBatches({ seed: 7, resources: size }, 5000)) {
    store(db, person, hospital, batch);
    all.push(batch);
  }
  console.log(`stored ${size} records: ${(performance.now() - t0).toFixed(0)} ms`);

  timed(`first run over ${size} records (one source, nothing to link)`, () =>
    linkLikelyDuplicates(db, person),
  );
  timed('run with nothing new', () => linkLikelyDuplicates(db, person));

  // A sync's worth: 300 records from the second source, 100 of them copies of the hospital's.
  const copies = all[0]!.slice(1000, 1100);
  const fresh = [...syntheticBatches({ seed: 99, resources: 201 }, 1000)][0]!.slice(1);
  store(db, person, portal, [...copies, ...fresh]);
  timed('run after a sync of 300 records (100 copies)', () => linkLikelyDuplicates(db, person));
  timed('run with nothing new', () => linkLikelyDuplicates(db, person));

  console.log('timeline (ms):', pageLatencies(db, person, 200));
  timed('timeline counts', () => timelineCounts(db, { personId: person }).total);

  t0 = performance.now();
  for (const batch of all) store(db, person, portal, batch);
  console.log(
    `stored the whole patient again from a second source: ${(performance.now() - t0).toFixed(0)} ms`,
  );
  timed(`run after ${size} new records, most of them copies`, () => linkLikelyDuplicates(db, person));
  console.log('timeline with the copies hidden (ms):', pageLatencies(db, person, 200));
  timed('timeline counts', () => timelineCounts(db, { personId: person }).total);
  timed(
    'timeline counts, one source chosen',
    () => timelineCounts(db, { personId: person, connectionIds: [portal] }).total,
  );
  vault.lock();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
