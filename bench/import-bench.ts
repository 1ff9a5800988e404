/**
 * Import benchmark: a C-CDA of about 10 MB (our own CCD of a generated person; BENCH_IMPORT_RECORDS
 * sets its size) imported into a new vault, against two baselines from the same run:
 *
 * - parse: the same XML read into the element tree alone (saxes), the floor any reading pays;
 * - read: parsed and converted to FHIR records, nothing stored, so parse, convert and store
 *   each show their share;
 * - fhir: the very records the C-CDA gave, as one FHIR JSON bundle, imported the same way.
 *
 * Each step runs in its own child process so its peak memory (maxRSS) is its own. Target from the
 * issue: a 10 MB C-CDA in under 2 s. Figures only, nothing asserted. Standalone:
 *
 *     npx tsx bench/import-bench.ts
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults } from './results-file.js';
import { runBenchChild } from './bench-child.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const PASS = 'correct horse battery';
const STEPS = ['parse', 'read', 'ccda', 'fhir'] as const;
type Step = (typeof STEPS)[number];
type Result = { step: Step; seconds: number; cpuSeconds: number; peakMiB: number; records: number };

async function child(mode: string, dir: string, arg: string): Promise<void> {
  const { VaultFile } = await import('../electron/core/vault/vault-file.js');
  const { addPerson } = await import('../electron/core/vault/persons.js');
  const { readFileSync, writeFileSync } = await import('node:fs');
  const scrypt = { name: 'scrypt' as const, N: 2 ** 12, r: 8, p: 1 };
  const ccd = join(dir, 'document.xml');
  const bundle = join(dir, 'bundle.json');
  if (mode === 'setup') {
    const { generatePatient } = await import('../testkit/synthetic-patient.js');
    const { importConnection } = await import('../electron/core/vault/connections.js');
    const { storeRecords } = await import('../electron/core/vault/record-store.js');
    const { exportRecords } = await import('../electron/core/exchange/export/export-document.js');
    const { readCcda } = await import('../electron/core/exchange/ccda/ccda-document.js');
    const vault = new VaultFile(join(dir, 'source.phrvault'), { scrypt });
    await vault.create(PASS);
    const person = addPerson(vault.db, { name: 'Bench Person', relationship: 'self' });
    const connection = importConnection(vault.db, person.id, 'Synthetic General Hospital');
    const { patient, resources } = generatePatient({ seed: 7, resources: Number(arg) });
    const all = [patient, ...resources].map((resource) => ({ resource, fhirVersion: 'R4' as const }));
    vault.db.transaction(() => storeRecords(vault.db, person.id, connection, all))();
    const outcome = await exportRecords(vault.db, 'ccda', { personId: person.id });
    vault.lock();
    writeFileSync(ccd, outcome.bytes);
    const read = readCcda('document.xml', outcome.bytes);
    writeFileSync(
      bundle,
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: read.records.map((resource) => ({ resource })),
      }),
    );
    return;
  }
  const step = arg as Step;
  // Loading the modules is not the reading's cost.
  const { parseXml } = await import('../electron/core/records/clinical-document.js');
  const { readCcda } = await import('../electron/core/exchange/ccda/ccda-document.js');
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const cpuSince = (from: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(from);
    return (used.user + used.system) / 1e6;
  };
  if (step === 'parse') {
    parseXml(readFileSync(ccd, 'utf8'));
  } else if (step === 'read') {
    readCcda('document.xml', readFileSync(ccd));
  } else {
    const { importFile } = await import('../electron/core/exchange/import-files.js');
    const vault = new VaultFile(join(dir, `${step}.phrvault`), { scrypt });
    await vault.create(PASS);
    const person = addPerson(vault.db, { name: 'Bench Person', relationship: 'self' });
    // The vault's creation (key derivation, schema) is not the import's cost.
    const begin = process.hrtime.bigint();
    const beginCpu = process.cpuUsage();
    const report = await importFile(vault.db, step === 'ccda' ? ccd : bundle, { personId: person.id });
    const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
    const cpuSeconds = cpuSince(beginCpu);
    vault.lock();
    const result: Result = {
      step,
      seconds,
      cpuSeconds,
      peakMiB: process.resourceUsage().maxRSS / 1024,
      records: report?.added ?? 0,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const result: Result = {
    step,
    seconds,
    cpuSeconds: cpuSince(cpu),
    peakMiB: process.resourceUsage().maxRSS / 1024,
    records: 0,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const spawnChild = (args: string[]): string => runBenchChild(import.meta.url, 'import bench', args);

function main(): void {
  const size = Number(process.env.BENCH_IMPORT_RECORDS ?? 9_000);
  const dir = mkdtempSync(join(tmpdir(), 'phr-vault-import-bench-'));
  try {
    spawnChild(['setup', dir, String(size)]);
    const megabytes = statSync(join(dir, 'document.xml')).size / 2 ** 20;
    const results = STEPS.map((step) => JSON.parse(spawnChild(['run', dir, step]).trim()) as Result);
    const ccda = results.find((r) => r.step === 'ccda')!;
    const rows = results.map((r) => {
      const what = {
        parse: 'parse only (saxes element tree, no records)',
        read: 'parse and convert (records made, none stored)',
        ccda: 'C-CDA import (read, convert, store)',
        fhir: 'same records as a FHIR bundle (baseline)',
      }[r.step];
      return `| ${what} | ${r.records || '–'} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${(ccda.cpuSeconds / r.cpuSeconds).toFixed(2)}× | ${r.peakMiB.toFixed(0)} |`;
    });
    // On a shared machine the wall clock measures the neighbours; CPU time is the import's own.
    const verdict = ccda.cpuSeconds < 2 ? 'met' : 'FAIL';
    const markdown = [
      '## Import',
      '',
      `A ${megabytes.toFixed(1)} MB C-CDA (our own CCD of a generated person, ${size} records in the source vault), imported into a new vault; baselines from the same run. Target: under 2 s (${verdict}: ${ccda.cpuSeconds.toFixed(2)} s of CPU time, ${ccda.seconds.toFixed(2)} s wall clock on this machine as loaded then).`,
      '',
      '| step | records stored | seconds (wall) | seconds (CPU) | C-CDA import as a multiple of it (CPU) | peak RSS (MiB) |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n');
    console.log(markdown);
    writeResults(join(benchDir, 'results.md'), markdown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, dir, arg] = process.argv.slice(2);
if (mode === 'setup' || mode === 'run') await child(mode, dir ?? '', arg ?? '');
else main();

// Keeps this file a module for top-level await even when nothing is exported.
export {};
