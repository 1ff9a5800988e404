import { describe, expect, it } from 'vitest';
import { permissionGranted } from '../../electron/shell/permissions.js';

describe('permissionGranted', () => {
  it('lets our own page write to the clipboard', () => {
    expect(permissionGranted('clipboard-sanitized-write', 'app://vault/index.html', true)).toBe(true);
  });

  it('refuses the clipboard write to an iframe or another origin', () => {
    expect(permissionGranted('clipboard-sanitized-write', 'app://vault/index.html', false)).toBe(false);
    expect(permissionGranted('clipboard-sanitized-write', 'https://evil.example/', true)).toBe(false);
    expect(permissionGranted('clipboard-sanitized-write', undefined, true)).toBe(false);
  });

  it.each([
    'clipboard-read',
    'media',
    'notifications',
    'geolocation',
    'openExternal',
    'fullscreen',
    'hid',
    'serial',
    'usb',
    'display-capture',
    'persistent-storage',
    'unknown',
  ])('refuses %s even to our own page', (permission) => {
    expect(permissionGranted(permission, 'app://vault/index.html', true)).toBe(false);
  });
});
