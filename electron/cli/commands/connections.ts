import type { Command } from 'commander';
import { publicJwks } from '../../core/smart/install-key.js';
import { listConnectionDetails } from '../../core/vault/connections.js';
import { json, withVault } from '../cli-support.js';

export function registerConnections(program: Command): void {
  program
    .command('connections')
    .description('list the vault’s connections to hospitals and clinics and their state')
    .requiredOption('--vault <file>', 'the vault file')
    .option('--json', 'print JSON')
    .option('--jwks', 'print this vault’s public key set, for registering a confidential asymmetric client')
    .action(async (opts: { vault: string; json?: boolean; jwks?: boolean }) => {
      await withVault(opts.vault, async (db) => {
        if (opts.jwks) return json(await publicJwks(db));
        const connections = listConnectionDetails(db);
        if (opts.json) return json(connections);
        if (connections.length === 0) process.stdout.write('No connections yet.\n');
        for (const c of connections) {
          const reason = c.stateReason ? ` — ${c.stateReason}` : '';
          const who = c.signedInAs ? `, signed in as ${c.signedInAs}` : '';
          process.stdout.write(
            `${c.id}  ${c.label}  ${c.state}${reason}${who}  (${c.recordCount} records)\n`,
          );
        }
      });
    });
}
