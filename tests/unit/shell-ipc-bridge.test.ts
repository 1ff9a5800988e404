import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { handFolderToCore } from '../../shared/ipc/areas/files.js';
import { channels, isChannel, shellChannels, type Result } from '../../shared/ipc/contract.js';
import {
  describeSender,
  routeInvoke,
  senderAllowed,
  type Dispatch,
  type IpcSender,
} from '../../electron/shell/ipc-bridge.js';

const page: NonNullable<IpcSender> = { url: 'app://vault/index.html', isMainFrame: true, isOurWindow: true };

function fakeCore(result: Result<unknown> = { ok: true, value: { state: 'absent', location: '/v' } }) {
  return vi.fn<Dispatch>(async () => result);
}

describe('senderAllowed', () => {
  it('accepts the top frame of our window on app://vault', () => {
    expect(senderAllowed(page)).toBe(true);
    expect(senderAllowed({ ...page, url: 'app://vault/assets/deep/page.html?x=1#y' })).toBe(true);
  });

  it.each([
    ['https://evil.example/', 'a web page'],
    ['http://127.0.0.1:5173/', 'a dev server'],
    ['file:///Users/me/index.html', 'a file: page'],
    ['app://vault.evil/index.html', 'a look-alike host'],
    ['app://vault:8080/index.html', 'a port'],
    ['app://user:pw@vault/index.html', 'credentials'],
    ['app://VAULT/index.html', 'a differently spelt host'],
    ['other://vault/index.html', 'another scheme'],
    ['about:blank', 'about:blank'],
    ['', 'no URL'],
    ['not a url', 'garbage'],
  ])('refuses %s (%s)', (url) => {
    expect(senderAllowed({ ...page, url })).toBe(false);
  });

  it('refuses a sub-frame, even on our origin', () => {
    expect(senderAllowed({ ...page, isMainFrame: false })).toBe(false);
  });

  it('refuses a webContents that is not one of our windows', () => {
    expect(senderAllowed({ ...page, isOurWindow: false })).toBe(false);
  });

  it('refuses a frame that is already gone', () => {
    expect(senderAllowed(null)).toBe(false);
  });
});

describe('routeInvoke', () => {
  it('forwards a good call to the core and returns its envelope untouched', async () => {
    const core = fakeCore();
    const request = { passphrase: 'correct horse battery staple' };
    const result = await routeInvoke(page, 'vault.unlock', request, core);
    expect(core).toHaveBeenCalledExactlyOnceWith('vault.unlock', request);
    expect(result).toEqual({ ok: true, value: { state: 'absent', location: '/v' } });
  });

  it('passes the core’s own failures through (the core validates the body)', async () => {
    const failure: Result<unknown> = { ok: false, error: { kind: 'wrong-passphrase', message: 'no' } };
    const result = await routeInvoke(page, 'vault.unlock', { passphrase: 'x' }, fakeCore(failure));
    expect(result).toEqual(failure);
  });

  it('refuses a call from the wrong origin without reaching the core', async () => {
    const core = fakeCore();
    const result = await routeInvoke({ ...page, url: 'https://evil.example/' }, 'vault.status', {}, core);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(core).not.toHaveBeenCalled();
  });

  it('refuses a call from a sub-frame without reaching the core', async () => {
    const core = fakeCore();
    const result = await routeInvoke({ ...page, isMainFrame: false }, 'vault.status', {}, core);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(core).not.toHaveBeenCalled();
  });

  it('refuses a call whose frame is gone', async () => {
    const core = fakeCore();
    expect(await routeInvoke(null, 'vault.status', {}, core)).toMatchObject({ ok: false });
    expect(core).not.toHaveBeenCalled();
  });

  it.each(['vault.delete', 'constructor', '__proto__', 'toString', '', 42, null])(
    'refuses the unknown channel %s',
    async (channel) => {
      const core = fakeCore();
      const result = await routeInvoke(page, channel, {}, core);
      expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
      expect(core).not.toHaveBeenCalled();
    },
  );

  it('refuses a channel only the shell may call, which the page is never given', async () => {
    const core = fakeCore();
    // A page that says the machine is offline would stop every sync, silently.
    const result = await routeInvoke(page, 'sync.machine', { online: false }, core);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(core).not.toHaveBeenCalled();
    expect(channels).not.toContain('sync.machine');
    expect(shellChannels).toContain('sync.machine');
    for (const channel of shellChannels) expect(isChannel(channel)).toBe(false);
  });

  it('refuses the page the shell’s own channel that names a backup folder', async () => {
    const core = fakeCore();
    const result = await routeInvoke(page, 'backups.useFolder', { folder: '/etc' }, core);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    const file = await routeInvoke(page, 'restore.useFile', { path: '/tmp/x.phrvault-backup' }, core);
    expect(file).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(core).not.toHaveBeenCalled();
  });

  it('hands the folder chosen in the dialog to the core, and the core’s refusal back to the page', async () => {
    const refusal = { kind: 'backup-failed', message: 'That folder cannot be written to.' } as const;
    const core = fakeCore({ ok: false, error: refusal });
    const files = {
      'files.saveDocument': () => Promise.reject(new Error('not this one')),
      'files.saveExport': () => Promise.reject(new Error('not this one')),
      'files.chooseBackupFolder': () => handFolderToCore('/home/pat/Dropbox', core),
      'files.chooseBackupFile': () => Promise.reject(new Error('not this one')),
      'files.chooseImportFiles': () => Promise.reject(new Error('not this one')),
      'files.dropImportFiles': () => Promise.reject(new Error('not this one')),
    };
    const result = await routeInvoke(page, 'files.chooseBackupFolder', {}, core, files);
    expect(core).toHaveBeenCalledWith('backups.useFolder', { folder: '/home/pat/Dropbox' });
    expect(result).toEqual({ ok: false, error: refusal });
    const cancelled = await routeInvoke(page, 'files.chooseBackupFolder', {}, core, {
      ...files,
      'files.chooseBackupFolder': () => handFolderToCore(null, core),
    });
    expect(cancelled).toEqual({ ok: true, value: { chosen: false } });
  });

  it('turns a failed dispatch into an internal error without its text', async () => {
    const core = vi.fn<Dispatch>(async () => {
      throw new Error('worker exploded at /secret/path');
    });
    const result = await routeInvoke(page, 'vault.status', {}, core);
    expect(result).toMatchObject({ ok: false, error: { kind: 'internal' } });
    expect(JSON.stringify(result)).not.toContain('/secret/path');
  });
});

describe('describeSender', () => {
  // Structural stand-ins for Electron's WebFrameMain and WebContents: only what is read.
  const top = { url: 'app://vault/index.html', parent: null, frameTreeNodeId: 1, detached: false };
  const ours = { mainFrame: top } as unknown as WebContents;
  const isOurs = (contents: WebContents) => contents === ours;
  const eventFrom = (senderFrame: unknown, sender: WebContents = ours) =>
    ({ senderFrame, sender }) as unknown as IpcMainInvokeEvent;

  it('describes the top frame of our window', () => {
    expect(describeSender(eventFrom(top), isOurs)).toEqual({
      url: 'app://vault/index.html',
      isMainFrame: true,
      isOurWindow: true,
    });
  });

  it('knows an iframe from the top frame', () => {
    const iframe = { url: 'app://vault/index.html', parent: top, frameTreeNodeId: 2, detached: false };
    expect(describeSender(eventFrom(iframe), isOurs)).toMatchObject({ isMainFrame: false });
    // A frame object for another frame tree node with no parent is not our main frame either.
    const orphan = { ...top, frameTreeNodeId: 3 };
    expect(describeSender(eventFrom(orphan), isOurs)).toMatchObject({ isMainFrame: false });
  });

  it('knows a webContents that is not one of our windows', () => {
    const stranger = { mainFrame: top } as unknown as WebContents;
    expect(describeSender(eventFrom(top, stranger), isOurs)).toMatchObject({ isOurWindow: false });
  });

  it('returns null for a frame that is gone, detached, or cannot be read', () => {
    expect(describeSender(eventFrom(null), isOurs)).toBeNull();
    expect(describeSender(eventFrom({ ...top, detached: true }), isOurs)).toBeNull();
    const destroyed = {
      get mainFrame(): never {
        throw new Error('Object has been destroyed');
      },
    } as unknown as WebContents;
    expect(describeSender(eventFrom(top, destroyed), isOurs)).toBeNull();
  });
});
