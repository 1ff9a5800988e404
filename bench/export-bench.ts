/**
 * Export benchmark: one generated person with 10,000 records (BENCH_EXPORT_SIZE to change it),
 * written as each format; prints seconds and peak memory per format. Standalone:
 *
 *     npx tsx bench/export-bench.ts
 *
 * Targets from the issue: C-CDA ≤ 3 s, IPS ≤ 1 s for 10k records. These are figures to read,
 * never asserted anywhere. Each format runs in its own child process so its peak memory
 * (maxRSS) is its own; as in bench/run.ts, the children load the SQLite driver under
 * bench/tsconfig.json and this parent never does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchChild } from './bench-child.js';

const PASS = 'correct horse battery';
const FORMATS = ['ccda', 'ips', 'fhir', 'pdf'] as const;
type Result = {
  format: string;
  seconds: number;
  peakMiB: number;
  baseMiB: number;
  bytes: number;
  records: number;
};

async function child(mode: string, vaultPath: string, arg: string): Promise<void> {
  const { VaultFile } = await import('../electron/core/vault/vault-file.js');
  const scrypt = { name: 'scrypt' as const, N: 2 ** 12, r: 8, p: 1 };
  if (mode === 'setup') {
    const { generatePatient } = await import('../testkit/synthetic-patient.js');
    const { addPerson } = await import('../electron/core/vault/persons.js');
    const { importConnection } = await import('../electron/core/vault/connections.js');
    const { storeRecords } = await import('../electron/core/vault/record-store.js');
    const vault = new VaultFile(vaultPath, { scrypt });
    await vault.create(PASS);
    const person = addPerson(vault.db, { name: 'Bench Person', relationship: 'self' });
    const connection = importConnection(vault.db, person.id, 'Synthetic General Hospital');
    const { patient, resources } = generatePatient({ seed: 42, resources: Number(arg) });
    const all = [patient, ...resources].map((resource) => ({ resource, fhirVersion: 'R4' as const }));
    vault.db.transaction(() => storeRecords(vault.db, person.id, connection, all))();
    vault.lock();
    return;
  }
  const { exportRecords } = await import('../electron/core/exchange/export/export-document.js');
  const vault = new VaultFile(vaultPath, { scrypt });
  await vault.unlock(PASS);
  const base = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  const outcome = await exportRecords(vault.db, arg as (typeof FORMATS)[number], { personId: 1 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const result: Result = {
    format: arg,
    seconds,
    peakMiB: process.resourceUsage().maxRSS / 1024,
    baseMiB: base / 2 ** 20,
    bytes: outcome.bytes.length,
    records: outcome.records,
  };
  vault.lock();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const spawnChild = (args: string[]): string => runBenchChild(import.meta.url, 'export bench', args);

function main(): void {
  const size = Number(process.env.BENCH_EXPORT_SIZE ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'phr-vault-export-bench-'));
  try {
    const vaultPath = join(dir, 'bench.phrvault');
    const t0 = Date.now();
    spawnChild(['setup', vaultPath, String(size)]);
    console.log(`vault with ${size} generated records ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log('format  records  seconds  peak RSS (MiB)  RSS before (MiB)  output (MiB)');
    for (const format of FORMATS) {
      const r = JSON.parse(spawnChild(['run', vaultPath, format]).trim()) as Result;
      console.log(
        `${r.format.padEnd(6)}  ${String(r.records).padStart(7)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.peakMiB
          .toFixed(0)
          .padStart(
            14,
          )}  ${r.baseMiB.toFixed(0).padStart(16)}  ${(r.bytes / 2 ** 20).toFixed(1).padStart(12)}`,
      );
    }
    console.log('targets: ccda <= 3 s, ips <= 1 s (figures only; nothing is asserted)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, vaultPath, arg] = process.argv.slice(2);
if (mode === 'setup' || mode === 'run') await child(mode, vaultPath ?? '', arg ?? '');
else main();

// Keeps this file a module for top-level await even when nothing is exported.
export {};
