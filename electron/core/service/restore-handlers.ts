import { basename, isAbsolute } from 'node:path';
import type { backupChannels, RestoreChoice } from '../../../shared/ipc/areas/backups.js';
import { VaultError } from '../errors.js';
import { readBackup } from '../vault/backup.js';
import { prepareRestore, type PreparedRestore } from '../vault/restore.js';
import type { HandlersFor, ServiceContext } from './context.js';

/**
 * Restoring from the window, from the unlock or first-run screen: the shell hands over the file
 * the person picked; its description says when it was made; the passphrase (or the recovery code)
 * opens an unpacked copy, which says whose records it holds and from when; only then, when the
 * person confirms, does it take the vault's place, the vault there kept aside. The secret that
 * opened it is held in memory just until then, to unlock the restored vault with.
 */
export function restoreHandlers(
  ctx: ServiceContext,
): HandlersFor<Extract<keyof typeof backupChannels, `restore.${string}`>> {
  let chosen: { path: string; choice: RestoreChoice } | null = null;
  let opened: { prepared: PreparedRestore; passphrase: string } | null = null;

  const forget = () => {
    opened?.prepared.discard();
    opened = null;
    chosen = null;
  };
  const mustBeClosed = () => {
    if (ctx.vault.state === 'unlocked')
      throw new VaultError('invalid-request', 'Lock the vault before restoring a backup over it.');
  };

  return {
    'restore.useFile': (req) => {
      mustBeClosed();
      if (!isAbsolute(req.path)) throw new VaultError('invalid-request');
      const backup = readBackup(req.path);
      forget();
      chosen = {
        path: req.path,
        choice: {
          fileName: basename(req.path),
          createdAt: backup.createdAt,
          people: backup.counts.persons,
          records: backup.counts.records,
        },
      };
      return chosen.choice;
    },
    'restore.chosen': () => chosen?.choice ?? null,
    'restore.open': (req) =>
      ctx.serial(async () => {
        mustBeClosed();
        if (!chosen) throw new VaultError('not-a-backup', 'Choose a backup file first.');
        opened?.prepared.discard();
        opened = null;
        const passphrase = 'passphrase' in req ? req.passphrase : req.newPassphrase;
        const prepared = await prepareRestore(chosen.path, ctx.vault.path, (vault) =>
          'passphrase' in req
            ? vault.unlock(req.passphrase)
            : vault.recover(req.recoveryCode, req.newPassphrase),
        );
        opened = { prepared, passphrase };
        return {
          createdAt: prepared.report.backupCreatedAt,
          persons: prepared.report.persons,
          firstRecord: prepared.report.firstRecord,
          lastRecord: prepared.report.lastRecord,
          replacing: ctx.vault.state !== 'absent',
        };
      }),
    'restore.confirm': () =>
      ctx.serial(async () => {
        mustBeClosed();
        if (!opened) throw new VaultError('not-a-backup', 'Open the backup with its passphrase first.');
        const { prepared, passphrase } = opened;
        opened = null;
        chosen = null;
        const previousVaultKeptAt = prepared.place();
        await ctx.vault.unlock(passphrase);
        const status = ctx.status();
        ctx.emit('vault.state', status);
        return { status, previousVaultKeptAt };
      }),
    'restore.cancel': () => {
      forget();
      return {};
    },
  };
}
