import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { registrationSteps, REDIRECT_URI } from '../../../shared/registration-steps.js';
import {
  CLIENTS_FILE_ENV,
  describeRegistrations,
  removeRegistration,
  saveRegistration,
  type RegistrationTarget,
} from '../../core/smart/client-registration.js';
import { publicJwks } from '../../core/smart/install-key.js';
import { json, UsageError, withVault } from '../cli-support.js';

/**
 * `phr-vault clients`: the app's registrations (client ids) per vendor or FHIR address, saved in
 * smart-clients.json beside the vault, so a script sets one up without editing JSON. Setting and
 * removing need no passphrase: client ids are not secrets and the file is not in the vault.
 */
type TargetOptions = { vault: string; vendor?: string; fhirBase?: string };

function dataFolder(vault: string): string {
  const folder = dirname(resolve(vault));
  if (!existsSync(folder)) throw new UsageError(`The folder of ${vault} does not exist.`);
  return folder;
}

function targetOf(opts: TargetOptions): RegistrationTarget {
  if (!!opts.vendor === !!opts.fhirBase) throw new UsageError('Give either --vendor or --fhir-base.');
  if (opts.fhirBase) return { fhirBase: opts.fhirBase };
  const known = describeRegistrations().vendors.map((v) => v.vendor);
  if (!known.includes(opts.vendor!)) {
    throw new UsageError(
      `There is no vendor “${opts.vendor}”. \`phr-vault clients --vault FILE --all\` lists them.`,
    );
  }
  return { vendor: opts.vendor! };
}

const fromWords = {
  app: 'shipped with the app',
  'this-computer': 'this computer',
  environment: 'environment',
};

export function registerClients(program: Command): void {
  const clients = program
    .command('clients')
    .description('the app’s registrations (client ids) with EHR vendors and single health systems');

  clients
    .command('list', { isDefault: true })
    .description('list the client ids PHR Vault signs in with, and where each comes from')
    .requiredOption('--vault <file>', 'the vault file (registrations are saved beside it)')
    .option('--json', 'print JSON')
    .option('--all', 'also list the vendors without a client id')
    .action((opts: { vault: string; json?: boolean; all?: boolean }) => {
      const overview = describeRegistrations(dataFolder(opts.vault), process.env[CLIENTS_FILE_ENV] ?? null);
      if (opts.json) {
        json(overview);
        return;
      }
      const vendors = overview.vendors.filter((v) => opts.all || v.clientId);
      for (const v of vendors) {
        const id = v.clientId ? `${v.clientId}  ${v.auth}  (${fromWords[v.from!]})` : 'no client id';
        process.stdout.write(`${v.vendor}  ${v.name}: ${id}\n`);
      }
      for (const e of overview.endpoints) {
        process.stdout.write(`${e.fhirBase}: ${e.clientId}  ${e.auth}  (${fromWords[e.from]})\n`);
      }
      if (overview.environmentFile) {
        process.stdout.write(`Entries in ${overview.environmentFile} (PHR_VAULT_SMART_CLIENTS) win.\n`);
      }
      process.stdout.write(`Saved in ${overview.file}\n`);
    });

  clients
    .command('set')
    .description('save the client id for a vendor or for one FHIR address')
    .requiredOption('--vault <file>', 'the vault file (registrations are saved beside it)')
    .option('--vendor <id>', 'the vendor: epic, oracle-health, eclinicalworks, … (see --all)')
    .option('--fhir-base <url>', 'one institution’s FHIR address, which wins over its vendor’s id')
    .requiredOption('--client-id <id>', 'the client id the vendor’s developer site gave')
    .option('--auth <kind>', 'public (PKCE) or private_key_jwt (this vault’s key pair)', 'public')
    .action((opts: TargetOptions & { clientId: string; auth: string }) => {
      if (opts.auth !== 'public' && opts.auth !== 'private_key_jwt') {
        throw new UsageError('--auth is public or private_key_jwt.');
      }
      const target = targetOf(opts);
      saveRegistration(dataFolder(opts.vault), target, { clientId: opts.clientId, auth: opts.auth });
      const what = 'vendor' in target ? target.vendor : target.fhirBase;
      process.stdout.write(
        `Saved: ${what} signs in with client id ${opts.clientId.trim()} (${opts.auth}).\n`,
      );
      if (opts.auth === 'private_key_jwt') {
        process.stdout.write(
          'Register this vault’s public key set with the vendor: phr-vault clients jwks --vault FILE\n',
        );
      }
    });

  clients
    .command('remove')
    .description('forget this computer’s client id for a vendor or FHIR address')
    .requiredOption('--vault <file>', 'the vault file (registrations are saved beside it)')
    .option('--vendor <id>', 'the vendor')
    .option('--fhir-base <url>', 'the FHIR address')
    .action((opts: TargetOptions) => {
      const removed = removeRegistration(dataFolder(opts.vault), targetOf(opts));
      process.stdout.write(removed ? 'Removed.\n' : 'There was no registration for it on this computer.\n');
    });

  clients
    .command('steps')
    .description('how to register PHR Vault with a vendor, step by step')
    .option('--vendor <id>', 'the vendor (default: any other)', 'other')
    .action((opts: { vendor: string }) => {
      const { site, steps } = registrationSteps(opts.vendor);
      if (site) process.stdout.write(`Where: ${site}\n`);
      steps.forEach((step, i) => process.stdout.write(`${i + 1}. ${step}\n`));
      process.stdout.write(`Redirect URI: ${REDIRECT_URI}\n`);
    });

  clients
    .command('jwks')
    .description('print this vault’s public key set, for a private_key_jwt registration')
    .requiredOption('--vault <file>', 'the vault file')
    .action(async (opts: { vault: string }) => {
      await withVault(opts.vault, async (db) => json(await publicJwks(db)));
    });
}
