import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { VaultError } from '../../core/errors.js';
import { CLIENTS_FILE_ENV } from '../../core/smart/client-registration.js';
import { linkSignedIn, signInToInstitution } from '../../core/smart/institution-sign-in.js';
import { SIGN_IN_TIMEOUT_MS } from '../../core/smart/sign-in.js';
import { findPersonByName } from '../../core/vault/persons.js';
import { personFor, UsageError, withVault } from '../cli-support.js';

/** Best effort: a terminal on a desktop opens the page; elsewhere the printed address is enough. */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener: the address is printed above.
  }
}

const born = (date: string | null) => (date ? ` (born ${date})` : '');

export function registerConnect(program: Command): void {
  program
    .command('connect')
    .description(
      'connect to a hospital or clinic with SMART on FHIR: sign in in your browser, keep the connection',
    )
    .requiredOption('--vault <file>', 'the vault file')
    .requiredOption('--fhir-base <url>', 'the institution’s FHIR address (https)')
    .option('--client-id <id>', 'the app registration to sign in with (default: from smart-clients.json)')
    .option('--private-key-jwt', 'sign in as a confidential client with this vault’s key pair')
    .option('--person <name>', 'whose records these are (default: a person named like the signed-in patient)')
    .option('--yes', 'link even when the signed-in patient’s name or birth date differs from --person')
    .option('--label <label>', 'what to call this connection (default: the server’s host name)')
    .option('--scope <scopes>', 'the scopes to ask for (default: patient read access with a refresh token)')
    .option('--no-browser', 'only print the sign-in address')
    .option('--timeout <seconds>', 'how long to wait for the browser', String(SIGN_IN_TIMEOUT_MS / 1000))
    .action(
      async (opts: {
        vault: string;
        fhirBase: string;
        clientId?: string;
        privateKeyJwt?: boolean;
        person?: string;
        yes?: boolean;
        label?: string;
        scope?: string;
        browser: boolean;
        timeout: string;
      }) => {
        const seconds = Number(opts.timeout);
        if (!Number.isFinite(seconds) || seconds <= 0)
          throw new UsageError('--timeout takes a number of seconds.');
        await withVault(opts.vault, async (db) => {
          const chosen = opts.person ? personFor(db, opts.person, true) : undefined;
          const signedIn = await signInToInstitution(
            db,
            {
              fhirBase: opts.fhirBase,
              clientId: opts.clientId,
              auth: opts.privateKeyJwt ? 'private_key_jwt' : 'public',
              scope: opts.scope,
              dataFolder: dirname(resolve(opts.vault)),
              environmentFile: process.env[CLIENTS_FILE_ENV] ?? null,
            },
            {
              timeoutMs: seconds * 1000,
              onStep: (step, url) => {
                if (step !== 'waiting-for-browser' || !url) return;
                process.stdout.write(`Sign in to your patient portal at this address:\n${url}\n`);
                process.stderr.write('Waiting for the browser…\n');
              },
              openBrowser: (url) => (opts.browser ? openBrowser(url) : undefined),
            },
          );
          const personId = chosen?.id ?? findPersonByName(db, signedIn.identity.name)?.id;
          const linked = linkSignedIn(db, signedIn, {
            personId,
            label: opts.label,
            acceptMismatch: opts.yes,
          });
          const who = `${signedIn.identity.name}${born(signedIn.identity.birthDate)}`;
          if (linked.outcome === 'confirm') {
            const person = linked.comparison.person;
            throw new VaultError(
              'identity-mismatch',
              `The portal signed in ${who}, not ${person.name}${born(person.birthDate)}. If these records really are ${person.name}’s, run again with --yes.`,
            );
          }
          const person = linked.comparison.person;
          process.stdout.write(`Connected: signed in as ${who}; records go to ${person.name}.\n`);
        });
      },
    );
}
