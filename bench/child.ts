/**
 * One measurement: one size into one kind of store, in a process of its own so that the peak
 * memory it reports belongs to that size and variant alone. Writes its figures as JSON to the
 * path it is given; the parent (bench/run.ts) tabulates them.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { IMPORT_PIECE } from '../electron/core/exchange/import-fhir.js';
import { importConnection } from '../electron/core/vault/connections.js';
import { beginLongWrite, type VaultDatabase } from '../electron/core/vault/database.js';
import { GroupedCommits } from '../electron/core/vault/grouped-commits.js';
import { addPerson } from '../electron/core/vault/persons.js';
import { storeRecords, type IncomingRecord, type StoreTally } from '../electron/core/vault/record-store.js';
import { ftsQuery, searchRecords } from '../electron/core/vault/search.js';
import { timelinePage } from '../electron/core/vault/timeline.js';
import { patientSummary } from '../electron/core/records/summary.js';
import { syntheticBatches } from '../testkit/synthetic-patient.js';
import { measure, percentile, timeMs, type Latency } from './stats.js';
import { checkStore, fileSizes, openStore, removeStore } from './stores.js';
import type { Variant } from './variants.js';

export type ChildArgs = {
  variant: Variant;
  size: number;
  seed: number;
  batchSize: number;
  dbPath: string;
  outPath: string;
  keep: boolean;
  queryRuns: number;
  searchQueries: readonly string[];
};

export type SearchFigures = Latency & { query: string; matches: number; returned: number };

export type QueryFigures = {
  openMs: number;
  timelineFirst: Latency;
  timelineDeep: Latency & {
    pagesWalked: number;
    walkMs: number;
    walkPageP50Ms: number;
    walkPageP95Ms: number;
  };
  search: SearchFigures[];
  /**
   * The person's Summary (records/summary.ts), and how many times the first timeline page it
   * costs in the same run: the baseline the machine's load moves as much.
   */
  summary: Latency & { timesFirstPage: number; medications: number; flagged: number };
};

export type ChildResult = {
  variant: Variant;
  sqliteVersion: string;
  size: number;
  batchSize: number;
  generation: { ms: number; perSecond: number };
  /** cpuPerSecond: records per second of this process's CPU time, which other load on the machine moves much less. */
  ingest: {
    ms: number;
    perSecond: number;
    cpuMs: number;
    cpuPerSecond: number;
    batchP50Ms: number;
    batchP95Ms: number;
    batchMaxMs: number;
    /** Ending the long write after the last batch (back to the WAL), counted in ms. */
    endLongWriteMs: number;
  };
  files: { dbBytes: number; walBytes: number };
  rssAfterIngestBytes: number;
  maxRssBytes: number;
  queries: QueryFigures | null;
};

const PAGE = 100;
const SEARCH_LIMIT = 50;

function progress(args: ChildArgs, message: string): void {
  process.stderr.write(`  [${args.variant} ${args.size}] ${message}\n`);
}

/**
 * How the store takes one piece of records, as `work` for GroupedCommits: the app's own path for
 * the schema variants, one bare INSERT a record otherwise.
 */
function pieceWriter(variant: Variant, db: VaultDatabase): (piece: IncomingRecord[]) => void {
  if (variant === 'bare' || variant === 'bare-encrypted') {
    const insert = db.prepare('INSERT INTO r (json) VALUES (?)');
    return (piece) => {
      for (const record of piece) insert.run(record.raw);
    };
  }
  const person = addPerson(db, { name: 'Synthetic Patient', relationship: 'self' });
  const connectionId = importConnection(db, person.id, 'Benchmark import');
  const tally: StoreTally = { added: 0, updated: 0, unchanged: 0 };
  // Exactly what importFhirFiles does with each piece.
  return (piece) => {
    const before = tally.added;
    storeRecords(db, person.id, connectionId, piece, tally);
    if (tally.added - before !== piece.length) throw new Error('a synthetic record was not added as new');
  };
}

function ingest(args: ChildArgs, db: VaultDatabase): ChildResult['ingest'] & { generationMs: number } {
  const write = pieceWriter(args.variant, db);
  // As importFhirFiles does, for every store alike: the long write, pieces of IMPORT_PIECE records
  // committed together every batchSize records.
  const endLongWrite = beginLongWrite(db);
  const commits = new GroupedCommits(db, args.batchSize);
  const pieces = syntheticBatches(
    { seed: args.seed, resources: args.size },
    Math.min(args.batchSize, IMPORT_PIECE),
  );
  const batchMs: number[] = [];
  let generationMs = 0;
  let ingestMs = 0;
  let transactionMs = 0;
  let cpuMicros = 0;
  let done = 0;
  let nextReport = 100_000;
  for (;;) {
    // Generation and serialisation are timed apart: the raw JSON stands in for the text an
    // import reads from a file, which storeRecords is handed rather than computing.
    const g0 = performance.now();
    const next = pieces.next();
    if (next.done) break;
    const piece: IncomingRecord[] = next.value.map((resource) => ({
      resource,
      raw: JSON.stringify(resource),
      fhirVersion: 'R4',
    }));
    generationMs += performance.now() - g0;
    const cpu = process.cpuUsage();
    let committed = false;
    const ms = timeMs(() => {
      committed = commits.write(piece.length, () => write(piece));
    });
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    ingestMs += ms;
    transactionMs += ms;
    if (committed) {
      batchMs.push(transactionMs);
      transactionMs = 0;
    }
    done += piece.length;
    if (done >= nextReport) {
      progress(args, `${done.toLocaleString('en-US')} stored, ${Math.round(done / (ingestMs / 1000))}/s`);
      nextReport += 100_000;
    }
  }
  {
    const cpu = process.cpuUsage();
    const ms = timeMs(() => commits.commit());
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    ingestMs += ms;
    if (transactionMs > 0) batchMs.push(transactionMs + ms);
  }
  // The clock stops once the long write has ended and the store is back in the WAL: nothing the
  // ingest put off is left out of its figure.
  const cpu = process.cpuUsage();
  const endLongWriteMs = timeMs(endLongWrite);
  const used = process.cpuUsage(cpu);
  cpuMicros += used.user + used.system;
  ingestMs += endLongWriteMs;
  return {
    generationMs,
    endLongWriteMs,
    ms: ingestMs,
    perSecond: args.size / (ingestMs / 1000),
    cpuMs: cpuMicros / 1000,
    cpuPerSecond: args.size / (cpuMicros / 1e6),
    batchP50Ms: percentile(batchMs, 50),
    batchP95Ms: percentile(batchMs, 95),
    batchMaxMs: Math.max(...batchMs),
  };
}

function queries(args: ChildArgs, db: VaultDatabase): Omit<QueryFigures, 'openMs'> {
  const personId = 1;
  const timelineFirst = measure(args.queryRuns, () => {
    timelinePage(db, { personId, limit: PAGE });
  });

  // Page the way a person scrolling would, to halfway; then time the request for the next page alone.
  const visible = args.size - 1; // the Patient is administrative and not on the timeline
  const pageMs: number[] = [];
  let cursor: string | null = null;
  let seen = 0;
  const walkStart = performance.now();
  while (seen < visible / 2) {
    const t0 = performance.now();
    const page: ReturnType<typeof timelinePage> = timelinePage(db, { personId, limit: PAGE, cursor });
    pageMs.push(performance.now() - t0);
    seen += page.entries.length;
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  const walkMs = performance.now() - walkStart;
  const deepCursor = cursor;
  const deep = measure(args.queryRuns, () => {
    const page = timelinePage(db, { personId, limit: PAGE, cursor: deepCursor });
    if (page.entries.length === 0 && visible > 2 * PAGE)
      throw new Error('the deep timeline page came back empty');
  });

  const count = db.prepare('SELECT count(*) AS n FROM resources_fts WHERE resources_fts MATCH ?');
  const search = args.searchQueries.map((query): SearchFigures => {
    let returned = 0;
    const latency = measure(args.queryRuns, () => {
      returned = searchRecords(db, { personId, query, limit: SEARCH_LIMIT }).length;
    });
    const { n } = count.get(ftsQuery(query)) as { n: number };
    return { query, matches: n, returned, ...latency };
  });

  let shown = patientSummary(db, personId);
  const summaryLatency = measure(args.queryRuns, () => {
    shown = patientSummary(db, personId);
  });

  return {
    timelineFirst,
    summary: {
      ...summaryLatency,
      timesFirstPage: summaryLatency.p50Ms / Math.max(timelineFirst.p50Ms, 0.001),
      medications: shown.medications.length,
      flagged: shown.flagged.length,
    },
    timelineDeep: {
      ...deep,
      pagesWalked: pageMs.length,
      walkMs,
      walkPageP50Ms: percentile(pageMs, 50),
      walkPageP95Ms: percentile(pageMs, 95),
    },
    search,
  };
}

function main(): void {
  const args = JSON.parse(process.argv[2] ?? '') as ChildArgs;
  removeStore(args.dbPath);
  const t0 = performance.now();
  let db = openStore(args.variant, args.dbPath, 'create');
  checkStore(args.variant, db, args.dbPath);
  const { v: sqliteVersion } = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
  progress(args, `created in ${Math.round(performance.now() - t0)} ms; ingesting`);
  const { generationMs, ...ingestFigures } = ingest(args, db);
  const files = fileSizes(args.dbPath);
  const rssAfterIngestBytes = process.memoryUsage.rss();
  checkStore(args.variant, db, args.dbPath);
  progress(
    args,
    `ingested at ${Math.round(ingestFigures.perSecond)}/s (generation ${Math.round(generationMs)} ms apart)`,
  );

  let queryFigures: QueryFigures | null = null;
  if (args.variant === 'encrypted' || args.variant === 'unencrypted') {
    // Reopened, as after unlocking: nothing of the ingest is left in SQLite's page cache.
    db.close();
    const o0 = performance.now();
    db = openStore(args.variant, args.dbPath, 'open');
    const openMs = performance.now() - o0;
    queryFigures = { ...queries(args, db), openMs };
    progress(args, 'queries done');
  }
  db.close();
  if (!args.keep) removeStore(args.dbPath);

  const result: ChildResult = {
    variant: args.variant,
    sqliteVersion,
    size: args.size,
    batchSize: args.batchSize,
    generation: { ms: generationMs, perSecond: args.size / (generationMs / 1000) },
    ingest: ingestFigures,
    files,
    rssAfterIngestBytes,
    // Kilobytes on Linux and macOS.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    queries: queryFigures,
  };
  writeFileSync(args.outPath, JSON.stringify(result, null, 2));
}

main();
