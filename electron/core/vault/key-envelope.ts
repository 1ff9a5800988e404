import { createHash, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { VaultError } from '../errors.js';
import {
  acceptedScrypt,
  DATA_KEY_BYTES,
  RECOVERY_CODE_BYTES,
  type HkdfParams,
  type ScryptParams,
  type WrappedKey,
} from './key-wrapping.js';

/**
 * The key envelope sits beside the vault file (`<vault>.keys.json`) and holds the data key
 * wrapped several ways. It contains nothing usable without the passphrase, the recovery code or
 * the OS keychain, but it must travel with the vault: a backup needs both files.
 */

/** Base64 of exactly `bytes` bytes: a wrap or a salt of another length was damaged or altered. */
const base64Of = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/)
    .refine((text) => Buffer.from(text, 'base64').length === bytes);

const Wrapped = z.object({ iv: base64Of(12), ciphertext: base64Of(DATA_KEY_BYTES), tag: base64Of(16) });
/** The recovery code's own bytes, sealed with the data key (see `recovery.copy`). */
const SealedCode = z.object({
  iv: base64Of(12),
  ciphertext: base64Of(RECOVERY_CODE_BYTES),
  tag: base64Of(16),
});
/** What the OS keychain gave back for the data key (see keychain.ts), and which store it was. */
const Keychain = z.object({
  backend: z.string().min(1).max(100),
  blob: z
    .string()
    .max(4096)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/),
});
const Scrypt = z
  .object({
    name: z.literal('scrypt'),
    N: z.number(),
    r: z.number(),
    p: z.number(),
    salt: base64Of(16),
  })
  .refine(acceptedScrypt);
const Hkdf = z.object({ name: z.literal('hkdf-sha256'), salt: base64Of(16) });
/**
 * `check`: a SHA-256 of the wrap with its vault and purpose, written with it, so a wrap damaged in
 * a way that still parses (a flipped bit in its ciphertext) is told from a wrong passphrase, which
 * AES-GCM alone cannot do. Key files written before it have none and are read as they are.
 */
const Check = z.string().optional();

const Envelope = z.object({
  format: z.literal('phr-vault-key-envelope'),
  version: z.literal(1),
  vaultId: z.string().uuid(),
  createdAt: z.string(),
  wraps: z.object({
    passphrase: z.object({ kdf: Scrypt, key: Wrapped, check: Check }),
    /**
     * `copy`: the recovery code itself, sealed with the data key, so the window can show it again
     * once the passphrase is typed. Vaults made before it have none: a new code is made instead.
     */
    recovery: z.object({ kdf: Hkdf, key: Wrapped, check: Check, copy: SealedCode.optional() }),
    /**
     * The data key as the OS keychain encrypted it, with the name of the store that did, when the
     * person lets this computer's keychain unlock the vault. A different store later is refused.
     */
    keychain: Keychain.nullable(),
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
export function wrapLabel(
  envelope: Pick<KeyEnvelope, 'vaultId'>,
  wrap: 'passphrase' | 'recovery' | 'recovery-copy',
): string {
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
    throw new VaultError('key-file-damaged');
  }
  const parsed = Envelope.safeParse(json);
  if (!parsed.success) {
    const version = (json as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > 1) throw new VaultError('vault-from-future');
    throw new VaultError('key-file-damaged');
  }
  return parsed.data;
}

type WrapName = 'passphrase' | 'recovery';

function wrapCheck(envelope: KeyEnvelope, name: WrapName): string {
  const { kdf, key } = envelope.wraps[name];
  const sorted = (o: object) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
  const text = JSON.stringify([envelope.vaultId, name, sorted(kdf), sorted(key)]);
  return createHash('sha256').update(text).digest('base64');
}

/** Refuses, in the user's words, a wrap whose check does not match (see `Check`). */
export function ensureWrapIntact(envelope: KeyEnvelope, name: WrapName): void {
  const check = envelope.wraps[name].check;
  if (check !== undefined && check !== wrapCheck(envelope, name)) throw new VaultError('key-file-damaged');
}

function withChecks(envelope: KeyEnvelope): KeyEnvelope {
  const { passphrase, recovery } = envelope.wraps;
  return {
    ...envelope,
    wraps: {
      ...envelope.wraps,
      passphrase: { ...passphrase, check: wrapCheck(envelope, 'passphrase') },
      recovery: { ...recovery, check: wrapCheck(envelope, 'recovery') },
    },
  };
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
    writeSync(fd, JSON.stringify(withChecks(envelope), null, 2));
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
