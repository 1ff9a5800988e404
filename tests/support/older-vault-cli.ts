/**
 * `tsx --tsconfig bench/tsconfig.json tests/support/older-vault-cli.ts FILE VERSION OBSERVATIONS`,
 * with the passphrase in PHR_VAULT_PASSPHRASE: olderVault for the end-to-end tests, whose loader
 * cannot load the SQLite driver itself (it resolves the package to its type declarations).
 */
import { olderVault } from './older-vault.js';

const [path, version, observations] = process.argv.slice(2);
const passphrase = process.env.PHR_VAULT_PASSPHRASE;
if (!path || !version || !passphrase)
  throw new Error('usage: FILE VERSION OBSERVATIONS, PHR_VAULT_PASSPHRASE');
await olderVault(path, passphrase, Number(version), Number(observations ?? 0));
