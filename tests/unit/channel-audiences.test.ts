import { describe, expect, it, vi } from 'vitest';
import { routeInvoke, type Dispatch, type IpcSender } from '../../electron/shell/ipc-bridge.js';
import {
  audienceOf,
  channels,
  contract,
  isChannel,
  isCoreContractChannel,
  shellChannels,
} from '../../shared/ipc/contract.js';

/**
 * Whom each channel is for is said once, beside the channel (`shellOnly` in its area), and every
 * transport from a page asks the same `isChannel`. This list is written out by hand on purpose:
 * making a channel shell-only, or letting the page have one that was, must show up here.
 */
const SHELL_ONLY = [
  'backups.useFolder', // a folder from the shell's dialog: the core writes backups there
  'export.suggestion', // the name the save dialog offers
  'export.toFile', // a path from the shell's save dialog: the core writes the document there
  'imports.useFiles', // paths from the shell's open dialog or a drop: the core reads them
  'restore.useFile', // a backup file from the shell's open dialog
  'sync.machine', // online, just woken: a page saying "offline" would stop every sync
];

const page: NonNullable<IpcSender> = { url: 'app://vault/index.html', isMainFrame: true, isOurWindow: true };

describe('the audiences of the contract', () => {
  it('has exactly these shell-only channels, and every other channel is the page’s', () => {
    expect([...shellChannels].sort()).toEqual(SHELL_ONLY);
    const all = Object.keys(contract);
    expect([...channels, ...shellChannels].sort()).toEqual([...all].sort());
    for (const channel of all) {
      expect(audienceOf(channel), channel).toBe(SHELL_ONLY.includes(channel) ? 'shell' : 'page');
      expect(isCoreContractChannel(channel)).toBe(true);
    }
    expect(audienceOf('vault.delete')).toBeNull();
    expect(audienceOf('__proto__')).toBeNull();
  });

  it.each(SHELL_ONLY)('refuses the page %s at the IPC bridge, without reaching the core', async (channel) => {
    const core = vi.fn<Dispatch>(async () => ({ ok: true, value: {} }));
    expect(isChannel(channel)).toBe(false);
    // The list preload exposes and main registers handlers for.
    expect(channels).not.toContain(channel);
    const result = await routeInvoke(page, channel, { folder: '/tmp', path: '/tmp/x', online: false }, core);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(core).not.toHaveBeenCalled();
  });
});
