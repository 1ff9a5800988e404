/**
 * Reads while the vault writes: how long a timeline page and the Summary take at BENCH_READS_SIZE
 * records (default 100,000) when nothing else runs, while a file import of as many records is
 * writing, and while a sync is writing, through the core as the app runs it (a writer worker and a
 * read worker, `startCoreWorker` from dist/). The baseline comes from the same run: the same core
 * with the read worker turned off, where every read queues behind the writer's work, as it did
 * before reads had a connection of their own. Targets (issue "the core, reshaped"): a timeline
 * page p95 under 10 ms and the Summary under 100 ms while either writes.
 *
 *   npm run build && npx tsx --tsconfig bench/tsconfig.json bench/reads-while-writing.ts
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type * as CoreClient from '../electron/core/worker/core-client.js';
import type { Result } from '../shared/ipc/contract.js';
import { imported } from '../testkit/chosen-files.js';
import { writeResults } from './results-file.js';
import { percentile } from './stats.js';

const SIZE = Number(process.env.BENCH_READS_SIZE ?? 100_000);
const SYNC_SIZE = Number(process.env.BENCH_READS_SYNC_SIZE ?? 20_000);
/** Records per file: the window imports the files the person chose one after the other. */
const FILE_RECORDS = 20_000;
const ALONE_RUNS = 30;
const PASS = 'correct horse battery';
const TOKEN = 'reads-bench-token';
const scrypt = { name: 'scrypt' as const, N: 2 ** 12, r: 8, p: 1 };
const root = new URL('..', import.meta.url).pathname;
const dir = join(process.env.BENCH_DIR ?? join(root, 'bench/out'), 'reads');

const { startCoreWorker } = (await import(
  join(root, 'dist/electron/core/worker/core-client.js')
)) as typeof CoreClient;
const { syntheticResources } = await import('../testkit/synthetic-patient.js');

type Mode = 'read worker' | 'one worker (before)';
type Writer = 'nothing' | 'file import' | 'sync';
type Row = {
  mode: Mode;
  writer: Writer;
  page: number[];
  summary: number[];
  writerSeconds: number;
  added: number;
};

function ndjson(records: number, seed: number): string[] {
  const files: string[] = [];
  let text = '';
  let n = 0;
  for (const resource of syntheticResources({ seed, resources: records })) {
    text += `${JSON.stringify(resource)}\n`;
    if (++n % FILE_RECORDS === 0) {
      files.push(text);
      text = '';
    }
  }
  if (text) files.push(text);
  return files;
}

/** The vault every run starts from: SIZE records and a SMART connection to the records server. */
async function baseVault(server: { base: string; patientId: string }): Promise<string> {
  const { VaultFile } = await import('../electron/core/vault/vault-file.js');
  const { addPerson } = await import('../electron/core/vault/persons.js');
  const { benchConnection } = await import('./bench-connection.js');
  const { importFhirFiles } = await import('../electron/core/exchange/import-fhir.js');
  const path = join(dir, 'base.phrvault');
  const vault = new VaultFile(path, { scrypt });
  await vault.create(PASS);
  const person = addPerson(vault.db, { name: 'Bench Patient', relationship: 'self' });
  const files = ndjson(SIZE, 1).map((text, i) => ({ name: `base-${i}.ndjson`, bytes: Buffer.from(text) }));
  await importFhirFiles(vault.db, files, { personId: person.id, fhirVersion: 'R4' });
  benchConnection(vault.db, person.id, server, TOKEN);
  vault.lock();
  return path;
}

function copyVault(from: string, to: string): void {
  copyFileSync(from, to);
  copyFileSync(`${from}.keys.json`, `${to}.keys.json`);
}

async function run(mode: Mode, writer: Writer, base: string, importPaths: string[]): Promise<Row> {
  const path = join(dir, `run-${Date.now()}.phrvault`);
  copyVault(base, path);
  const core = startCoreWorker(
    { vaultPath: path, transport: 'host', appVersion: 'bench', scrypt, sync: { automatic: false } },
    { readWorker: mode === 'read worker' },
  );
  const call = async <T>(channel: string, request: unknown = {}): Promise<T> => {
    const result = (await core.dispatch(channel, request)) as Result<T>;
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
    return result.value;
  };
  const timed = async (into: number[], channel: string, request: unknown) => {
    const t0 = performance.now();
    await call(channel, request);
    into.push(performance.now() - t0);
  };
  try {
    await call('vault.unlock', { passphrase: PASS });
    const [person] = await call<{ id: number }[]>('persons.list');
    const personId = person!.id;
    const pageRequest = { personId, limit: 100 };
    // Warm: statements prepared and the first pages cached on both connections, as after a look.
    await call('timeline.page', pageRequest);
    await call('summary.get', { personId });
    const row: Row = { mode, writer, page: [], summary: [], writerSeconds: 0, added: 0 };
    const before = (await call<{ total: number }>('records.stats', { personId })).total;

    if (writer === 'nothing') {
      for (let i = 0; i < ALONE_RUNS; i++) {
        await timed(row.page, 'timeline.page', pageRequest);
        await timed(row.summary, 'summary.get', { personId });
      }
    } else {
      let writing = true;
      const t0 = performance.now();
      const work =
        writer === 'file import'
          ? (async () => {
              // As the window does: the shell hands over each path, the core reads it from disk.
              for (const path of importPaths) await imported(core, path, personId);
            })()
          : new Promise<void>((resolve) => {
              const off = core.on((event) => {
                if (event !== 'sync.finished') return;
                off();
                resolve();
              });
              void call('sync.now', {});
            });
      void work.finally(() => {
        writing = false;
        row.writerSeconds = (performance.now() - t0) / 1000;
      });
      while (writing) {
        await timed(row.page, 'timeline.page', pageRequest);
        if (!writing) break;
        await timed(row.summary, 'summary.get', { personId });
      }
      await work;
    }
    row.added = (await call<{ total: number }>('records.stats', { personId })).total - before;
    return row;
  } finally {
    await core.close();
    for (const suffix of ['', '-wal', '-shm', '-journal', '.keys.json'])
      rmSync(`${path}${suffix}`, { force: true });
  }
}

const ms = (n: number) =>
  Number.isNaN(n) ? '–' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
const cell = (samples: number[], target: number, judged: boolean) => {
  if (samples.length === 0) return 'none answered';
  const p95 = percentile(samples, 95);
  const verdict = judged ? (p95 < target ? ' PASS' : ' FAIL') : '';
  return `${ms(percentile(samples, 50))} / ${ms(p95)} / ${ms(Math.max(...samples))} [${samples.length}]${verdict}`;
};

function render(rows: Row[]): string {
  const lines = [
    '## Reads while writing',
    '',
    `Run ${new Date().toISOString()} on ${cpus()[0]?.model.trim() ?? 'unknown'} (${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB).`,
    `A vault of ${SIZE.toLocaleString('en-US')} synthetic records (seed 1); each run starts from a copy of it, through the core`,
    'as the app runs it (`startCoreWorker`). "file import": ' +
      `${SIZE.toLocaleString('en-US')} more records (seed 2) as files of ${FILE_RECORDS.toLocaleString('en-US')} chosen in the window (\`imports.run\`) one after`,
    `another; "sync": a full sync of ${SYNC_SIZE.toLocaleString('en-US')} records (seed 3) from the records server on 127.0.0.1. Reads are`,
    'asked one after another for as long as the writer runs; cells are p50 / p95 / max in ms [reads]. "one worker (before)"',
    'is the same core with the read worker turned off: every read waits for the writer, as before reads had their own',
    'connection. Targets, with the read worker, while a writer runs: timeline page p95 < 10 ms, Summary p95 < 100 ms.',
    '',
    '| Core | Writer | Timeline page (first 100) | Summary | Writer s | Records added |',
    '|------|--------|---------------------------|---------|----------|---------------|',
  ];
  for (const row of rows) {
    const judged = row.mode === 'read worker' && row.writer !== 'nothing';
    lines.push(
      `| ${row.mode} | ${row.writer} | ${cell(row.page, 10, judged)} | ${cell(row.summary, 100, judged)} | ${row.writer === 'nothing' ? '–' : row.writerSeconds.toFixed(1)} | ${row.added.toLocaleString('en-US')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The records server in a process of its own, so its work is not timed as the reads' wait. */
async function serverChild(): Promise<void> {
  const { startRecordsServer } = await import('../testkit/fhir-records-server.js');
  const server = await startRecordsServer({
    fhirVersion: 'R4',
    resources: [...syntheticResources({ seed: 3, resources: SYNC_SIZE })],
    issuer: () => 'http://127.0.0.1:1',
    isValidToken: async (token) => token === TOKEN,
    pageSize: 1000,
  });
  process.stdout.write(`${JSON.stringify({ base: server.base, patientId: server.patientId })}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.once('end', resolve));
  await server.close();
}

async function startServer(): Promise<{ base: string; patientId: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), 'server'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'bench/tsconfig.json') },
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('the records server did not start');
  const ready = JSON.parse(first.value) as { base: string; patientId: string };
  return { ...ready, stop: () => child.stdin.end() };
}

async function main(): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await startServer();
  try {
    console.log(`reads-while-writing: building a vault of ${SIZE} records…`);
    const base = await baseVault(server);
    const importPaths = ndjson(SIZE, 2).map((text, i) => {
      const path = join(dir, `more-${i}.ndjson`);
      writeFileSync(path, text);
      return path;
    });
    const rows: Row[] = [];
    for (const mode of ['read worker', 'one worker (before)'] as const) {
      for (const writer of ['nothing', 'file import', 'sync'] as const) {
        const row = await run(mode, writer, base, importPaths);
        console.log(
          `${mode}, ${writer}: page p95 ${ms(percentile(row.page, 95))} ms, summary p95 ${ms(percentile(row.summary, 95))} ms (${row.page.length} pages, writer ${row.writerSeconds.toFixed(1)} s, +${row.added})`,
        );
        rows.push(row);
      }
    }
    const markdown = render(rows);
    writeResults(join(root, 'bench/results.md'), markdown);
    writeFileSync(join(dir, 'results.json'), JSON.stringify(rows, null, 1));
    console.log(markdown);
  } finally {
    server.stop();
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'server') await serverChild();
else await main();
