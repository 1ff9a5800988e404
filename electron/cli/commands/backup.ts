import type { Command } from 'commander';
import { resolve } from 'node:path';
import { appVersion } from '../../core/app-version.js';
import { writeBackup } from '../../core/vault/backup.js';
import { restoreBackup } from '../../core/vault/restore.js';
import { json, passphrase, withVault } from '../cli-support.js';

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : 'undated');

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('write the whole vault, still encrypted, to one backup file, and check it')
    .requiredOption('--vault <file>', 'the vault file')
    .requiredOption('--out <file>', 'the backup file to write (it must not exist yet)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { vault: string; out: string; json?: boolean }) => {
      const vaultPath = resolve(opts.vault);
      const written = await withVault(vaultPath, (db) =>
        writeBackup(db, vaultPath, resolve(opts.out), appVersion()),
      );
      if (opts.json) {
        json(written);
        return;
      }
      process.stdout.write(
        `Backed up ${written.counts.records} records of ${written.counts.persons} ${written.counts.persons === 1 ? 'person' : 'people'} to ${written.path} (${megabytes(written.bytes)}), and checked it.\n` +
          'It opens with the passphrase or the recovery code the vault has now.\n',
      );
    });

  program
    .command('restore')
    .description('restore a backup file as a vault (the passphrase is the one the vault had when backed up)')
    .requiredOption('--from <file>', 'the backup file')
    .requiredOption('--vault <file>', 'where the restored vault goes')
    .option('--replace', 'replace a vault already there (it is kept aside, renamed, not deleted)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { from: string; vault: string; replace?: boolean; json?: boolean }) => {
      const secret = await passphrase();
      const report = await restoreBackup(
        resolve(opts.from),
        resolve(opts.vault),
        (vault) => vault.unlock(secret),
        {
          replace: opts.replace === true,
          onUpgrade: () =>
            process.stderr.write(
              'Updating the restored vault for this version of PHR Vault: with many records this takes a few minutes.\n',
            ),
        },
      );
      if (opts.json) {
        json({ vault: resolve(opts.vault), ...report });
        return;
      }
      const people = report.persons.map((p) => `${p.name} (${p.records} records)`).join(', ');
      process.stdout.write(
        [
          `Restored the backup of ${day(report.backupCreatedAt)} to ${resolve(opts.vault)}.`,
          `It holds ${people || 'no one yet'}; records from ${day(report.firstRecord)} to ${day(report.lastRecord)}.`,
          ...(report.previousVaultKeptAt
            ? [`The vault that was there is kept as ${report.previousVaultKeptAt} (and its .keys.json).`]
            : []),
          '',
        ].join('\n'),
      );
    });
}
