import { z } from 'zod';
import { FhirDate, VaultStatus } from '../../domain.js';
import { Empty, Passphrase } from './common.js';

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
    /** The recovery code is shown once, here, and never again. */
    response: z.object({ recoveryCode: z.string(), status: VaultStatus }),
  },
  'vault.unlock': { request: z.object({ passphrase: Passphrase }).strict(), response: VaultStatus },
  'vault.recover': {
    request: z.object({ recoveryCode: z.string().min(1).max(200), newPassphrase: Passphrase }).strict(),
    response: VaultStatus,
  },
  'vault.lock': { request: Empty, response: VaultStatus },
  'vault.changePassphrase': {
    request: z.object({ current: Passphrase, next: Passphrase }).strict(),
    response: VaultStatus,
  },
} as const;

export const vaultEvents = {
  'vault.state': VaultStatus,
  /**
   * Sent during an unlock, before the vault's file is brought up to this version of the app: with
   * many records that can take minutes, and the person is told why the unlock is slow.
   */
  'vault.upgrading': z.object({ from: z.number().int(), to: z.number().int() }).strict(),
} as const;
