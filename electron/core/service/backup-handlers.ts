import type { backupChannels } from '../../../shared/ipc/areas/backups.js';
import type { HandlersFor, ServiceContext } from './context.js';

/** Backups as the window sees them; the folder itself only ever comes from the shell's dialog. */
export function backupHandlers(
  ctx: ServiceContext,
): HandlersFor<Extract<keyof typeof backupChannels, `backups.${string}`>> {
  return {
    'backups.status': () => ctx.backups.status(),
    'backups.setSchedule': (req) => ctx.backups.setSchedule(req.schedule, req.keep),
    // One at a time with unlock, lock and passphrase changes: a backup holds the open vault.
    'backups.now': () => ctx.serial(() => Promise.resolve(ctx.backups.runNow())),
    'backups.useFolder': (req) => ctx.backups.useFolder(req.folder),
  };
}
