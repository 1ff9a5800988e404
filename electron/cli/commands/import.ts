import type { Command } from 'commander';
import { basename, resolve } from 'node:path';
import { relationships, type Person, type Relationship } from '../../../shared/domain.js';
import { FHIR_VERSIONS } from '../../core/exchange/fhir-version.js';
import {
  importFile,
  importHealthLink,
  recogniseFormat,
  type FileImportOptions,
  type ImportedFile,
} from '../../core/exchange/import-files.js';
import type { LinkFileResult } from '../../core/exchange/health-links/open-health-link.js';
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
  /** A health link's files, one by one (format `smart-health-link` only). */
  files?: LinkFileResult[];
};
import { isHealthCardFile } from './health-card-files.js';

/** Where a health link's passcode can come from without showing on the command line. */
export const SHL_PASSCODE_ENV = 'PHR_VAULT_SHL_PASSCODE';

/** Refusals of a link that leave the other files to come in (a broken vault still stops the run). */
const REFUSED_LINK = new Set<string>([
  'bad-link',
  'link-expired',
  'link-passcode-needed',
  'link-wrong-passcode',
  'link-unavailable',
  'link-refused',
  'link-bad-answer',
  'server-timeout',
  'server-unreachable',
  'tls-error',
  'insecure-address',
]);

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
    .option('--link <text>', 'a SMART Health Link (shlink:/…, or a viewer address ending #shlink:/…) to open')
    .option(
      '--passcode <code>',
      `the passcode a health link asks for (or set ${SHL_PASSCODE_ENV}, which keeps it off the command line)`,
    )
    .option('--recipient <name>', 'who is opening a health link, as its sender will see it', 'PHR Vault')
    .argument(
      '[paths...]',
      'FHIR JSON, NDJSON or C-CDA (XML) files, SMART Health Cards, files or QR pictures holding a SMART Health Link',
    )
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
          link?: string;
          passcode?: string;
          recipient: string;
        },
      ) => {
        if (paths.length === 0 && opts.link === undefined)
          throw new UsageError('Name the files to import, or give a health link with --link.');
        const passcode = opts.passcode ?? process.env[SHL_PASSCODE_ENV];
        const link: FileImportOptions['link'] = {
          recipient: opts.recipient,
          ...(passcode ? { passcode } : {}),
        };
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
          const cardRead = cards
            ? await cards.importHealthCardFiles(db, thePerson(), cardPaths, { online: !opts.offline })
            : [];
          // A QR picture of a health link, not a card: opened as a link, below, with the others.
          const cardReports = cardRead.filter((r) => r.healthLink === undefined);
          const linksInPictures = cardRead.flatMap((r) =>
            r.healthLink === undefined ? [] : [{ file: r.file, text: r.healthLink }],
          );
          if (!opts.json && cards)
            for (const r of cardReports)
              (r.error ? process.stderr : process.stdout).write(
                `${cards.cardReportLine(r, thePerson().name)}\n`,
              );
          const outcomes: FileOutcome[] = [];
          // Each other file on its own: one refused file is said and skipped, and the others still come in.
          const items: { path: string; link?: string }[] = [
            ...otherPaths.map((path) => ({ path })),
            ...linksInPictures.map(({ file, text }) => ({ path: file, link: text })),
            ...(opts.link === undefined ? [] : [{ path: 'link', link: opts.link }]),
          ];
          for (const { path, link: linkText } of items) {
            let format: string | null = null;
            try {
              const importOptions: FileImportOptions = {
                personId: () => thePerson().id,
                sourceLabel: opts.source,
                fhirVersion,
                batchSize,
                offline: opts.offline === true,
                link,
                onProgress: ({ file, committed }) =>
                  process.stderr.write(`${committed} records saved (reading ${file})\n`),
              };
              format = linkText === undefined ? await recogniseFormat(path) : 'smart-health-link';
              const r =
                linkText === undefined
                  ? await importFile(db, path, importOptions)
                  : await importHealthLink(db, basename(path), linkText, importOptions);
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
                ...(r.linkFiles ? { files: r.linkFiles } : {}),
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
              // A link refused for what the link or its server did is said like a refused file.
              if (!isVaultError(error) || !(error.kind === 'bad-input' || REFUSED_LINK.has(error.kind)))
                throw error;
              // Here the passcode is given on the command line, not typed into a window.
              const message =
                error.kind === 'link-passcode-needed'
                  ? `${error.message} Give it with --passcode, or in ${SHL_PASSCODE_ENV}.`
                  : error.message;
              process.stderr.write(`phr-vault: ${message}\n`);
              outcomes.push({
                file: basename(path),
                format,
                stored: 0,
                updated: 0,
                unchanged: 0,
                about: null,
                problems: 0,
                verification: null,
                refused: message,
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
