import { Command, CommanderError } from 'commander';
import { resolve } from 'node:path';
import { read } from 'read';
import { userMessage } from '../../shared/errors.js';
import { toFailure } from '../core/api.js';
import { appVersion } from '../core/app-version.js';
import { importFhirFiles } from '../core/exchange/import-fhir.js';
import { addPerson, findPersonByName, firstPerson, listPersons } from '../core/vault/persons.js';
import { recordStats, timelinePage } from '../core/vault/timeline.js';
import { VaultFile } from '../core/vault/vault-file.js';
import { relationships, type Person, type Relationship } from '../../shared/domain.js';
import type { VaultDatabase } from '../core/vault/database.js';

/**
 * `phr-vault`: the vault from a terminal, for scripting, for tests and for people who prefer it.
 * The passphrase comes from PHR_VAULT_PASSPHRASE or a hidden prompt, never from an argument
 * (arguments show up in process lists and shell history).
 */

const PASSPHRASE_ENV = 'PHR_VAULT_PASSPHRASE';

async function passphrase(confirm = false): Promise<string> {
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `No passphrase: set ${PASSPHRASE_ENV} or run phr-vault in a terminal to be asked for it.`,
    );
  }
  const first = await read({ prompt: 'Passphrase: ', silent: true, replace: '', output: process.stderr });
  if (confirm) {
    const again = await read({
      prompt: 'Passphrase again: ',
      silent: true,
      replace: '',
      output: process.stderr,
    });
    if (again !== first) throw new UsageError('The two passphrases differ. Nothing was created.');
  }
  return first;
}

class UsageError extends Error {}

async function openVault(file: string): Promise<VaultFile> {
  const vault = new VaultFile(resolve(file));
  await vault.unlock(await passphrase());
  return vault;
}

async function withVault<T>(file: string, work: (db: VaultDatabase) => Promise<T> | T): Promise<T> {
  const vault = await openVault(file);
  try {
    return await work(vault.db);
  } finally {
    vault.lock();
  }
}

function personFor(
  db: VaultDatabase,
  name: string | undefined,
  createIfMissing: boolean,
  relationship: Relationship = 'other',
): Person {
  if (name) {
    const found = findPersonByName(db, name);
    if (found) return found;
    if (!createIfMissing) throw new UsageError(`There is no person called “${name}” in this vault.`);
    return addPerson(db, { name, relationship });
  }
  const first = firstPerson(db);
  if (first) return first;
  if (!createIfMissing) throw new UsageError('This vault has no people yet.');
  return addPerson(db, { name: 'Me', relationship: 'self' });
}

const json = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

export function buildProgram(): Command {
  const program = new Command('phr-vault')
    .description('Your health records from every hospital and clinic, in one encrypted vault.')
    .version(appVersion())
    .showHelpAfterError()
    .exitOverride();

  program
    .command('create')
    .description('create a new vault and print its recovery code (shown this once)')
    .requiredOption('--vault <file>', 'where to create the vault file')
    .option('--name <name>', 'your name, for the first person in the vault', 'Me')
    .option('--birth-date <date>', 'your birth date (YYYY-MM-DD)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { vault: string; name: string; birthDate?: string; json?: boolean }) => {
      const vault = new VaultFile(resolve(opts.vault));
      const recoveryCode = await vault.create(await passphrase(true));
      try {
        addPerson(vault.db, { name: opts.name, birthDate: opts.birthDate, relationship: 'self' });
      } finally {
        vault.lock();
      }
      if (opts.json) {
        json({ vault: vault.path, keyFile: `${vault.path}.keys.json`, recoveryCode });
        return;
      }
      process.stdout.write(
        [
          `Created the vault ${vault.path}`,
          `and its key file ${vault.path}.keys.json (keep the two together; back up both).`,
          '',
          'Your recovery code. It is shown only now: write it down and keep it somewhere safe.',
          'With it you can get back in if you forget your passphrase.',
          '',
          `    ${recoveryCode}`,
          '',
        ].join('\n'),
      );
    });

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
    .option('--batch <n>', 'records per transaction', '1000')
    .argument('<paths...>', 'FHIR JSON or NDJSON files')
    .action(
      async (
        paths: string[],
        opts: { vault: string; person?: string; relationship: string; source?: string; batch: string },
      ) => {
        if (!(relationships as readonly string[]).includes(opts.relationship)) {
          throw new UsageError(`--relationship takes one of: ${relationships.join(', ')}.`);
        }
        const batchSize = Number.parseInt(opts.batch, 10);
        if (!Number.isInteger(batchSize) || batchSize < 1)
          throw new UsageError('--batch takes a whole number above 0.');
        await withVault(opts.vault, async (db) => {
          const person = personFor(db, opts.person, true, opts.relationship as Relationship);
          const reports = await importFhirFiles(
            db,
            paths.map((p) => resolve(p)),
            {
              personId: person.id,
              sourceLabel: opts.source,
              batchSize,
              onProgress: ({ file, committed }) =>
                process.stderr.write(`${file}: ${committed} records saved\n`),
            },
          );
          for (const r of reports) {
            process.stdout.write(
              `${r.file}: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged` +
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

  program
    .command('stats')
    .description('how many records the vault holds, by type and by person')
    .requiredOption('--vault <file>', 'the vault file')
    .option('--person <name>', 'only this person’s records')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { vault: string; person?: string; json?: boolean }) => {
      await withVault(opts.vault, (db) => {
        const person = opts.person ? personFor(db, opts.person, false) : undefined;
        const stats = recordStats(db, person?.id);
        const persons = listPersons(db);
        if (opts.json) {
          json({ total: stats.total, byType: stats.byType, byCategory: stats.byCategory, persons });
          return;
        }
        process.stdout.write(`${stats.total} records\n`);
        for (const [type, n] of Object.entries(stats.byType).sort((a, b) => b[1] - a[1])) {
          process.stdout.write(`  ${String(n).padStart(8)}  ${type}\n`);
        }
        for (const p of persons)
          process.stdout.write(`${p.name} (${p.relationship}): ${p.recordCount} records\n`);
      });
    });

  program
    .command('timeline')
    .description('a person’s records, newest first')
    .requiredOption('--vault <file>', 'the vault file')
    .option('--person <name>', 'whose timeline (default: the vault’s first person)')
    .option('--limit <n>', 'how many entries', '50')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { vault: string; person?: string; limit: string; json?: boolean }) => {
      const limit = Number.parseInt(opts.limit, 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new UsageError('--limit takes a whole number from 1 to 10000.');
      await withVault(opts.vault, (db) => {
        const person = personFor(db, opts.person, false);
        const entries = [];
        let cursor: string | null = null;
        do {
          const page = timelinePage(db, {
            personId: person.id,
            limit: Math.min(500, limit - entries.length),
            cursor,
          });
          entries.push(...page.entries);
          cursor = page.nextCursor;
        } while (cursor && entries.length < limit);
        if (opts.json) {
          json({ person, entries });
          return;
        }
        for (const e of entries) {
          const value = e.value ? `  ${e.value}${e.abnormal ? ' (!)' : ''}` : '';
          process.stdout.write(
            `${e.date?.slice(0, 10) ?? 'no date   '}  ${e.category.padEnd(14)} ${e.title}${value}  [${e.source.label}]\n`,
          );
        }
      });
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are how commander says it printed what was asked.
      return error.exitCode === 0 ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version'
        ? 0
        : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`phr-vault: ${error.message}\n`);
      return 2;
    }
    const failure = toFailure(error);
    process.stderr.write(`phr-vault: ${failure.message || userMessage('internal')}\n`);
    return 1;
  }
}
