import {
  app,
  BrowserWindow,
  dialog,
  net,
  Notification,
  powerMonitor,
  safeStorage,
  session,
  shell,
  type WebContents,
} from 'electron';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VaultStatus } from '../shared/domain.js';
import { appVersion } from './core/app-version.js';
import { CLIENTS_FILE_ENV } from './core/smart/client-registration.js';
import { startCoreWorker, type CoreConnection } from './core/worker/core-client.js';
import { AutoLock, DEFAULT_IDLE_LOCK_MINUTES } from './shell/auto-lock.js';
import { externalLinkTarget } from './shell/external-links.js';
import { forwardCoreEvents, handle } from './shell/ipc-main.js';
import { MachineState } from './shell/machine-state.js';
import { safeStorageKeychain } from './shell/keychain.js';
import { installMenu } from './shell/menu.js';
import {
  backupFileDialogOptions,
  backupFolderDialogOptions,
  saveDocument,
  saveExport,
  type SaveDialog,
} from './shell/save-document.js';
import { handBackupFileToCore, handFolderToCore, handImportFilesToCore } from '../shared/ipc/areas/files.js';
import { importFilesDialogOptions } from './shell/import-dialog.js';
import { lockDownSession, registerAppScheme } from './shell/session-policy.js';
import { SyncNotifications } from './shell/sync-notifications.js';
import { createMainWindow, focusWindow, guardWebContents } from './shell/window.js';

/**
 * Electron's main process: a thin adapter between the OS and the core. It owns windows, the
 * app:// protocol, power events and the IPC bridge; the vault itself runs in a worker thread
 * (electron/core), so a slow query or a key derivation never freezes the window.
 */

/** Must equal electron-builder.yml's appId: Windows groups taskbar entries and notifications by it. */
const APP_USER_MODEL_ID = 'org.phrvault.desktop';
const here = dirname(fileURLToPath(import.meta.url));
const preload = join(here, 'preload.cjs');
const rendererRoot = join(here, '..', 'renderer');

// The Electron end-to-end tests run each launch against a throwaway profile; a packaged app
// ignores this, so nothing outside a developer checkout can point the vault elsewhere.
const testUserData = process.env.PHR_VAULT_USER_DATA;
if (!app.isPackaged && testUserData) app.setPath('userData', testUserData);

// These must happen before `ready`. An ESM entry only guarantees that for synchronous top-level
// code and static imports (Electron's ESM notes): no dynamic import() may precede them.
registerAppScheme();
app.enableSandbox();
if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

// Two instances would open the same vault file from two processes; the second one hands over to
// the first (which comes to the front) and exits.
if (app.requestSingleInstanceLock()) {
  run();
} else {
  app.quit();
}

function run(): void {
  const windows = new Set<BrowserWindow>();
  let mainWindow: BrowserWindow | undefined;
  let core: CoreConnection | undefined;
  let autoLock: AutoLock | undefined;
  let machine: MachineState | undefined;

  const isOurWebContents = (contents: WebContents) => [...windows].some((w) => w.webContents === contents);
  const lockVault = () => void core?.dispatch('vault.lock', {});

  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

  const openWindow = () => {
    const window = createMainWindow({ preload, devTools: !app.isPackaged });
    windows.add(window);
    window.on('closed', () => {
      windows.delete(window);
      if (mainWindow === window) mainWindow = undefined;
    });
    mainWindow = window;
  };

  // Only ever after `ready` (Electron guarantees it), so the window can be made here if the
  // macOS app had none open.
  app.on('second-instance', () => {
    if (mainWindow && !mainWindow.isDestroyed()) focusWindow(mainWindow);
    else if (core) openWindow();
  });

  app
    .whenReady()
    .then(() => {
      installMenu({ platform: process.platform, developer: !app.isPackaged });
      lockDownSession(session.defaultSession, rendererRoot);

      const userData = app.getPath('userData');
      // The app's own folder holds the vault and its key file: the user's alone (Electron makes it 0755).
      mkdirSync(userData, { recursive: true, mode: 0o700 });
      if (process.platform !== 'win32') chmodSync(userData, 0o700);
      const connection = startCoreWorker(
        {
          vaultPath: join(userData, 'vault.phrvault'),
          transport: 'electron',
          appVersion: appVersion(),
          smartClientsFile: process.env[CLIENTS_FILE_ENV] ?? null,
        },
        {
          // SMART sign-in happens in the user's own browser, never in a window of ours; the core
          // asks, the shell checks the address like any other link leaving the app.
          openBrowser: (url) => {
            const target = externalLinkTarget(url);
            if (target) void shell.openExternal(target);
          },
          // Asked only after ready (here): before it, Linux cannot name its store yet.
          keychain: safeStorageKeychain(safeStorage),
        },
      );
      core = connection;

      const lock = new AutoLock({
        idleMinutes: DEFAULT_IDLE_LOCK_MINUTES,
        systemIdleSeconds: () => powerMonitor.getSystemIdleTime(),
        lock: lockVault,
      });
      autoLock = lock;
      // The sync scheduler lives in the core; only the shell can see the network and the power.
      const machineState = new MachineState({
        isOnline: () => net.isOnline(),
        send: (report) => void connection.dispatch('sync.machine', report),
      });
      machine = machineState;
      connection.on((event, payload) => {
        if (event !== 'vault.state') return;
        const status = VaultStatus.safeParse(payload);
        if (!status.success) return;
        lock.vaultStateChanged(status.data.state);
        machineState.vaultStateChanged(status.data.state);
      });
      powerMonitor.on('lock-screen', () => lock.lockNow());
      powerMonitor.on('suspend', () => lock.lockNow());
      powerMonitor.on('resume', () => machineState.resumed());
      powerMonitor.on('unlock-screen', () => machineState.screenUnlocked());
      lock.start();
      machineState.start();

      const notifications = new SyncNotifications({
        Notification,
        focusApp: () => {
          if (mainWindow && !mainWindow.isDestroyed()) focusWindow(mainWindow);
          else openWindow();
        },
      });
      connection.on(notifications.onCoreEvent);

      handle(connection, isOurWebContents, (asking) => {
        const showSaveDialog: SaveDialog = (options) => {
          // Modal to the window that asked, so the dialog cannot be lost behind it.
          const window = BrowserWindow.fromWebContents(asking);
          return window ? dialog.showSaveDialog(window, options) : dialog.showSaveDialog(options);
        };
        return {
          'files.saveDocument': (request) =>
            saveDocument(request, { documentsFolder: app.getPath('documents'), showSaveDialog }),
          'files.saveExport': (request) =>
            saveExport(request, {
              documentsFolder: app.getPath('documents'),
              showSaveDialog,
              dispatch: (channel, r) => connection.dispatch(channel, r),
            }),
          'files.chooseBackupFolder': async () => {
            const window = BrowserWindow.fromWebContents(asking);
            const options = backupFolderDialogOptions(app.getPath('documents'));
            const chosen = window
              ? await dialog.showOpenDialog(window, options)
              : await dialog.showOpenDialog(options);
            return handFolderToCore(chosen.canceled ? null : (chosen.filePaths[0] ?? null), (c, r) =>
              connection.dispatch(c, r),
            );
          },
          'files.chooseBackupFile': async () => {
            const window = BrowserWindow.fromWebContents(asking);
            const options = backupFileDialogOptions(app.getPath('documents'));
            const chosen = window
              ? await dialog.showOpenDialog(window, options)
              : await dialog.showOpenDialog(options);
            return handBackupFileToCore(chosen.canceled ? null : (chosen.filePaths[0] ?? null), (c, r) =>
              connection.dispatch(c, r),
            );
          },
          'files.chooseImportFiles': async () => {
            const window = BrowserWindow.fromWebContents(asking);
            const options = importFilesDialogOptions(app.getPath('downloads'));
            const chosen = window
              ? await dialog.showOpenDialog(window, options)
              : await dialog.showOpenDialog(options);
            return handImportFilesToCore(chosen.canceled ? [] : chosen.filePaths, (c, r) =>
              connection.dispatch(c, r),
            );
          },
          // Only the preload sends this, with the paths Electron gave for files dropped onto the
          // window (preload.ts refuses it from the page), so they are files the person dropped.
          'files.dropImportFiles': (request) =>
            handImportFilesToCore(request.paths, (c, r) => connection.dispatch(c, r)),
        };
      });
      forwardCoreEvents(connection, () => [...windows].map((w) => w.webContents));

      openWindow();
      app.on('activate', () => {
        if (windows.size === 0) openWindow();
      });
    })
    .catch((error: unknown) => {
      console.error(`phr-vault: startup failed (${error instanceof Error ? error.name : typeof error})`);
      app.exit(1);
    });

  app.on('window-all-closed', () => {
    // On macOS the app outlives its window, as Mac apps do; with nobody looking, the vault locks.
    if (process.platform === 'darwin') lockVault();
    else app.quit();
  });

  // The core gets to close the database (and drop the key) before the process goes away.
  let coreClosed = false;
  let closing = false;
  app.on('will-quit', (event) => {
    if (coreClosed || !core) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    autoLock?.stop();
    machine?.stop();
    core.close().finally(() => {
      coreClosed = true;
      app.quit();
    });
  });
}
