/**
 * Apple Health import benchmark: an export.zip whose export.xml holds BENCH_APPLE_SAMPLES samples
 * (default 1,000,000: a watch's heart rate every five minutes and a day's other measurements, about
 * ten years), imported into a new vault, against a baseline from the same run:
 *
 * - parse: the same export.xml, unpacked, read by saxes (the parser the import uses) with nothing
 *   done per element: the floor any streaming reading of that XML pays.
 *
 * Each step runs in its own child process so its peak memory (maxRSS) is its own. Targets from the
 * issue: the import at no less than half the parse's rate, peak memory under 300 MB. Figures only,
 * nothing asserted. Standalone:
 *
 *     npx tsx bench/apple-import-bench.ts
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { writeResults } from './results-file.js';
import { runBenchChild } from './bench-child.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const PASS = 'correct horse battery';
const STEPS = ['parse', 'import'] as const;
type Step = (typeof STEPS)[number];
type Result = { step: Step; seconds: number; cpuSeconds: number; peakMiB: number; records: number };

/** A day: 280 heart rates, 4 SpO2, 2 respiratory rates, weight, glucose, temperature, a blood pressure. */
const A_DAY = 290;

function* exportXml(samples: number, header: string, footer: string): Generator<string> {
  yield header;
  const days = Math.ceil(samples / A_DAY);
  const start = Date.UTC(2015, 0, 1);
  let written = 0;
  const at = (day: number, minute: number) => {
    const d = new Date(start + day * 86_400_000 + minute * 60_000);
    return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} -0800`;
  };
  const rec = (type: string, unit: string, value: number | string, when: string, source = 'Apple Watch') =>
    ` <Record type="HKQuantityTypeIdentifier${type}" sourceName="${source}" sourceVersion="10.3" unit="${unit}" creationDate="${when}" startDate="${when}" endDate="${when}" value="${value}"/>\n`;
  for (let day = 0; day < days && written < samples; day++) {
    let lines = '';
    for (let i = 0; i < A_DAY && written < samples; i++, written++) {
      const when = at(day, i * 5);
      if (i < 280) lines += rec('HeartRate', 'count/min', 55 + ((day * 7 + i * 13) % 60), when);
      else if (i < 284) lines += rec('OxygenSaturation', '%', (94 + (i % 5)) / 100, when);
      else if (i < 286) lines += rec('RespiratoryRate', 'count/min', 12 + (i % 6), when);
      else if (i === 286) lines += rec('BodyMass', 'lb', (160 + (day % 20) / 10).toFixed(1), when, 'Scale');
      else if (i === 287) lines += rec('BloodGlucose', 'mg/dL', 90 + (day % 30), when, 'Meter');
      else if (i === 288)
        lines += rec('BodyTemperature', 'degF', 98.2 + (day % 10) / 10, when, 'Thermometer');
      else
        lines +=
          ` <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" creationDate="${when}" startDate="${when}" endDate="${when}">\n` +
          rec('BloodPressureSystolic', 'mmHg', 115 + (day % 20), when, 'Omron') +
          rec('BloodPressureDiastolic', 'mmHg', 72 + (day % 12), when, 'Omron') +
          ' </Correlation>\n';
    }
    yield lines;
  }
  yield footer;
}

async function setup(dir: string, samples: number): Promise<void> {
  const yazl = (await import('yazl')).default;
  const { healthXml } = await import('../testkit/apple-export.js');
  const [header, footer] = healthXml('@@BODY@@').split('@@BODY@@') as [string, string];
  await pipeline(
    Readable.from(exportXml(samples, header, footer)),
    createWriteStream(join(dir, 'export.xml')),
  );
  const zip = new yazl.ZipFile();
  zip.addReadStream(createReadStream(join(dir, 'export.xml')), 'apple_health_export/export.xml');
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(join(dir, 'export.zip')));
}

async function child(dir: string, step: Step): Promise<void> {
  const cpuSince = (from: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(from);
    return (used.user + used.system) / 1e6;
  };
  let begin = process.hrtime.bigint();
  let beginCpu = process.cpuUsage();
  let records = 0;
  if (step === 'parse') {
    const { SaxesParser } = await import('saxes');
    const parser = new SaxesParser({ xmlns: false });
    let elements = 0;
    parser.on('opentag', () => elements++);
    const stream = createReadStream(join(dir, 'export.xml'), { encoding: 'utf8' });
    for await (const chunk of stream) parser.write(chunk as string);
    parser.close();
    records = 0;
  } else {
    const { VaultFile } = await import('../electron/core/vault/vault-file.js');
    const { addPerson } = await import('../electron/core/vault/persons.js');
    const { importFile } = await import('../electron/core/exchange/import-files.js');
    const vault = new VaultFile(join(dir, 'apple.phrvault'), {
      scrypt: { name: 'scrypt', N: 2 ** 12, r: 8, p: 1 },
    });
    await vault.create(PASS);
    const person = addPerson(vault.db, { name: 'Bench Person', relationship: 'self' });
    // The vault's creation (key derivation, schema) is not the import's cost.
    begin = process.hrtime.bigint();
    beginCpu = process.cpuUsage();
    const report = await importFile(vault.db, join(dir, 'export.zip'), { personId: person.id });
    records = report?.added ?? 0;
    vault.lock();
  }
  const result: Result = {
    step,
    seconds: Number(process.hrtime.bigint() - begin) / 1e9,
    cpuSeconds: cpuSince(beginCpu),
    peakMiB: process.resourceUsage().maxRSS / 1024,
    records,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const spawnChild = (args: string[]): string => runBenchChild(import.meta.url, 'Apple bench', args);

function main(): void {
  const samples = Number(process.env.BENCH_APPLE_SAMPLES ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'phr-vault-apple-bench-'));
  try {
    spawnChild(['setup', dir, String(samples)]);
    const xmlMiB = statSync(join(dir, 'export.xml')).size / 2 ** 20;
    const zipMiB = statSync(join(dir, 'export.zip')).size / 2 ** 20;
    const results = STEPS.map((step) => JSON.parse(spawnChild(['run', dir, step]).trim()) as Result);
    const parse = results.find((r) => r.step === 'parse')!;
    const imported = results.find((r) => r.step === 'import')!;
    // On a shared machine the wall clock measures the neighbours; CPU time is the work's own.
    const rate = (r: Result) => samples / r.cpuSeconds;
    const share = rate(imported) / rate(parse);
    const verdict = share >= 0.5 && imported.peakMiB < 300 ? 'met' : 'FAIL';
    const rows = results.map((r) => {
      const what = {
        parse: 'parse only (saxes on export.xml, nothing done per element)',
        import: 'Apple Health import (unzip, read, summarise, store)',
      }[r.step];
      return `| ${what} | ${r.records || '–'} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${Math.round(rate(r)).toLocaleString('en')} | ${r.peakMiB.toFixed(0)} |`;
    });
    const markdown = [
      '## Apple Health import',
      '',
      `An export.zip (${zipMiB.toFixed(0)} MB; its export.xml ${xmlMiB.toFixed(0)} MB with ${samples.toLocaleString('en')} samples, ${(samples / A_DAY / 365).toFixed(1)} years of a watch's heart rate and daily measurements), imported into a new vault; baseline from the same run. Target: at least half the parse's rate, peak memory under 300 MB (${verdict}: ${(share * 100).toFixed(0)}% of the parse's rate in CPU time, ${imported.peakMiB.toFixed(0)} MB peak).`,
      '',
      '| step | records stored | seconds (wall) | seconds (CPU) | samples a second (CPU) | peak RSS (MiB) |',
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
if (mode === 'setup') await setup(dir ?? '', Number(arg));
else if (mode === 'run') await child(dir ?? '', arg as Step);
else main();

export {};
