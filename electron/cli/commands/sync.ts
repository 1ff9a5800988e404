import type { Command } from 'commander';
import { VaultError } from '../../core/errors.js';
import { ConnectionAccess } from '../../core/smart/connection-access.js';
import { syncConnection } from '../../core/sync/connection-sync.js';
import { listConnectionDetails } from '../../core/vault/connections.js';
import { UsageError, withVault } from '../cli-support.js';

/**
 * One sync, in the foreground: progress on stderr, a summary per connection on stdout. Ctrl-C
 * stops it cleanly (what arrived is kept); a harder stop (kill -9, power) loses at most the page
 * being written, and the next run goes on from there.
 */
export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('bring in new and changed records from connected hospitals and clinics')
    .requiredOption('--vault <file>', 'the vault file')
    .option('--connection <id>', 'only this connection (see `phr-vault connections`)')
    .action(async (opts: { vault: string; connection?: string }) => {
      const only = opts.connection === undefined ? undefined : Number.parseInt(opts.connection, 10);
      if (only !== undefined && !(Number.isInteger(only) && only > 0)) {
        throw new UsageError(
          '--connection takes a connection number, as `phr-vault connections` lists them.',
        );
      }
      const failed = await withVault(opts.vault, async (db) => {
        const smart = listConnectionDetails(db).filter((c) => c.kind === 'smart');
        const chosen =
          only === undefined
            ? smart.filter((c) => c.state === 'connected' || c.state === 'error')
            : smart.filter((c) => c.id === only);
        if (only !== undefined && chosen.length === 0)
          throw new VaultError('not-found', `There is no connection ${only}.`);
        if (chosen.length === 0) {
          process.stdout.write(
            'No connected hospitals or clinics to sync. Connect one with `phr-vault connect`.\n',
          );
          return false;
        }
        const access = new ConnectionAccess(() => db);
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        let anyFailed = false;
        try {
          for (const connection of chosen) {
            let last = '';
            const summary = await syncConnection(() => db, access, connection.id, {
              signal: controller.signal,
              onProgress: (p) => {
                const line = p.message
                  ? `${p.label}: ${p.message}`
                  : `${p.label}: ${p.resourceType ?? 'starting'} — ${p.typesDone} of ${p.typesTotal} kinds, ${p.pages} pages, ${p.records} records`;
                if (line !== last) process.stderr.write(`${line}\n`);
                last = line;
              },
            });
            process.stdout.write(
              `${summary.label}: ${summary.outcome} — ${summary.added} added, ${summary.updated} updated, ${summary.gone} no longer at the source\n`,
            );
            if (summary.whatIsNew) process.stdout.write(`  ${summary.whatIsNew}\n`);
            for (const f of summary.failedTypes) process.stdout.write(`  ${f.resourceType}: ${f.message}\n`);
            if (summary.message && summary.outcome !== 'ok') process.stdout.write(`  ${summary.message}\n`);
            if (summary.outcome === 'failed' || summary.outcome === 'cancelled') anyFailed = true;
            if (controller.signal.aborted) break;
          }
        } finally {
          process.off('SIGINT', stop);
        }
        return anyFailed;
      });
      if (failed) process.exitCode = 1;
    });
}
