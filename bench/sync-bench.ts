/**
 * Sync benchmark: one generated patient of 10,000 resources (BENCH_SYNC_SIZE to change it) synced
 * from two local FHIR servers, the records server (testkit/fhir-records-server.ts, instant)
 * and medplum's FhirRouter over a MemoryRepository (bench/sync-medplum-server.ts), at 1000 records a
 * page (what sync asks for) and at 200 (BENCH_SYNC_PAGES=200,1000): records/s, the client's CPU time
 * as a share of the sync's wall time, the server's own handling time and CPU time, and the rate of
 * the store transactions during sync against the import path's (importFhirFiles of the same records
 * into a fresh vault, in the same run), both as it runs and committing as often as the sync does.
 *
 *     npx tsx --tsconfig bench/tsconfig.json bench/sync-bench.ts
 *     BENCH_SYNC_RUNS=5            runs against the records server (default 5); every figure is the median
 *     BENCH_SYNC_MEDPLUM_RUNS=3    runs against medplum (default 3)
 *     BENCH_SYNC_MEDPLUM_PAGES=1000  page sizes for medplum (default 1000 only: at 200 a sync takes 2-2.5 min)
 *     BENCH_SYNC_SERVERS=records   which servers (default records,medplum)
 *     BENCH_CPU_PROF=1             also writes a V8 CPU profile of each sync alone (first run) to bench/out/prof
 *
 * Targets from the issue: the client takes at most a quarter of the wall time, and ingest during
 * sync is no slower than the foundation's ingest (the import's, measured; also its 20,000/s target). Figures are printed and written as the "Sync" section of
 * bench/results.md; nothing is asserted. A sync that does not bring every record in is a broken
 * benchmark, not a figure, and stops it.
 *
 * Processes: this parent never loads the SQLite driver. Each sync's server runs in a child of its
 * own (so the client's CPU time, process.cpuUsage() in the client, is the client's alone, and the
 * server measures its own handling time and CPU time); the baseline import and each sync client run
 * in children under bench/tsconfig.json, each with a fresh vault.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { VaultDatabase } from '../electron/core/vault/database.js';
import { TARGETS } from './report.js';
import { writeResults } from './results-file.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const PASS = 'correct horse battery';
const TOKEN = 'sync-bench-token';
const SEED = 1;
const TARGET_CLIENT_SHARE = 0.25;
const FOUNDATION_INGEST_TARGET = TARGETS.encryptedPerSecond;
const scrypt = { name: 'scrypt' as const, N: 2 ** 12, r: 8, p: 1 };

/**
 * The two servers synced from: `records`, testkit/fhir-records-server.ts (hand-written for
 * fault injection, answers from memory almost at once); `medplum`, bench/sync-medplum-server.ts
 * (medplum's FhirRouter over a MemoryRepository, a well-kept implementation that scans per page).
 */
const SERVERS = ['records', 'medplum'] as const;
type ServerKind = (typeof SERVERS)[number];
type ServerReady = { base: string; patientId: string; stubs: number };
type ServerStats = {
  handlingMs: number;
  cpuMs: number;
  searches: number;
  reads: number;
  other: number;
  failed: number;
};
type ImportResult = {
  records: number;
  wallMs: number;
  cpuMs: number;
  /** importFhirFiles' grouped commits: its pieces (storeRecords of parsed records with their raw text) and commits. */
  storeWallMs: number;
  storeCpuMs: number;
  /** Of those, the pieces' functions (storeRecords); the rest is BEGIN, savepoints and COMMIT. */
  storeBodyWallMs: number;
  storeBodyCpuMs: number;
  transactions: number;
  /** Records a savepoint, and a commit. */
  piece: number;
  perCommit: number;
  /** The rest of its transactions: linkLikelyDuplicates at the end. */
  otherWallMs: number;
};
type SyncResult = {
  pageSize: number;
  outcome: string;
  added: number;
  failedTypes: string[];
  rows: number;
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Records stored through pages (the Patient and referenced reads are stored apart). */
  pageRecords: number;
  pages: number;
  /** Sum of onPageStored: each page's transaction (storeRecords, markSeen, advancePull). */
  storeWallMs: number;
  storeCpuMs: number;
  /** Of those, the transaction functions (the rest is BEGIN and COMMIT) ... */
  storeBodyWallMs: number;
  storeBodyCpuMs: number;
  /** ... and of those, storeRecords alone (its own nested transaction, a savepoint). */
  storeRecordsWallMs: number;
  storeRecordsCpuMs: number;
  /** Every other transaction: the Patient, each type's completion, referenced records, duplicate linking. */
  otherTxns: number;
  otherTxnWallMs: number;
  otherTxnCpuMs: number;
  /** JSON.parse outside transactions: the server's answers, mostly. */
  parseMs: number;
  parseMiB: number;
  /** From the start to the first referenced read, to the attachments, to the end. */
  phases: { pagesMs: number; referencedMs: number; restMs: number };
};

// ---------------------------------------------------------------------------------------------
// Children

const cpuOf = (used: NodeJS.CpuUsage) => (used.user + used.system) / 1000;

/** Runs `work`, adding its wall and CPU milliseconds to `into`. */
function addTimeOf<R>(into: { wallMs: number; cpuMs: number }, work: () => R): R {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  try {
    return work();
  } finally {
    into.wallMs += performance.now() - t0;
    into.cpuMs += cpuOf(process.cpuUsage(cpu));
  }
}

/**
 * An outermost transaction: in all, in its function (`body*`: the rest is BEGIN and COMMIT, the
 * commit writing the WAL and waiting for fsync), and in the transactions nested directly in it
 * (`inner*`: savepoints, sync's storeRecords).
 */
type Txn = {
  wallMs: number;
  cpuMs: number;
  bodyWallMs: number;
  bodyCpuMs: number;
  innerWallMs: number;
  innerCpuMs: number;
};

/**
 * Times every outermost transaction run through `db.transaction` (wall and the process's CPU
 * time), so a store's cost can be read as CPU time too: wall time inside a transaction includes
 * the commit's fsync and, on a shared machine, waiting for a core. Transactions nested one level down
 * (sync's storeRecords inside its page transaction) are timed into their outer one's `inner*`.
 */
function instrumentTransactions(db: VaultDatabase): { all: Txn[]; depth: () => number } {
  const all: Txn[] = [];
  let depth = 0;
  let inner = { wallMs: 0, cpuMs: 0 };
  let body = { wallMs: 0, cpuMs: 0 };
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const tx = transaction(function (this: unknown, ...args: unknown[]) {
      if (depth !== 1) return fn.apply(this, args);
      return addTimeOf(body, () => fn.apply(this, args));
    });
    const timed =
      (run: (...args: unknown[]) => unknown) =>
      (...args: unknown[]) => {
        if (depth > 1) return run(...args);
        const outer = depth === 0;
        if (outer) {
          inner = { wallMs: 0, cpuMs: 0 };
          body = { wallMs: 0, cpuMs: 0 };
        }
        depth++;
        const cpu = process.cpuUsage();
        const t0 = performance.now();
        try {
          return run(...args);
        } finally {
          const wallMs = performance.now() - t0;
          const cpuMs = cpuOf(process.cpuUsage(cpu));
          depth--;
          if (outer) {
            all.push({
              wallMs,
              cpuMs,
              bodyWallMs: body.wallMs,
              bodyCpuMs: body.cpuMs,
              innerWallMs: inner.wallMs,
              innerCpuMs: inner.cpuMs,
            });
          } else {
            inner.wallMs += wallMs;
            inner.cpuMs += cpuMs;
          }
        }
      };
    return Object.assign(timed(tx), {
      default: timed(tx.default),
      deferred: timed(tx.deferred),
      immediate: timed(tx.immediate),
      exclusive: timed(tx.exclusive),
    });
  }) as typeof db.transaction;
  return { all, depth: () => depth };
}

/** Minimal resources for every clinician, place and drug the records point to, as an EHR answers reads. */
async function referencedStubs(resources: { resourceType: string; id: string }[]): Promise<object[]> {
  const { REFERENCED_TYPES } = await import('../electron/core/sync/pull-plan.js');
  const pattern = new RegExp(
    `"reference"\\s*:\\s*"(${REFERENCED_TYPES.join('|')})/([A-Za-z0-9\\-.]{1,64})"`,
    'g',
  );
  const present = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
  const wanted = new Map<string, [string, string]>();
  for (const resource of resources) {
    for (const m of JSON.stringify(resource).matchAll(pattern)) {
      const key = `${m[1]}/${m[2]}`;
      if (!present.has(key)) wanted.set(key, [m[1]!, m[2]!]);
    }
  }
  return [...wanted.values()].map(([resourceType, id]) => {
    const name = `Bench ${resourceType} ${id}`;
    if (resourceType === 'Practitioner') return { resourceType, id, name: [{ text: name }] };
    if (resourceType === 'Medication') return { resourceType, id, code: { text: name } };
    if (resourceType === 'PractitionerRole') return { resourceType, id, active: true };
    return { resourceType, id, name };
  });
}

/**
 * A server, records or medplum, loaded with the patient: prints its address, then on stdin's end
 * prints what it measured and exits. Loading (and medplum's indexing of the R4 definitions) happens
 * before the address is printed, so outside every figure.
 */
async function serverChild(kind: ServerKind, ndjsonPath: string): Promise<void> {
  const resources = readFileSync(ndjsonPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { resourceType: string; id: string });
  const stubs = await referencedStubs(resources);
  const options = {
    resources: [...resources, ...(stubs as { resourceType: string; id: string }[])],
    issuer: () => 'http://127.0.0.1:1',
    isValidToken: async (token: string) => token === TOKEN,
  };
  let server: {
    base: string;
    patientId: string;
    requests: { path: string; status: number }[];
    handlingMs: number;
    close(): Promise<void>;
  };
  if (kind === 'medplum') {
    const { startMedplumServer } = await import('./sync-medplum-server.js');
    server = await startMedplumServer(options);
  } else {
    const { startRecordsServer } = await import('../testkit/fhir-records-server.js');
    server = await startRecordsServer({ fhirVersion: 'R4', ...options });
  }
  const cpu = process.cpuUsage();
  const ready: ServerReady = { base: server.base, patientId: server.patientId, stubs: stubs.length };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.once('end', resolve));
  const used = process.cpuUsage(cpu);
  const kinds = { searches: 0, reads: 0, other: 0, failed: 0 };
  for (const r of server.requests) {
    if (r.status >= 400) kinds.failed++;
    if (r.path === 'metadata' || r.path.startsWith('.well-known')) kinds.other++;
    else if (r.path.includes('/')) kinds.reads++;
    else kinds.searches++;
  }
  const stats: ServerStats = {
    handlingMs: server.handlingMs,
    cpuMs: (used.user + used.system) / 1000,
    ...kinds,
  };
  process.stdout.write(`${JSON.stringify(stats)}\n`);
  await server.close();
}

/**
 * Times importFhirFiles' grouped commits: every call of `write` (a piece of records as a savepoint,
 * and the commit when the group is full) and of `commit` from outside, and apart from those the
 * transactions inside them (the pieces' storeRecords).
 */
function instrumentGroupedCommits(
  proto: { write(records: number, work: () => void): boolean; commit(): void },
  txns: { all: Txn[] },
  db: VaultDatabase,
) {
  const figures = { wallMs: 0, cpuMs: 0, commits: 0, pieces: [] as Txn[] };
  let depth = 0;
  const timed = <A extends unknown[], R>(run: (...args: A) => R) =>
    function (this: unknown, ...args: A): R {
      if (depth > 0) return run.apply(this, args);
      depth++;
      const firstTxn = txns.all.length;
      try {
        return addTimeOf(figures, () => run.apply(this, args));
      } finally {
        figures.pieces.push(...txns.all.slice(firstTxn));
        depth--;
      }
    };
  proto.write = timed(proto.write);
  proto.commit = timed(proto.commit);
  const exec = db.exec.bind(db);
  db.exec = (sql: string) => {
    if (sql === 'COMMIT') figures.commits++;
    return exec(sql);
  };
  return figures;
}

/**
 * The foundation's import path, importFhirFiles, on the same records in a fresh vault: with its own
 * commit size, or (`perCommit`) committing as often as a sync of that page size does.
 */
async function importChild(
  dir: string,
  ndjsonPath: string,
  outPath: string,
  perCommit: number | null,
): Promise<void> {
  const { VaultFile } = await import('../electron/core/vault/vault-file.js');
  const { addPerson } = await import('../electron/core/vault/persons.js');
  const { importFhirFiles, IMPORT_PIECE, DEFAULT_IMPORT_BATCH } =
    await import('../electron/core/exchange/import-fhir.js');
  const { GroupedCommits } = await import('../electron/core/vault/grouped-commits.js');
  const vault = new VaultFile(join(dir, `import-${perCommit ?? 'default'}.phrvault`), { scrypt });
  await vault.create(PASS);
  const db = vault.db;
  const person = addPerson(db, { name: 'Bench Patient', relationship: 'self' });
  const txns = instrumentTransactions(db);
  const grouped = instrumentGroupedCommits(GroupedCommits.prototype, txns, db);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const [report] = await importFhirFiles(db, [ndjsonPath], {
    personId: person.id,
    ...(perCommit ? { batchSize: perCommit } : {}),
  });
  const wallMs = performance.now() - t0;
  const cpuMs = cpuOf(process.cpuUsage(cpu));
  const sum = (list: Txn[], key: 'wallMs' | 'bodyWallMs' | 'bodyCpuMs') =>
    list.reduce((n, x) => n + x[key], 0);
  const result: ImportResult = {
    records: (report?.added ?? 0) + (report?.updated ?? 0),
    wallMs,
    cpuMs,
    storeWallMs: grouped.wallMs,
    storeCpuMs: grouped.cpuMs,
    storeBodyWallMs: sum(grouped.pieces, 'bodyWallMs'),
    storeBodyCpuMs: sum(grouped.pieces, 'bodyCpuMs'),
    transactions: grouped.commits,
    piece: Math.min(IMPORT_PIECE, perCommit ?? IMPORT_PIECE),
    perCommit: perCommit ?? DEFAULT_IMPORT_BATCH,
    otherWallMs: sum(
      txns.all.filter((x) => !grouped.pieces.includes(x)),
      'wallMs',
    ),
  };
  vault.lock();
  writeFileSync(outPath, JSON.stringify(result));
}

/** One sync of a fresh vault's SMART connection from a server child; the vault is named after outPath. */
async function syncChild(
  dir: string,
  server: ServerReady,
  pageSize: number,
  outPath: string,
  profilePath: string | null,
): Promise<void> {
  const { VaultFile } = await import('../electron/core/vault/vault-file.js');
  const { addPerson } = await import('../electron/core/vault/persons.js');
  const { benchConnection } = await import('./bench-connection.js');
  const { ConnectionAccess } = await import('../electron/core/smart/connection-access.js');
  const { syncConnection } = await import('../electron/core/sync/connection-sync.js');
  const vault = new VaultFile(join(dir, `${basename(outPath, '.json')}.phrvault`), { scrypt });
  await vault.create(PASS);
  const db = vault.db;
  const person = addPerson(db, { name: 'Bench Patient', relationship: 'self' });
  const connectionId = benchConnection(db, person.id, server, TOKEN);
  const access = new ConnectionAccess(() => db);
  const txns = instrumentTransactions(db);

  // JSON.parse outside transactions: the server's answers (and the connection's stored tokens,
  // read on every request): the cost of reading what arrives.
  let parseMs = 0;
  let parseChars = 0;
  const parse = JSON.parse;
  JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
    if (txns.depth() > 0) return parse(text, reviver);
    const t0 = performance.now();
    try {
      return parse(text, reviver) as unknown;
    } finally {
      parseMs += performance.now() - t0;
      parseChars += text.length;
    }
  }) as typeof JSON.parse;

  let storeWallMs = 0;
  let storeCpuMs = 0;
  let storeBodyWallMs = 0;
  let storeBodyCpuMs = 0;
  let storeRecordsWallMs = 0;
  let storeRecordsCpuMs = 0;
  let pageRecords = 0;
  let pages = 0;
  const pageTxns = new Set<Txn>();
  const marks: { referenced?: number; attachments?: number } = {};
  let session: import('node:inspector/promises').Session | null = null;
  if (profilePath) {
    const { Session } = await import('node:inspector/promises');
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const summary = await syncConnection(() => db, access, connectionId, {
    pageSize,
    onPageStored: (records, ms) => {
      // Told right after the page's transaction, which is the last one timed.
      const txn = txns.all.at(-1);
      if (txn) {
        pageTxns.add(txn);
        storeCpuMs += txn.cpuMs;
        storeBodyWallMs += txn.bodyWallMs;
        storeBodyCpuMs += txn.bodyCpuMs;
        storeRecordsWallMs += txn.innerWallMs;
        storeRecordsCpuMs += txn.innerCpuMs;
      }
      storeWallMs += ms;
      pageRecords += records;
      pages++;
    },
    onProgress: (p) => {
      if (p.resourceType === 'Practitioner') marks.referenced ??= performance.now();
      if (p.resourceType === 'Binary') marks.attachments ??= performance.now();
    },
  });
  const end = performance.now();
  const used = process.cpuUsage(cpu);
  if (session && profilePath) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profilePath, JSON.stringify(profile));
    session.disconnect();
  }
  JSON.parse = parse;
  const rows = (
    db.prepare('SELECT count(*) AS n FROM resources WHERE connection_id = ?').get(connectionId) as {
      n: number;
    }
  ).n;
  const others = txns.all.filter((x) => !pageTxns.has(x));
  const referenced = marks.referenced ?? end;
  const result: SyncResult = {
    pageSize,
    outcome: summary.outcome,
    added: summary.added,
    failedTypes: summary.failedTypes.map((f) => `${f.resourceType}: ${f.message}`),
    rows,
    wallMs: end - t0,
    cpuUserMs: used.user / 1000,
    cpuSystemMs: used.system / 1000,
    pageRecords,
    pages,
    storeWallMs,
    storeCpuMs,
    storeBodyWallMs,
    storeBodyCpuMs,
    storeRecordsWallMs,
    storeRecordsCpuMs,
    otherTxns: others.length,
    otherTxnWallMs: others.reduce((n, x) => n + x.wallMs, 0),
    otherTxnCpuMs: others.reduce((n, x) => n + x.cpuMs, 0),
    parseMs,
    parseMiB: parseChars / 2 ** 20,
    phases: {
      pagesMs: referenced - t0,
      referencedMs: (marks.attachments ?? end) - referenced,
      restMs: end - (marks.attachments ?? end),
    },
  };
  vault.lock();
  writeFileSync(outPath, JSON.stringify(result));
}

// ---------------------------------------------------------------------------------------------
// Parent

function childArgs(args: string[]): string[] {
  return ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), ...args];
}

const childEnv = () => ({ ...process.env, TSX_TSCONFIG_PATH: join(benchDir, 'tsconfig.json') });

function runChild(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childArgs(args), {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: childEnv(),
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`sync bench child ${args[0]} failed (${code ?? signal})`)),
    );
  });
}

type ServerChild = { ready: ServerReady; finish: () => Promise<ServerStats> };

async function startServerChild(kind: ServerKind, ndjsonPath: string): Promise<ServerChild> {
  const child = spawn(process.execPath, childArgs(['server', kind, ndjsonPath]), {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: childEnv(),
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${kind} server child failed (${code ?? signal})`)),
    );
  });
  exited.catch(() => undefined);
  const nextLine = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: undefined }))]);
    if (line.done || line.value === undefined) throw new Error(`${kind} server child ended early`);
    return line.value;
  };
  const ready = JSON.parse(await nextLine()) as ServerReady;
  return {
    ready,
    finish: async () => {
      child.stdin.end();
      const stats = JSON.parse(await nextLine()) as ServerStats;
      await exited;
      return stats;
    },
  };
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function median<T>(items: readonly T[], f: (item: T) => number): number {
  const v = items.map(f).sort((x, y) => x - y);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

type Run = { sync: SyncResult; server: ServerStats };
/** One server at one page size, and its runs. */
type Variant = { server: ServerKind; pageSize: number; runs: Run[] };
type Report = {
  size: number;
  /** Runs per server (the baseline import runs as many times as the most). */
  runs: Record<ServerKind, number>;
  servers: ServerKind[];
  baselines: ImportResult[];
  /** The import committing every N records, for each page size synced at: the same commits as a sync. */
  pagedBaselines: Record<number, ImportResult[]>;
  syncs: Variant[];
  stubs: number;
  load: [number, number];
  profiles: string[];
};

const cpuMs = (r: SyncResult) => r.cpuUserMs + r.cpuSystemMs;

const SERVER_NOTES: Record<ServerKind, string> = {
  records:
    '`testkit/fhir-records-server.ts`, the minimal server written for fault injection: every resource kept in order ' +
    'in memory, a search filtered once and cached, keyset next links; it answers almost at once.',
  medplum:
    "`bench/sync-medplum-server.ts`: medplum's `FhirRouter` over a `MemoryRepository` (@medplum/fhir-router and " +
    "@medplum/core's R4 search parameter indexes), paging with `_offset` next links as the medplum server does " +
    '(`_count` up to 1000), the same bearer-token check, and a CapabilityStatement at `metadata` (the router has none). ' +
    'The MemoryRepository has no index: every page evaluates the `patient` search parameter (its R4 FHIRPath ' +
    'expression, shared by 30 types) over every stored resource of the type, then clones the matches, so each page ' +
    'costs about as much as the whole search: seconds for a page of Observations.',
};

/** "0.18–0.20 s" over a server's page sizes, each a median of its runs. */
function range(rep: Report, server: ServerKind, f: (run: Run) => number): string {
  const values = rep.syncs.filter((v) => v.server === server).map((v) => median(v.runs, f));
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return s(low) === s(high) ? `${s(low)} s` : `${s(low)}–${s(high)} s`;
}

/** Why medplum has fewer runs or page sizes than the records server, when it has. */
function medplumLess(rep: Report): string {
  if (!rep.servers.includes('medplum') || !rep.servers.includes('records')) return '';
  const pages = (server: ServerKind) => rep.syncs.filter((v) => v.server === server).map((v) => v.pageSize);
  const fewer = [
    rep.runs.medplum < rep.runs.records ? 'fewer times' : '',
    pages('medplum').length < pages('records').length
      ? `at ${pages('medplum').join(' and ')} a page only`
      : '',
  ].filter(Boolean);
  if (fewer.length === 0) return '';
  return (
    ` Medplum is synced ${fewer.join(' and ')}, to keep the benchmark to a few minutes: at 200 a page its 54` +
    ' pages each scan their whole type, and a sync took 2 to 2.5 minutes here, over 90 s of it server CPU time' +
    ' (`BENCH_SYNC_MEDPLUM_PAGES=200,1000` and `BENCH_SYNC_MEDPLUM_RUNS` for more).'
  );
}

/** What the client's share of wall time says, with each server's own figures. */
function shareNote(rep: Report): string[] {
  const per = (server: ServerKind) =>
    `${server[0]!.toUpperCase()}${server.slice(1)}: server handling ${range(rep, server, (x) => x.server.handlingMs)}, ` +
    `server CPU ${range(rep, server, (x) => x.server.cpuMs)}, client CPU ${range(rep, server, (x) => cpuMs(x.sync))}`;
  return [
    "- **The client's share of wall time depends on how long the server takes.** Sync asks 3 types at a time and",
    '  each server answers on one thread, so the wall time is mostly whichever side is busy: against a server that',
    '  answers at once the client is most of it whatever it does, against a slow one its share is small whatever it',
    "  does. The client's own CPU time and the page-store rate per CPU second are what say how fast the client is.",
    ...rep.servers.map((server) => `  ${per(server)}.`),
    "  Handling spans overlap when requests do and include waiting for a core, so their sum can exceed the server's",
    '  CPU time.',
  ];
}

/** CPU µs per record of the import committing every N and of the syncs at N a page: the same commits. */
function alike(rep: Report): string[] {
  const us = (msPerRecord: number) => `${(1000 * msPerRecord).toFixed(0)} µs`;
  const ratios: number[] = [];
  const lines = Object.entries(rep.pagedBaselines).map(([pageSize, list]) => {
    const imported = median(list, (x) => x.storeCpuMs / x.records);
    const syncs = rep.syncs
      .filter((v) => v.pageSize === Number(pageSize))
      .map(({ server, runs }) => {
        const perRecord = median(runs, (x) => x.sync.storeCpuMs / x.sync.pageRecords);
        ratios.push(perRecord / imported);
        return `sync from ${server} ${us(perRecord)}`;
      });
    return `a commit every ${pageSize}: import ${us(imported)}, ${syncs.join(', ')}`;
  });
  if (lines.length === 0) return [];
  const [low, high] = [Math.min(...ratios), Math.max(...ratios)];
  const pct = (r: number) => `${r >= 1 ? '+' : '−'}${Math.abs(100 * (r - 1)).toFixed(0)}%`;
  return [
    `With commits alike, CPU time per record in the store transactions (${lines.join('; ')}):`,
    `per record the page store is ${low === high ? pct(low) : `${pct(low)} to ${pct(high)}`} against the import with the same commits` +
      (high <= 1.1
        ? ", so what is left between it and the import as it runs is the commit per page, not the client's work."
        : '; beyond the commits, the rest is the client (or, against medplum, a server busy on the other core).'),
  ];
}

function render(rep: Report): string {
  const b = rep.baselines;
  const baseWallRate = median(b, (x) => x.records / (x.storeWallMs / 1000));
  const baseCpuRate = median(b, (x) => x.records / (x.storeCpuMs / 1000));
  const main: string[][] = [];
  const breakdown: string[][] = [];
  const requests: string[] = [];
  const importRow = (label: string, list: ImportResult[]): string[] => {
    const im = (f: (x: ImportResult) => number) => s(median(list, f));
    return [
      label,
      String(list[0]!.transactions),
      `${im((x) => x.storeBodyCpuMs)} (${im((x) => x.storeBodyWallMs)})`,
      '-',
      `${im((x) => x.storeCpuMs - x.storeBodyCpuMs)} (${im((x) => x.storeWallMs - x.storeBodyWallMs)})`,
      `${im((x) => x.storeCpuMs)} (${im((x) => x.storeWallMs)})`,
      (1000 * median(list, (x) => x.storeCpuMs / x.records)).toFixed(0),
    ];
  };
  const pagedRate = (pageSize: number) =>
    median(rep.pagedBaselines[pageSize] ?? [], (x) => x.records / (x.storeWallMs / 1000));
  const inside: string[][] = [
    importRow('importFhirFiles', b),
    ...Object.entries(rep.pagedBaselines).map(([pageSize, list]) =>
      importRow(`importFhirFiles, a commit every ${pageSize}`, list),
    ),
  ];
  const foundation: string[] = [];
  for (const { server, pageSize, runs } of rep.syncs) {
    const m = (f: (run: Run) => number) => median(runs, f);
    const share = m(({ sync: r }) => cpuMs(r) / r.wallMs);
    const wallRate = m(({ sync: r }) => r.pageRecords / (r.storeWallMs / 1000));
    const cpuRate = m(({ sync: r }) => r.pageRecords / (r.storeCpuMs / 1000));
    main.push([
      server,
      String(pageSize),
      s(m((x) => x.sync.wallMs)),
      int(m(({ sync: r }) => r.rows / (r.wallMs / 1000))),
      `${s(m((x) => cpuMs(x.sync)))} (${s(m((x) => x.sync.cpuUserMs))} + ${s(m((x) => x.sync.cpuSystemMs))})`,
      `${pct(share)} ${verdict(share <= TARGET_CLIENT_SHARE)}`,
      `${s(m((x) => x.server.handlingMs))} (${pct(m((x) => x.server.handlingMs / x.sync.wallMs))})`,
      s(m((x) => x.server.cpuMs)),
      `${int(wallRate)} (${(wallRate / baseWallRate).toFixed(2)} x) ${verdict(wallRate >= baseWallRate)}`,
      `${int(cpuRate)} (${(cpuRate / baseCpuRate).toFixed(2)} x)`,
      `${int(pagedRate(pageSize))} (${(wallRate / pagedRate(pageSize)).toFixed(2)} x)`,
    ]);
    foundation.push(
      `${server} at ${pageSize}/page ${int(wallRate)}/s ${verdict(wallRate >= FOUNDATION_INGEST_TARGET)}`,
    );
    const rest = m(({ sync: r }) => cpuMs(r) - r.storeCpuMs - r.otherTxnCpuMs - r.parseMs);
    breakdown.push([
      server,
      String(pageSize),
      s(m((x) => cpuMs(x.sync))),
      `${s(m((x) => x.sync.storeCpuMs))} (${s(m((x) => x.sync.storeWallMs))}; ${runs[0]!.sync.pages})`,
      `${s(m((x) => x.sync.otherTxnCpuMs))} (${s(m((x) => x.sync.otherTxnWallMs))}; ${runs[0]!.sync.otherTxns})`,
      `${s(m((x) => x.sync.parseMs))} (${runs[0]!.sync.parseMiB.toFixed(0)} MiB)`,
      s(rest),
      s(m(({ sync: r }) => r.wallMs - cpuMs(r))),
      `${s(m((x) => x.sync.phases.pagesMs))} / ${s(m((x) => x.sync.phases.referencedMs))} / ${s(m((x) => x.sync.phases.restMs))}`,
    ]);
    const cw = (cpu: (r: SyncResult) => number, wall: (r: SyncResult) => number) =>
      `${s(m((x) => cpu(x.sync)))} (${s(m((x) => wall(x.sync)))})`;
    inside.push([
      `sync, ${server}, ${pageSize}/page`,
      String(runs[0]!.sync.pages),
      cw(
        (r) => r.storeRecordsCpuMs,
        (r) => r.storeRecordsWallMs,
      ),
      cw(
        (r) => r.storeBodyCpuMs - r.storeRecordsCpuMs,
        (r) => r.storeBodyWallMs - r.storeRecordsWallMs,
      ),
      cw(
        (r) => r.storeCpuMs - r.storeBodyCpuMs,
        (r) => r.storeWallMs - r.storeBodyWallMs,
      ),
      cw(
        (r) => r.storeCpuMs,
        (r) => r.storeWallMs,
      ),
      (1000 * m((x) => x.sync.storeCpuMs / x.sync.pageRecords)).toFixed(0),
    ]);
    const st = runs[0]!.server;
    requests.push(
      `${server} at ${pageSize}/page: ${st.searches} searches, ${st.reads} reads, ${st.other} metadata, ${st.failed} answered >= 400`,
    );
  }
  const cores = cpus().length;
  return [
    '## Sync',
    '',
    `Run ${new Date().toISOString()} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cores} cores), ${platform()} ${release()}, Node ${process.versions.node}.`,
    `One synthetic patient (seed ${SEED}) of ${int(rep.size)} resources, the Patient included, with ${rep.stubs} Practitioner/Organization/...`,
    `records added for the references the records make (the generator makes none), served in a process of its own on`,
    `127.0.0.1 by ${rep.servers.length === 1 ? 'one server' : 'each of two servers'}, loaded before the sync starts (loading is outside every figure):`,
    '',
    ...rep.servers.map((server) => `- **${server}**: ${SERVER_NOTES[server]}`),
    '',
    `Each sync and each baseline import fills a fresh vault in its own process; every figure is the median of`,
    `${rep.servers.map((server) => `${rep.runs[server]} run${rep.runs[server] === 1 ? '' : 's'} for ${server}`).join(' and ')}` +
      `, the import, the servers and the page sizes taking turns.${medplumLess(rep)}`,
    `Load average (1 min) ${rep.load[0].toFixed(2)} before, ${rep.load[1].toFixed(2)} after` +
      (Math.max(...rep.load) > cores * 0.75
        ? ': other work shared the machine, so wall-clock figures are pessimistic and shares of wall time optimistic (the CPU-time figures move much less).'
        : '.'),
    '',
    table(
      [
        'Server',
        'Page size',
        'Wall s',
        'Records/s',
        'Client CPU s (user + sys)',
        'Client CPU / wall (<= 25%)',
        'Server handling s (/ wall)',
        'Server CPU s',
        'Page store /s, wall (vs import)',
        'Page store /s, CPU time (vs import)',
        'Import committing every page, /s (page store vs it)',
      ],
      main,
    ),
    '',
    `Baseline, same runs: \`importFhirFiles\` of the same ${int(b[0]!.records)} records (NDJSON) into a fresh vault took`,
    `${s(median(b, (x) => x.wallMs))} s wall (${int(median(b, (x) => x.records / (x.wallMs / 1000)))} records/s) and ${s(median(b, (x) => x.cpuMs))} s CPU;`,
    `its ${b[0]!.transactions} store transactions ${s(median(b, (x) => x.storeWallMs))} s wall, ${s(median(b, (x) => x.storeCpuMs))} s CPU: **${int(baseWallRate)} records/s**`,
    `(${int(baseCpuRate)} per CPU second), the rate the page transactions are compared with (PASS: not slower).`,
    'The last column is the same import committing as often as the sync does (every 200 or 1,000 records, as',
    "the issue asks each page to be committed as it arrives): what the client's page store costs beyond the",
    'import is then what is left once commits are alike.',
    `Against the foundation's ingest target (${int(FOUNDATION_INGEST_TARGET)} records/s into the encrypted vault), the page`,
    `transactions: ${foundation.join('; ')}.`,
    '',
    '- **Wall s**, **Records/s**: `syncConnection` from call to return in the client process (capabilities, the Patient,',
    '  every type searched page by page, 3 types at a time, referenced reads, attachments, then `linkLikelyDuplicates` as',
    '  linked at the end of every sync, as in the app and the CLI); records stored for the connection / wall. Creating the vault and',
    '  starting the server are outside it. **Client CPU**: `process.cpuUsage()` of the client over the same span (all its',
    "  threads). **Server handling**: the server's own `handlingMs`: each request from arrival until its answer is handed",
    "  to the socket (token check, search, `JSON.stringify`); **Server CPU**: the server process's CPU time while serving.",
    '- **Page store /s**: records stored through pages / time inside the page transactions (the sum of `onPageStored`',
    '  for wall; `process.cpuUsage()` around the same transactions for CPU time). A page transaction is `storeRecords`',
    "  (with each record's text as the server wrote it) plus `markSeen` and `advancePull`, one per page. The import side",
    '  is likewise its store calls only (`GroupedCommits`: `storeRecords` of records already parsed, with their text from',
    `  the file, ${int(b[0]!.piece)} a savepoint, committed every ${int(b[0]!.perCommit)}). Neither includes reading or parsing: the file`,
    '  (read twice, the first to detect the version) on one side, fetching and parsing pages on the other.',
    ...shareNote(rep),
    '',
    'Inside the store transactions, CPU s (wall s), medians:',
    '',
    table(
      [
        'Path',
        'Transactions',
        'storeRecords',
        'markSeen + advancePull',
        'BEGIN + COMMIT',
        'All',
        'CPU µs per record',
      ],
      inside,
    ),
    '',
    'BEGIN + COMMIT is the transaction less its function (for the import, also its savepoints): the commit encrypts',
    'the pages the transaction changed into the WAL (for the import: into the file, their old contents into the',
    'journal) and waits for fsync (`synchronous = FULL`). Its CPU time is close to its wall time here, so it is mostly',
    'that encryption: each page commit writes again the index pages its records touched, which one large commit writes',
    'once.',
    ...alike(rep),
    '',
    `Where the client's time went (seconds, medians; ${requests.join('; ')}):`,
    '',
    table(
      [
        'Server',
        'Page size',
        'Client CPU',
        'Page transactions CPU (wall; n)',
        'Other transactions CPU (wall; n)',
        'JSON.parse of answers',
        'Rest of client CPU',
        'Wall - client CPU',
        'Phases: pages / referenced / attachments + end (wall)',
      ],
      breakdown,
    ),
    '',
    '"Other transactions": the Patient, each type\'s completion, the referenced records, the duplicate linking. "Rest":',
    'client CPU less the three before it (HTTP, reading bodies, the loop over entries, autocommitted cursor and log',
    'statements, the referenced-record scan, GC). "Wall - client CPU": time the client was not on a core: waiting for the',
    'server, for fsync, or on a shared machine for a core.',
    rep.profiles.length > 0
      ? `CPU profiles of the sync alone (first run): ${rep.profiles.map((p) => `\`${p}\``).join(', ')}; read with \`npx tsx bench/profile-summary.ts <file> 30\`.`
      : 'For a V8 CPU profile of each sync (the sync alone, first run): `BENCH_CPU_PROF=1`, then `npx tsx bench/profile-summary.ts <file> 30`.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const size = Number(process.env.BENCH_SYNC_SIZE ?? 10_000);
  if (!Number.isInteger(size) || size < 2)
    throw new Error('BENCH_SYNC_SIZE must be an integer of at least 2');
  const pagesOf = (name: string, fallback: string): number[] => {
    const pages = (process.env[name] ?? fallback).split(',').map((p) => Number(p.trim()));
    if (pages.some((p) => !Number.isInteger(p) || p < 1 || p > 1000))
      throw new Error(`${name} must be whole numbers from 1 to 1000`);
    return pages;
  };
  const pageSizes = pagesOf('BENCH_SYNC_PAGES', '200,1000');
  // At 200 a page a sync from medplum takes a minute and a half of server CPU time or more (54 pages,
  // each scanning its whole type), so by default medplum is synced at 1000 a page only.
  const medplumPages = pagesOf('BENCH_SYNC_MEDPLUM_PAGES', '1000');
  const pagesFor: Record<ServerKind, number[]> = { records: pageSizes, medplum: medplumPages };
  const repeats = Number(process.env.BENCH_SYNC_RUNS ?? 5);
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new Error('BENCH_SYNC_RUNS must be a positive integer');
  const medplumRepeats = Number(process.env.BENCH_SYNC_MEDPLUM_RUNS ?? 3);
  if (!Number.isInteger(medplumRepeats) || medplumRepeats < 1)
    throw new Error('BENCH_SYNC_MEDPLUM_RUNS must be a positive integer');
  const servers = (process.env.BENCH_SYNC_SERVERS ?? SERVERS.join(','))
    .split(',')
    .map((x) => x.trim()) as ServerKind[];
  if (servers.length === 0 || servers.some((x) => !SERVERS.includes(x)))
    throw new Error(`BENCH_SYNC_SERVERS must name servers among ${SERVERS.join(', ')}`);
  const runsOf: Record<ServerKind, number> = { records: repeats, medplum: medplumRepeats };
  const outDir = process.env.BENCH_DIR ?? join(benchDir, 'out');
  const profDir = process.env.BENCH_CPU_PROF === '1' ? join(outDir, 'prof') : null;
  mkdirSync(profDir ?? outDir, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'phr-vault-sync-bench-'));
  try {
    const { generatePatient } = await import('../testkit/synthetic-patient.js');
    const { patient, resources } = generatePatient({ seed: SEED, resources: size });
    const ndjsonPath = join(dir, 'patient.ndjson');
    writeFileSync(ndjsonPath, [patient, ...resources].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const load0 = loadavg()[0] ?? 0;
    console.log(
      `Sync benchmark: ${int(size)} records; ` +
        servers
          .map(
            (x) =>
              `${x} server: pages of ${pagesFor[x].join(' and ')}, ${runsOf[x]} run${runsOf[x] === 1 ? '' : 's'}`,
          )
          .join('; '),
    );

    const report: Report = {
      size,
      runs: runsOf,
      servers,
      baselines: [],
      pagedBaselines: {},
      syncs: servers.flatMap((server) =>
        pagesFor[server].map((pageSize) => ({ server, pageSize, runs: [] })),
      ),
      stubs: 0,
      load: [load0, 0],
      profiles: [],
    };
    const allRuns = Math.max(...servers.map((x) => runsOf[x]));
    for (let run = 1; run <= allRuns; run++) {
      // Each run fills fresh vaults of its own; the previous run's are deleted.
      const runDir = join(dir, `run-${run}`);
      rmSync(join(dir, `run-${run - 1}`), { recursive: true, force: true });
      mkdirSync(runDir);
      const importOut = join(runDir, 'import.json');
      await runChild(['import', runDir, ndjsonPath, importOut]);
      const baseline = JSON.parse(readFileSync(importOut, 'utf8')) as ImportResult;
      report.baselines.push(baseline);
      console.log(
        `- run ${run}: importFhirFiles ${s(baseline.wallMs)} s, its store transactions ${s(baseline.storeWallMs)} s`,
      );
      for (const pageSize of new Set(report.syncs.map((v) => v.pageSize))) {
        const out = join(runDir, `import-${pageSize}.json`);
        await runChild(['import', runDir, ndjsonPath, out, String(pageSize)]);
        const paged = JSON.parse(readFileSync(out, 'utf8')) as ImportResult;
        (report.pagedBaselines[pageSize] ??= []).push(paged);
        console.log(
          `- run ${run}: importFhirFiles committing every ${pageSize}: its store transactions ${s(paged.storeWallMs)} s`,
        );
      }
      for (const variant of report.syncs) {
        const { server: kind, pageSize } = variant;
        if (run > runsOf[kind]) continue;
        const server = await startServerChild(kind, ndjsonPath);
        report.stubs = server.ready.stubs;
        const out = join(runDir, `sync-${kind}-${pageSize}.json`);
        const profile =
          profDir && run === 1 ? join(profDir, `sync-${size}-${kind}-page${pageSize}.cpuprofile`) : '';
        try {
          await runChild(['sync', runDir, JSON.stringify(server.ready), String(pageSize), out, profile]);
        } catch (error) {
          await server.finish().catch(() => undefined);
          throw error;
        }
        const stats = await server.finish();
        const sync = JSON.parse(readFileSync(out, 'utf8')) as SyncResult;
        const expected = size + report.stubs;
        if (sync.outcome !== 'ok' || sync.rows !== expected) {
          throw new Error(
            `the sync from ${kind} at ${pageSize}/page ended ${sync.outcome} with ${sync.rows} of ${expected} records` +
              (sync.failedTypes.length > 0 ? ` (${sync.failedTypes.join('; ')})` : ''),
          );
        }
        if (profile) report.profiles.push(relative(process.cwd(), profile));
        console.log(
          `- run ${run}: sync from ${kind} at ${pageSize}/page ${s(sync.wallMs)} s, client CPU ${s(cpuMs(sync))} s, ` +
            `server handling ${s(stats.handlingMs)} s`,
        );
        variant.runs.push({ sync, server: stats });
      }
    }
    report.load[1] = loadavg()[0] ?? 0;
    const section = render(report);
    console.log(`\n${section}`);
    writeResults(join(benchDir, 'results.md'), section);
    writeFileSync(join(outDir, 'sync-results.json'), JSON.stringify(report, null, 2));
    console.log(`Written to the Sync section of ${join(benchDir, 'results.md')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'server') await serverChild(rest[0] as ServerKind, rest[1] ?? '');
else if (mode === 'import')
  await importChild(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '', rest[3] ? Number(rest[3]) : null);
else if (mode === 'sync')
  await syncChild(
    rest[0] ?? '',
    JSON.parse(rest[1] ?? '{}') as ServerReady,
    Number(rest[2]),
    rest[3] ?? '',
    rest[4] || null,
  );
else await main();

// Keeps this file a module for top-level await even when nothing is exported.
export {};
