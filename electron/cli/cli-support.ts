import { resolve } from 'node:path';
import { read } from 'read';
import type { Person, Relationship } from '../../shared/domain.js';
import type { VaultDatabase } from '../core/vault/database.js';
import { addPerson, findPersonByName, firstPerson } from '../core/vault/persons.js';
import { VaultFile } from '../core/vault/vault-file.js';

/**
 * What every command shares. The passphrase comes from PHR_VAULT_PASSPHRASE or a hidden prompt,
 * never from an argument (arguments show up in process lists and shell history).
 */

const PASSPHRASE_ENV = 'PHR_VAULT_PASSPHRASE';

export async function passphrase(confirm = false): Promise<string> {
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

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {}

/** A failure already told on standard error (each refused file, say): exit code 1, nothing more said. */
export class ToldFailure extends Error {}

async function openVault(file: string): Promise<VaultFile> {
  const vault = new VaultFile(resolve(file), {
    onUpgrade: () =>
      process.stderr.write(
        'Updating the vault for this version of PHR Vault: with many records this takes a few minutes.\n',
      ),
  });
  await vault.unlock(await passphrase());
  return vault;
}

export async function withVault<T>(file: string, work: (db: VaultDatabase) => Promise<T> | T): Promise<T> {
  const vault = await openVault(file);
  try {
    return await work(vault.db);
  } finally {
    vault.lock();
  }
}

export function personFor(
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

export const json = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
