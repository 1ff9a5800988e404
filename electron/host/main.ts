import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appVersion } from '../core/app-version.js';
import { CLIENTS_FILE_ENV } from '../core/smart/client-registration.js';
import { startCoreWorker } from '../core/worker/core-client.js';
import { nodeTooOld } from '../node-version.js';
import { startHostServer } from './host-server.js';
import { KeychainDouble } from './keychain-double.js';

/**
 * `npm run host -- --vault FILE`: the core and the built renderer on 127.0.0.1 for a browser. Prints
 * one JSON line with the address (token included) on stdout once it is ready.
 */
// Before the core starts: on an older Node its SQLCipher binding crashes the worker without a word.
const tooOld = nodeTooOld();
if (tooOld) {
  process.stderr.write(`phr-vault-host: ${tooOld}\n`);
  process.exit(1);
}

const here = dirname(fileURLToPath(import.meta.url));
const program = new Command('phr-vault-host')
  .requiredOption('--vault <file>', 'the vault file to serve')
  .option('--renderer <dir>', 'the built renderer', resolve(here, '../../renderer'))
  .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', '0')
  .option('--downloads <dir>', 'where saved documents go (without it, saving is refused)')
  .option('--backups <dir>', 'the folder chosen when backups ask for one (without it, they are refused)')
  .option(
    '--keychain <store>',
    'a stand-in keychain under this store name, its key kept in memory for this run (without it, none)',
  )
  .option('--imports <dir>', 'the files "Import files…" chooses: every file in it (without it, none)')
  .parse();
const opts = program.opts<{
  vault: string;
  renderer: string;
  port: string;
  downloads?: string;
  backups?: string;
  keychain?: string;
  imports?: string;
}>();

const vaultPath = resolve(opts.vault);
mkdirSync(dirname(vaultPath), { recursive: true, mode: 0o700 });
const core = startCoreWorker(
  {
    vaultPath,
    transport: 'host',
    appVersion: appVersion(),
    smartClientsFile: process.env[CLIENTS_FILE_ENV] ?? null,
  },
  opts.keychain ? { keychain: new KeychainDouble(opts.keychain) } : {},
);
if (opts.downloads) mkdirSync(resolve(opts.downloads), { recursive: true });
if (opts.backups) mkdirSync(resolve(opts.backups), { recursive: true });
const host = await startHostServer(core, opts.renderer, Number(opts.port), {
  downloads: opts.downloads ? resolve(opts.downloads) : undefined,
  backups: opts.backups ? resolve(opts.backups) : undefined,
  imports: opts.imports ? resolve(opts.imports) : undefined,
});
process.stdout.write(`${JSON.stringify({ url: host.url, origin: host.origin })}\n`);

const stop = async () => {
  await host.close();
  await core.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
