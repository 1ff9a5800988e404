import type { vaultChannels } from '../../../shared/ipc/areas/vault.js';
import { VaultError } from '../errors.js';
import { addPerson } from '../vault/persons.js';
import type { HandlersFor, ServiceContext } from './context.js';

export function vaultHandlers(ctx: ServiceContext): HandlersFor<keyof typeof vaultChannels> {
  const stateChanged = () => {
    const status = ctx.status();
    ctx.emit('vault.state', status);
    return status;
  };
  /**
   * Damage is looked for once the unlock has been answered (the window shows the vault at once),
   * before the window's next request is read; a damaged vault then refuses every write.
   */
  const checkSoon = () =>
    setImmediate(() => {
      try {
        ctx.vault.checkIntact();
      } catch {
        // Locked meanwhile, or the check itself failed: the next write meets the damage anyway.
      }
    });
  return {
    'app.info': () => ({ version: ctx.options.appVersion, transport: ctx.options.transport }),
    'vault.status': () => ctx.status(),
    'vault.create': (req) =>
      ctx.serial(async () => {
        const recoveryCode = await ctx.vault.create(req.passphrase);
        addPerson(ctx.vault.db, {
          name: req.ownerName ?? 'Me',
          birthDate: req.ownerBirthDate,
          relationship: 'self',
        });
        return { recoveryCode, status: stateChanged() };
      }),
    'vault.unlock': (req) =>
      ctx.serial(async () => {
        await ctx.vault.unlock(req.passphrase);
        checkSoon();
        return stateChanged();
      }),
    'vault.recover': (req) =>
      ctx.serial(async () => {
        await ctx.vault.recover(req.recoveryCode, req.newPassphrase);
        checkSoon();
        return stateChanged();
      }),
    'vault.lock': () =>
      ctx.serial(async () => {
        // A sync under way stops first and writes its last line, so the log does not show it running.
        await ctx.sync.stop();
        ctx.vault.lock();
        return stateChanged();
      }),
    'vault.changePassphrase': (req) =>
      ctx.serial(async () => {
        if ('current' in req) await ctx.vault.changePassphrase(req.current, req.next);
        else {
          // From the open vault only: a locked one is recovered through vault.recover.
          if (ctx.vault.state !== 'unlocked') throw new VaultError('vault-locked');
          await ctx.vault.recover(req.recoveryCode, req.next);
        }
        return ctx.status();
      }),
    'vault.recoveryCode': (req) =>
      ctx.serial(async () => {
        if (ctx.vault.state !== 'unlocked') throw new VaultError('vault-locked');
        return ctx.vault.recoveryCode(req.passphrase);
      }),
    'vault.keychain': () => ctx.vault.keychainState(),
    'vault.useKeychain': (req) =>
      ctx.serial(async () => {
        if (ctx.vault.state !== 'unlocked') throw new VaultError('vault-locked');
        await ctx.vault.useKeychain(req.passphrase);
        return ctx.vault.keychainState();
      }),
    'vault.stopUsingKeychain': () =>
      ctx.serial(async () => {
        ctx.vault.stopUsingKeychain();
        return ctx.vault.keychainState();
      }),
    'vault.unlockWithKeychain': () =>
      ctx.serial(async () => {
        await ctx.vault.unlockWithKeychain();
        checkSoon();
        return stateChanged();
      }),
  };
}
