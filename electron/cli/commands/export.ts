import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { categories, FhirDate, type Category } from '../../../shared/domain.js';
import { exportRecords } from '../../core/exchange/export/export-document.js';
import { writePrivateFile } from '../../core/exchange/private-file.js';
import {
  exportFormats,
  type ExportFormat,
  type ExportIssue,
} from '../../core/exchange/export/export-request.js';
import { json, personFor, UsageError, withVault } from '../cli-support.js';

type ExportOptions = {
  vault: string;
  person?: string;
  format: string;
  out: string;
  since?: string;
  until?: string;
  categories?: string;
  includeMarkedWrong?: boolean;
  json?: boolean;
};

function dateOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!FhirDate.safeParse(value).success) throw new UsageError(`${name} takes a date like 2020-01-31.`);
  return value;
}

function categoryOption(value: string | undefined): Category[] | undefined {
  if (value === undefined) return undefined;
  const chosen = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const unknown = chosen.filter((c) => !(categories as readonly string[]).includes(c));
  if (unknown.length > 0) throw new UsageError(`--categories takes some of: ${categories.join(', ')}.`);
  return chosen as Category[];
}

/** The report: everything that is not in the document, or not wholly, each with its reason. */
function printIssues(issues: ExportIssue[]): void {
  const leftOut = issues.filter((i) => i.kind === 'left-out');
  const incomplete = issues.filter((i) => i.kind === 'incomplete');
  if (leftOut.length > 0) {
    process.stdout.write(`\n${leftOut.length} record(s) could not be expressed in this format:\n`);
    for (const i of leftOut)
      process.stdout.write(`  #${i.recordId} ${i.resourceType} “${i.title}”: ${i.reason}\n`);
  }
  if (incomplete.length > 0) {
    process.stdout.write(`\n${incomplete.length} detail(s) could not be expressed and are marked unknown:\n`);
    for (const i of incomplete)
      process.stdout.write(`  #${i.recordId} ${i.resourceType} “${i.title}”: ${i.reason}\n`);
  }
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write a person’s records for a new provider: C-CDA CCD, FHIR bundle, IPS or a printable PDF',
    )
    .requiredOption('--vault <file>', 'the vault file')
    .option('--person <name>', 'whose records (default: the vault’s first person)')
    .requiredOption('--format <format>', `one of: ${exportFormats.join(', ')}`)
    .requiredOption('--out <file>', 'where to write the document')
    .option('--since <date>', 'only records on or after this date (2020-01-31, 2020-01 or 2020)')
    .option('--until <date>', 'only records up to the end of this date')
    .option('--categories <list>', `only these kinds of record, comma-separated: ${categories.join(', ')}`)
    .option('--include-marked-wrong', 'also the records you marked as wrong (left out otherwise)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: ExportOptions) => {
      if (!(exportFormats as readonly string[]).includes(opts.format))
        throw new UsageError(`--format takes one of: ${exportFormats.join(', ')}.`);
      const format = opts.format as ExportFormat;
      const selection = {
        from: dateOption('--since', opts.since),
        to: dateOption('--until', opts.until),
        categories: categoryOption(opts.categories),
        includeMarkedWrong: opts.includeMarkedWrong === true,
      };
      const out = resolve(opts.out);
      await withVault(opts.vault, async (db) => {
        const person = personFor(db, opts.person, false);
        const outcome = await exportRecords(db, format, { personId: person.id, ...selection });
        mkdirSync(dirname(out), { recursive: true });
        await writePrivateFile(out, outcome.bytes);
        if (opts.json) {
          json({
            file: out,
            format,
            records: outcome.records,
            sections: outcome.sections,
            issues: outcome.issues,
          });
          return;
        }
        process.stdout.write(
          `Wrote ${out} (${format}) for ${person.name}: ${outcome.records} records read.\n`,
        );
        for (const s of outcome.sections)
          process.stdout.write(`  ${String(s.entries).padStart(6)}  ${s.title}\n`);
        printIssues(outcome.issues);
      });
    });
}
