/**
 * Health card import benchmark: 1,000 SMART Health Cards (BENCH_CARDS to change it), each a
 * `.smart-health-card` file signed with the spec's example issuer key, imported into a new vault
 * offline: read, inflated, verified against the directory, stored with their records. Standalone:
 *
 *     npx tsx bench/health-cards-bench.ts
 *
 * The baseline, in the same run and on the same machine: the same records as plain FHIR bundle
 * files through importFhirFiles (no signature, no inflating, no verifying). Each import runs in its
 * own child process, so its peak memory (maxRSS) is its own. Figures to read; nothing is asserted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults } from './results-file.js';
import { runBenchChild } from './bench-child.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const PASS = 'correct horse battery';
type Result = {
  mode: string;
  cards: number;
  records: number;
  seconds: number;
  peakMiB: number;
  baseMiB: number;
};

async function makeCards(dir: string, count: number): Promise<void> {
  const { signCard, specPayload, specPrivateKeys } = await import('../testkit/health-card-issuer.js');
  const key = specPrivateKeys()[0]!;
  mkdirSync(join(dir, 'cards'));
  mkdirSync(join(dir, 'bundles'));
  for (let i = 0; i < count; i++) {
    // Each card a different person and doses, so no two share records.
    const day = (n: number) =>
      new Date(Date.UTC(2021, 0, 1) + (i * 3 + n) * 86_400_000).toISOString().slice(0, 10);
    const text = JSON.stringify(specPayload('00', { nbf: 1_700_000_000 + i }))
      .replace('"Anyperson"', `"Person${i}"`)
      .replace('2021-01-01', day(0))
      .replace('2021-01-29', day(1))
      .replace('2022-09-05', day(2));
    const payload = JSON.parse(text) as { vc: { credentialSubject: { fhirBundle: unknown } } };
    writeFileSync(
      join(dir, 'cards', `card-${i}.smart-health-card`),
      JSON.stringify({ verifiableCredential: [await signCard(payload, key)] }),
    );
    writeFileSync(
      join(dir, 'bundles', `bundle-${i}.json`),
      JSON.stringify(payload.vc.credentialSubject.fhirBundle),
    );
  }
}

async function child(mode: string, dir: string, count: number): Promise<void> {
  if (mode === 'setup') return makeCards(dir, count);
  const { readFileSync } = await import('node:fs');
  const { VaultFile } = await import('../electron/core/vault/vault-file.js');
  const { addPerson } = await import('../electron/core/vault/persons.js');
  const { recordStats } = await import('../electron/core/vault/timeline.js');
  const vault = new VaultFile(join(dir, `${mode}.phrvault`), {
    scrypt: { name: 'scrypt', N: 2 ** 12, r: 8, p: 1 },
  });
  await vault.create(PASS);
  const person = addPerson(vault.db, { name: 'Bench Person', relationship: 'self' }).id;
  const base = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  if (mode === 'cards') {
    const { directoryWith } = await import('../electron/core/exchange/health-cards/issuer-directory.js');
    const { readHealthCardFile } = await import('../electron/core/exchange/health-cards/read-health-card.js');
    const { storeHealthCards, vaultKeyCache } =
      await import('../electron/core/exchange/health-cards/store-health-card.js');
    const { specDirectoryText } = await import('../testkit/health-card-issuer.js');
    const options = {
      directory: directoryWith(specDirectoryText(), 'bench'),
      keyCache: vaultKeyCache(vault.db),
    };
    // As phr-vault import does: every file read and verified, then their cards stored together.
    const read = [];
    for (let i = 0; i < count; i++) {
      const { cards } = await readHealthCardFile(
        readFileSync(join(dir, 'cards', `card-${i}.smart-health-card`)),
        options,
      );
      if (cards[0]!.verification.status !== 'verified')
        throw new Error(`card ${i}: ${cards[0]!.verification.reason}`);
      read.push(cards[0]!);
    }
    storeHealthCards(vault.db, person, read);
  } else {
    const { importFhirFiles } = await import('../electron/core/exchange/import-fhir.js');
    const files = Array.from({ length: count }, (_, i) => join(dir, 'bundles', `bundle-${i}.json`));
    await importFhirFiles(vault.db, files, { personId: person, fhirVersion: 'R4' });
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const result: Result = {
    mode,
    cards: count,
    records: recordStats(vault.db, person).total,
    seconds,
    peakMiB: process.resourceUsage().maxRSS / 1024,
    baseMiB: base / 2 ** 20,
  };
  vault.lock();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const spawnChild = (args: string[]): string => runBenchChild(import.meta.url, 'health card bench', args);

function main(): void {
  const count = Number(process.env.BENCH_CARDS ?? 1000);
  const dir = mkdtempSync(join(tmpdir(), 'phr-vault-card-bench-'));
  try {
    spawnChild(['setup', dir, String(count)]);
    const [baseline, cards] = ['fhir', 'cards'].map(
      (mode) => JSON.parse(spawnChild([mode, dir, String(count)]).trim()) as Result,
    ) as [Result, Result];
    const row = (name: string, r: Result) =>
      `| ${name} | ${r.records} | ${r.seconds.toFixed(2)} | ${((r.seconds / r.cards) * 1000).toFixed(2)} | ${r.peakMiB.toFixed(0)} | ${r.baseMiB.toFixed(0)} |`;
    const markdown = `## Health cards

${count} SMART Health Cards (\`.smart-health-card\` files, 4 records each, signed ES256), imported
offline into a new encrypted vault as \`phr-vault import\` does: each file read, inflated and
verified against the issuer directory, then the cards stored with their records in one transaction. Baseline, same run: the
same records as ${count} plain FHIR bundle files through \`importFhirFiles\`. Each in its own
process (${new Date().toISOString().slice(0, 10)}).

| import | records | seconds | ms a file | peak RSS (MiB) | RSS before (MiB) |
|---|---|---|---|---|---|
${row('health cards', cards)}
${row('FHIR bundles (baseline)', baseline)}

Health cards take ${(cards.seconds / baseline.seconds).toFixed(2)}× the baseline's time and
${(cards.peakMiB / baseline.peakMiB).toFixed(2)}× its peak memory.
`;
    console.log(markdown);
    writeResults(join(benchDir, 'results.md'), markdown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, dir, count] = process.argv.slice(2);
if (mode === 'setup' || mode === 'cards' || mode === 'fhir') await child(mode, dir ?? '', Number(count));
else main();

// Keeps this file a module for top-level await even when nothing is exported.
export {};
