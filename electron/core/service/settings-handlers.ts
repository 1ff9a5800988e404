import type { settingsChannels } from '../../../shared/ipc/areas/settings.js';
import { chooseUnits } from '../vault/display-settings.js';
import type { HandlersFor, ServiceContext } from './context.js';
import type { ReadChannel } from './read-handlers.js';

/** The settings that write; reading them is a read channel (read-handlers.ts). */
export function settingsHandlers(
  ctx: ServiceContext,
): HandlersFor<Exclude<keyof typeof settingsChannels, ReadChannel>> {
  return {
    'settings.setUnits': (req) => {
      chooseUnits(ctx.vault.db, req.units);
      return { units: req.units, chosen: true };
    },
  };
}
