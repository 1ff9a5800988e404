/**
 * `npm run bench`: ingest and query benchmarks of the vault at 10k, 100k and 1M records.
 *
 *   BENCH_SIZES=10000,100000   sizes to run (default 10000,100000,1000000)
 *   BENCH_VARIANTS=encrypted   stores to run (default encrypted,unencrypted,bare,bare-encrypted)
 *   BENCH_RUNS=30              repeats per latency figure
 *   BENCH_BATCH=100000         records per transaction (default: importFhirFiles' default)
 *   BENCH_KEEP=1               keep the databases in BENCH_DIR (default bench/out) to investigate
 *   BENCH_CPU_PROF=1           write a V8 CPU profile per child to bench/out/prof
 *
 * Figures are printed and written to bench/results.md; a missed target is reported, never fatal.
 *
 * This process never loads the SQLite driver: under the root tsconfig, tsx would resolve it to its
 * .d.ts (see bench/tsconfig.json). The children, which do all the database work, run with
 * bench/tsconfig.json instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildArgs, ChildResult } from './child.js';
import { renderReport, type Environment } from './report.js';
import { writeResults } from './results-file.js';
import { variants, type Variant } from './variants.js';
import { DEFAULT_IMPORT_BATCH, IMPORT_PIECE } from '../electron/core/exchange/import-fhir.js';

const SEARCH_QUERIES = ['glucose', 'hemoglobin a1c', 'blood pressure', 'ceruloplasmin'] as const;
const SEED = 1;

const benchDir = fileURLToPath(new URL('.', import.meta.url));

function listEnv(name: string): string[] | undefined {
  const value = process.env[name]?.trim();
  return value ? value.split(',').map((s) => s.trim()) : undefined;
}

function parseSizes(): number[] {
  const sizes = (listEnv('BENCH_SIZES') ?? ['10000', '100000', '1000000']).map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 2))
    throw new Error('BENCH_SIZES must be integers of at least 2');
  return sizes;
}

function parseVariants(): Variant[] {
  const chosen = listEnv('BENCH_VARIANTS') ?? [...variants];
  for (const v of chosen)
    if (!(variants as readonly string[]).includes(v)) throw new Error(`unknown variant ${v}`);
  // Always in the same order, so each store meets the same machine state from one run to the next.
  return variants.filter((v) => chosen.includes(v));
}

function environment(queryRuns: number, batchSize: number, sqlite: string, loadBefore: number): Environment {
  const driver = JSON.parse(
    readFileSync(fileURLToPath(import.meta.resolve('better-sqlite3-multiple-ciphers/package.json')), 'utf8'),
  ) as { version: string };
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.versions.node,
    sqlite,
    driver: `better-sqlite3-multiple-ciphers ${driver.version}`,
    platform: `${platform()} ${release()}`,
    seed: SEED,
    batchSize,
    pieceSize: Math.min(batchSize, IMPORT_PIECE),
    queryRuns,
    load: [loadBefore, loadavg()[0] ?? 0],
  };
}

function runChild(args: ChildArgs, cpuProfDir: string | undefined): ChildResult {
  const nodeArgs = ['--import', import.meta.resolve('tsx')];
  if (cpuProfDir) {
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${cpuProfDir}`,
      `--cpu-prof-name=${args.variant}-${args.size}.cpuprofile`,
    );
  }
  const child = spawnSync(process.execPath, [...nodeArgs, join(benchDir, 'child.ts'), JSON.stringify(args)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TSX_TSCONFIG_PATH: join(benchDir, 'tsconfig.json') },
  });
  if (child.error) throw child.error;
  if (child.status !== 0)
    throw new Error(`benchmark child ${args.variant} ${args.size} failed (${child.status ?? child.signal})`);
  return JSON.parse(readFileSync(args.outPath, 'utf8')) as ChildResult;
}

function main(): void {
  const sizes = parseSizes();
  const chosen = parseVariants();
  const queryRuns = Number(process.env.BENCH_RUNS ?? 30);
  const batchSize = Number(process.env.BENCH_BATCH ?? DEFAULT_IMPORT_BATCH);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error('BENCH_BATCH must be a positive integer');
  const outDir = process.env.BENCH_DIR ?? join(benchDir, 'out');
  const cpuProfDir = process.env.BENCH_CPU_PROF === '1' ? join(outDir, 'prof') : undefined;
  mkdirSync(outDir, { recursive: true });
  const loadBefore = loadavg()[0] ?? 0;
  console.log(`PHR Vault benchmark: sizes ${sizes.join(', ')}; ${chosen.join(', ')}; databases in ${outDir}`);

  const results: ChildResult[] = [];
  for (const size of sizes) {
    for (const variant of chosen) {
      const args: ChildArgs = {
        variant,
        size,
        seed: SEED,
        batchSize,
        dbPath: join(outDir, `${variant}-${size}.db`),
        outPath: join(outDir, `${variant}-${size}.json`),
        keep: process.env.BENCH_KEEP === '1',
        queryRuns,
        searchQueries: SEARCH_QUERIES,
      };
      console.log(`- ${variant}, ${size.toLocaleString('en-US')} records`);
      results.push(runChild(args, cpuProfDir));
    }
  }

  const env = environment(queryRuns, batchSize, results[0]?.sqliteVersion ?? 'unknown', loadBefore);
  const report = renderReport(env, results);
  console.log(`\n${report}`);
  // The other benchmarks' sections (Sync, Renderer) stay.
  writeResults(join(benchDir, 'results.md'), report);
  writeFileSync(join(outDir, 'results.json'), JSON.stringify({ env, results }, null, 2));
  console.log(`Written to ${join(benchDir, 'results.md')}`);
}

main();
