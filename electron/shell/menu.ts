import { Menu, type MenuItemConstructorOptions } from 'electron';

/**
 * macOS needs an application menu for copy, paste and quit shortcuts to work at all, so it gets
 * the standard roles. Windows and Linux get no menu bar: Electron's default one carries reload
 * and developer tools, and Chromium handles the editing shortcuts there without a menu.
 */
export function installMenu({
  platform,
  developer,
}: {
  platform: NodeJS.Platform;
  developer: boolean;
}): void {
  if (platform !== 'darwin') {
    Menu.setApplicationMenu(null);
    return;
  }
  const developerItems: MenuItemConstructorOptions[] = developer
    ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }]
    : [];
  const template: MenuItemConstructorOptions[] = [
    { role: 'appMenu' },
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...developerItems,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
