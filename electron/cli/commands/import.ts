import type { Command } from 'commander';
import { resolve } from 'node:path';
import { relationships, type Person, type Relationship } from '../../../shared/domain.js';
import { FHIR_VERSIONS } from '../../core/exchange/fhir-version.js';
import {
  DEFAULT_IMPORT_BATCH,
  importFhirFiles,
  SHARED_IMPORT_BATCH,
} from '../../core/exchange/import-fhir.js';
import type { FhirVersion } from '../../core/records/record-columns.js';
import { personFor, UsageError, withVault } from '../cli-support.js';

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
    .argument('<paths...>', 'FHIR JSON or NDJSON files')
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
          // Made (when missing) with the first record stored, so a refused file leaves no one behind.
          let person: Person | undefined;
          const personId = () =>
            (person ??= personFor(db, opts.person, true, opts.relationship as Relationship)).id;
          const reports = await importFhirFiles(
            db,
            paths.map((p) => resolve(p)),
            {
              personId,
              sourceLabel: opts.source,
              fhirVersion,
              batchSize,
              onProgress: ({ file, committed }) =>
                process.stderr.write(`${committed} records saved (reading ${file})\n`),
            },
          );
          for (const r of reports) {
            process.stdout.write(
              `${r.file} (FHIR ${r.fhirVersion}): ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged` +
                (r.problems.length ? `; ${r.problems.length} skipped` : '') +
                ` (for ${person?.name ?? ''})\n`,
            );
            for (const p of r.problems.slice(0, 20))
              process.stderr.write(`  skipped ${p.where}: ${p.problem}\n`);
            if (r.problems.length > 20) process.stderr.write(`  … and ${r.problems.length - 20} more\n`);
          }
        });
      },
    );
}
