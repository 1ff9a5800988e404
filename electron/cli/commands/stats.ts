import type { Command } from 'commander';
import { listPersons } from '../../core/vault/persons.js';
import { recordStats } from '../../core/vault/timeline.js';
import { json, personFor, withVault } from '../cli-support.js';

export function registerStats(program: Command): void {
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
}
