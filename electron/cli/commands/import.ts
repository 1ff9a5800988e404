import type { Command } from 'commander';
import { basename, resolve } from 'node:path';
import { relationships, type Person, type Relationship } from '../../../shared/domain.js';
import { FHIR_VERSIONS } from '../../core/exchange/fhir-version.js';
import { importFile, recogniseFormat, type ImportedFile } from '../../core/exchange/import-files.js';
import { DEFAULT_IMPORT_BATCH, SHARED_IMPORT_BATCH } from '../../core/exchange/import-fhir.js';
import { isVaultError } from '../../core/errors.js';
import type { FhirVersion } from '../../core/records/record-columns.js';
import { personFor, ToldFailure, UsageError, withVault } from '../cli-support.js';
import { ensureIntact } from '../../core/vault/database.js';

/** What `--json` prints for each file: `stored` is the records it added. */
type FileOutcome = {
  file: string;
  format: string | null;
  stored: number;
  updated: number;
  unchanged: number;
  about: string | null;
  problems: number;
  verification: ImportedFile['verification'];
  refused: string | null;
};
import { isHealthCardFile } from './health-card-files.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'import files into a person’s records: FHIR JSON (a Bundle, a single resource or NDJSON) or C-CDA documents, each recognised from its content',
    )
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
    .argument('<paths...>', 'FHIR JSON, NDJSON or C-CDA (XML) files, SMART Health Cards')
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
        const refused = await withVault(opts.vault, async (db) => {
          // A damaged file is refused before anything is written into it.
          ensureIntact(db);
          // Made (when missing) with the first record stored, so a refused file leaves no one behind.
          let person: Person | undefined;
          const thePerson = () =>
            (person ??= personFor(db, opts.person, true, opts.relationship as Relationship));
          // SMART Health Cards: read together (a card split over several QR codes is made whole),
          // verified and stored by their own import (import-health-cards.ts).
          const cardPaths: string[] = [];
          const otherPaths: string[] = [];
          for (const p of paths.map((p) => resolve(p)))
            ((await isHealthCardFile(p)) ? cardPaths : otherPaths).push(p);
          const cards = cardPaths.length === 0 ? null : await import('./import-health-cards.js');
          const cardReports = cards
            ? await cards.importHealthCardFiles(db, thePerson(), cardPaths, { online: !opts.offline })
            : [];
          if (!opts.json && cards)
            for (const r of cardReports)
              (r.error ? process.stderr : process.stdout).write(
                `${cards.cardReportLine(r, thePerson().name)}\n`,
              );
          const outcomes: FileOutcome[] = [];
          // Each other file on its own: one refused file is said and skipped, and the others still come in.
          for (const path of otherPaths) {
            let format: string | null = null;
            try {
              format = await recogniseFormat(path);
              const r = await importFile(db, path, {
                personId: () => thePerson().id,
                sourceLabel: opts.source,
                fhirVersion,
                batchSize,
                onProgress: ({ file, committed }) =>
                  process.stderr.write(`${committed} records saved (reading ${file})\n`),
              });
              if (!r) continue;
              outcomes.push({
                file: r.file,
                format: r.format,
                stored: r.added,
                updated: r.updated,
                unchanged: r.unchanged,
                about: r.about,
                problems: r.problems.length,
                verification: r.verification,
                refused: null,
              });
              if (opts.json) continue;
              const what = r.format === 'fhir' ? `FHIR ${r.fhirVersion}` : r.about;
              process.stdout.write(
                `${r.file} (${what}): ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged` +
                  (r.problems.length ? `; ${r.problems.length} skipped` : '') +
                  ` (for ${thePerson().name})\n`,
              );
              for (const p of r.problems.slice(0, 20))
                process.stderr.write(`  skipped ${p.where}: ${p.problem}\n`);
              if (r.problems.length > 20) process.stderr.write(`  … and ${r.problems.length - 20} more\n`);
            } catch (error) {
              if (!isVaultError(error, 'bad-input')) throw error;
              process.stderr.write(`phr-vault: ${error.message}\n`);
              outcomes.push({
                file: basename(path),
                format,
                stored: 0,
                updated: 0,
                unchanged: 0,
                about: null,
                problems: 0,
                verification: null,
                refused: error.message,
              });
            }
          }
          if (opts.json) process.stdout.write(`${JSON.stringify([...cardReports, ...outcomes], null, 2)}\n`);
          const refusedCards = cardReports.filter((r) => r.error).map((r) => r.file);
          if (refusedCards.length > 0)
            process.stderr.write(`phr-vault: Not imported: ${refusedCards.join(', ')}.\n`);
          return outcomes.some((o) => o.refused !== null) || refusedCards.length > 0;
        });
        if (refused) throw new ToldFailure();
      },
    );
}
