import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { VaultError } from '../errors.js';
import type { HkdfParams, ScryptParams, WrappedKey } from './key-wrapping.js';

/**
 * The key envelope sits beside the vault file (`<vault>.keys.json`) and holds the data key
 * wrapped several ways. It contains nothing usable without the passphrase, the recovery code or
 * the OS keychain, but it must travel with the vault: a backup needs both files.
 */

const Wrapped = z.object({ iv: z.string(), ciphertext: z.string(), tag: z.string() });
const Scrypt = z.object({
  name: z.literal('scrypt'),
  N: z
    .number()
    .int()
    .min(2 ** 10)
    .max(2 ** 22),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: z.string(),
});
const Hkdf = z.object({ name: z.literal('hkdf-sha256'), salt: z.string() });

const Envelope = z.object({
  format: z.literal('phr-vault-key-envelope'),
  version: z.literal(1),
  vaultId: z.string().uuid(),
  createdAt: z.string(),
  wraps: z.object({
    passphrase: z.object({ kdf: Scrypt, key: Wrapped }),
    recovery: z.object({ kdf: Hkdf, key: Wrapped }),
    /** Filled by the desktop shell when the user lets the OS keychain unlock the vault. */
    keychain: z.object({ backend: z.string(), blob: z.string() }).nullable(),
  }),
});
export type KeyEnvelope = z.infer<typeof Envelope>;

export function envelopePath(vaultPath: string): string {
  return `${vaultPath}.keys.json`;
}

export function newEnvelope(
  passphrase: { kdf: ScryptParams; key: WrappedKey },
  recovery: { kdf: HkdfParams; key: WrappedKey },
  vaultId: string = randomUUID(),
): KeyEnvelope {
  return {
    format: 'phr-vault-key-envelope',
    version: 1,
    vaultId,
    createdAt: new Date().toISOString(),
    wraps: { passphrase, recovery, keychain: null },
  };
}

/** What each wrap authenticates alongside the key, so wraps cannot be swapped between vaults. */
export function wrapLabel(envelope: Pick<KeyEnvelope, 'vaultId'>, wrap: 'passphrase' | 'recovery'): string {
  return `phr-vault:${envelope.vaultId}:${wrap}`;
}

export function readEnvelope(vaultPath: string): KeyEnvelope {
  const path = envelopePath(vaultPath);
  if (!existsSync(path))
    throw new VaultError('not-a-vault', 'The key file (.keys.json) that belongs beside it is missing.');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new VaultError('vault-damaged', 'The vault’s key file (.keys.json) cannot be read.');
  }
  const parsed = Envelope.safeParse(json);
  if (!parsed.success) {
    const version = (json as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > 1) throw new VaultError('vault-from-future');
    throw new VaultError(
      'vault-damaged',
      'The vault’s key file (.keys.json) is not in a form this app knows.',
    );
  }
  return parsed.data;
}

/**
 * Writes the envelope so that a crash leaves either the old one or the new one, never half of
 * each: a temporary file, fsync, rename over, fsync of the folder.
 */
export function writeEnvelope(vaultPath: string, envelope: KeyEnvelope): void {
  const path = envelopePath(vaultPath);
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(envelope, null, 2));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Windows cannot open a folder for fsync; rename there is already durable enough.
  }
}
