import type { Command } from 'commander';
import { resolve } from 'node:path';
import { addPerson } from '../../core/vault/persons.js';
import { VaultFile } from '../../core/vault/vault-file.js';
import { json, passphrase } from '../cli-support.js';

export function registerCreate(program: Command): void {
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
}
