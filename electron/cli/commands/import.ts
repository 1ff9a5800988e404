import type { Command } from 'commander';
import { resolve } from 'node:path';
import { relationships, type Relationship } from '../../../shared/domain.js';
import { FHIR_VERSIONS } from '../../core/exchange/fhir-version.js';
import {
  DEFAULT_IMPORT_BATCH,
  importFhirFiles,
  SHARED_IMPORT_BATCH,
} from '../../core/exchange/import-fhir.js';
import type { FhirVersion } from '../../core/records/record-columns.js';
import { json, personFor, UsageError, withVault } from '../cli-support.js';
import { VaultError } from '../../core/errors.js';
import { isHealthCardFile } from './health-card-files.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import FHIR JSON files (a Bundle, a single resource or NDJSON) into a person’s records')
    .requiredOption('--vault <file>', 'the vault file')
    .option(
      '--person <name>',
      'whose records these are (created if missing; default: the vault’s first person)',
    )
    .option(
      '--relationship <relationship>',
      `who a new --person is to you: ${relationships.filter((r) => r !== 'self').join(', ')}`,
      'other',
    )
    .option('--source <label>', 'where the records came from, as shown in the timeline')
    .option(
      '--fhir-version <version>',
      `the files' FHIR version: auto (read from each file), ${FHIR_VERSIONS.join(', ')}`,
      'auto',
    )
    .option(
      '--batch <n>',
      `records per transaction (default ${DEFAULT_IMPORT_BATCH}; ${SHARED_IMPORT_BATCH} while the app has the vault open)`,
    )
    .option('--json', 'print what became of each file as JSON')
    .option('--offline', 'verify health cards only against known issuers’ keys, fetching nothing')
    .argument('<paths...>', 'FHIR JSON or NDJSON files, SMART Health Cards')
    .action(
      async (
        paths: string[],
        opts: {
          vault: string;
          person?: string;
          relationship: string;
          source?: string;
          fhirVersion: string;
          batch?: string;
          json?: boolean;
          offline?: boolean;
        },
      ) => {
        if (!(relationships as readonly string[]).includes(opts.relationship)) {
          throw new UsageError(`--relationship takes one of: ${relationships.join(', ')}.`);
        }
        const version = FHIR_VERSIONS.find((v) => v.toLowerCase() === opts.fhirVersion.toLowerCase());
        if (!version && opts.fhirVersion.toLowerCase() !== 'auto')
          throw new UsageError(`--fhir-version takes one of: auto, ${FHIR_VERSIONS.join(', ')}.`);
        const fhirVersion: FhirVersion | undefined = version;
        const batchSize = opts.batch === undefined ? undefined : Number.parseInt(opts.batch, 10);
        if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1))
          throw new UsageError('--batch takes a whole number above 0.');
        await withVault(opts.vault, async (db) => {
          const person = personFor(db, opts.person, true, opts.relationship as Relationship);
          // SMART Health Cards: read, verified and stored by their own import (import-health-cards.ts).
          const cardPaths: string[] = [];
          const fhirPaths: string[] = [];
          for (const p of paths.map((p) => resolve(p)))
            ((await isHealthCardFile(p)) ? cardPaths : fhirPaths).push(p);
          const cards = cardPaths.length === 0 ? null : await import('./import-health-cards.js');
          const cardReports = cards
            ? await cards.importHealthCardFiles(db, person, cardPaths, { online: !opts.offline })
            : [];
          if (!opts.json && cards)
            for (const r of cardReports)
              (r.error ? process.stderr : process.stdout).write(`${cards.cardReportLine(r, person.name)}\n`);
          const reports = await importFhirFiles(db, fhirPaths, {
            personId: person.id,
            sourceLabel: opts.source,
            fhirVersion,
            batchSize,
            onProgress: ({ file, committed }) =>
              process.stderr.write(`${committed} records saved (reading ${file})\n`),
          });
          if (opts.json)
            json([
              ...cardReports,
              ...reports.map((r) => ({
                file: r.file,
                format: `fhir-${r.fhirVersion.toLowerCase()}`,
                stored: r.added,
                updated: r.updated,
                unchanged: r.unchanged,
                skipped: r.problems.length,
              })),
            ]);
          const refused = cardReports.filter((r) => r.error);
          if (refused.length > 0)
            throw new VaultError('bad-input', `Not imported: ${refused.map((r) => r.file).join(', ')}.`);
          if (opts.json) return;
          for (const r of reports) {
            process.stdout.write(
              `${r.file} (FHIR ${r.fhirVersion}): ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged` +
                (r.problems.length ? `; ${r.problems.length} skipped` : '') +
                ` (for ${person.name})\n`,
            );
            for (const p of r.problems.slice(0, 20))
              process.stderr.write(`  skipped ${p.where}: ${p.problem}\n`);
            if (r.problems.length > 20) process.stderr.write(`  … and ${r.problems.length - 20} more\n`);
          }
        });
      },
    );
}
