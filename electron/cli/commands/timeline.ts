import type { Command } from 'commander';
import { timelinePage } from '../../core/vault/timeline.js';
import { json, personFor, UsageError, withVault } from '../cli-support.js';

export function registerTimeline(program: Command): void {
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
}
