import { z } from 'zod';
import { FhirDate, VaultStatus } from '../../domain.js';
import { Empty, Passphrase } from './common.js';

const RecoveryCodeText = z.string().min(1).max(200);

export const KeychainState = z.object({
  /** The keychain can hold and give back the key now. */
  usable: z.boolean(),
  /** Why not: no keychain here, Linux's plain-text store (never used), or not answering yet. */
  reason: z.enum(['unavailable', 'weak-backend', 'not-ready']).optional(),
  /** The store's name (`darwin`, `win32`, `gnome_libsecret`, `kwallet6`, …). */
  backend: z.string(),
  /** The keychain holds a wrap of the vault's key (made through `enabledBackend`). */
  enabled: z.boolean(),
  enabledBackend: z.string().nullable(),
});
export type KeychainState = z.infer<typeof KeychainState>;

/** The app itself and the vault's lifecycle: create, unlock, lock, recover, change passphrase. */
export const vaultChannels = {
  'app.info': {
    request: Empty,
    response: z.object({ version: z.string(), transport: z.enum(['electron', 'host']) }),
  },
  'vault.status': { request: Empty, response: VaultStatus },
  'vault.create': {
    request: z
      .object({
        passphrase: Passphrase,
        ownerName: z.string().trim().min(1).max(200).optional(),
        ownerBirthDate: FhirDate.optional(),
      })
      .strict(),
    /** The recovery code; shown again later only through vault.recoveryCode, with the passphrase. */
    response: z.object({ recoveryCode: z.string(), status: VaultStatus }),
  },
  'vault.unlock': { request: z.object({ passphrase: Passphrase }).strict(), response: VaultStatus },
  'vault.recover': {
    request: z.object({ recoveryCode: RecoveryCodeText, newPassphrase: Passphrase }).strict(),
    response: VaultStatus,
  },
  'vault.lock': { request: Empty, response: VaultStatus },
  /** With the passphrase in use now, or (forgotten while the vault is open) the recovery code. */
  'vault.changePassphrase': {
    request: z.union([
      z.object({ current: Passphrase, next: Passphrase }).strict(),
      z.object({ recoveryCode: RecoveryCodeText, next: Passphrase }).strict(),
    ]),
    response: VaultStatus,
  },
  /**
   * The recovery code shown again, once the passphrase is typed. `renewed`: the vault had not kept
   * its code (made by an earlier version), so this is a new one and the old one no longer works.
   */
  'vault.recoveryCode': {
    request: z.object({ passphrase: Passphrase }).strict(),
    response: z.object({ recoveryCode: z.string(), renewed: z.boolean() }),
  },
  /** Whether this computer's keychain can unlock the vault, and whether it is turned on. */
  'vault.keychain': { request: Empty, response: KeychainState },
  /** Turns keychain unlock on; the passphrase is asked first. */
  'vault.useKeychain': { request: z.object({ passphrase: Passphrase }).strict(), response: KeychainState },
  /** Turns it off: the keychain's wrap of the key is removed from the key file. */
  'vault.stopUsingKeychain': { request: Empty, response: KeychainState },
  'vault.unlockWithKeychain': { request: Empty, response: VaultStatus },
} as const;

export const vaultEvents = {
  'vault.state': VaultStatus,
  /**
   * Sent during an unlock, before the vault's file is brought up to this version of the app: with
   * many records that can take minutes, and the person is told why the unlock is slow.
   */
  'vault.upgrading': z.object({ from: z.number().int(), to: z.number().int() }).strict(),
} as const;
