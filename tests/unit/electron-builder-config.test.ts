import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { shippedClientsFile } from '../../electron/core/smart/client-registration.js';

/**
 * electron-builder cannot package on these machines (it downloads Electron), so the packaging
 * config is checked here instead: against electron-builder's own loader and schema, and for the
 * settings that decide how safe the shipped app is.
 */

const repo = fileURLToPath(new URL('../..', import.meta.url));
type PlatformConfig = { files: string[]; target: unknown; [key: string]: unknown };
type BuilderConfig = {
  appId: string;
  productName: string;
  publish: unknown;
  directories: Record<string, string>;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  buildDependenciesFromSource: boolean;
  electronFuses: Record<string, boolean>;
  mac: PlatformConfig;
  win: PlatformConfig;
  nsis: Record<string, unknown>;
};
const config = parse(readFileSync(join(repo, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

// electron-builder's own modules, resolved the way the installed electron-builder resolves them.
const builderRequire = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
const appBuilderLib = createRequire(builderRequire.resolve('app-builder-lib'));
const { Minimatch } = appBuilderLib('minimatch') as {
  Minimatch: new (pattern: string, options: { dot: boolean }) => { match(path: string): boolean };
};
// electron-builder matches file patterns with minimatch and `dot: true` (app-builder-lib fileMatcher).
const matches = (pattern: string, path: string) => new Minimatch(pattern, { dot: true }).match(path);

describe('electron-builder.yml', () => {
  it('is the configuration electron-builder loads, and its schema accepts it', async () => {
    const { getConfig, validateConfiguration } = appBuilderLib('./util/config/config.js') as {
      getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<unknown>;
      validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(): void }): Promise<void>;
    };
    const loaded = (await getConfig(repo, null, null)) as Record<string, unknown>;
    // The loader normalises `files` into file sets; the rest must arrive as written here, which
    // also proves no "build" key in package.json overrides this file.
    const { files: _files, mac: _mac, win: _win, ...rest } = config;
    expect(loaded).toMatchObject(rest);
    expect(JSON.stringify(loaded.files)).toContain('dist/electron/preload.cjs');
    const debugLogger = { isEnabled: false, add() {} };
    await expect(validateConfiguration(loaded, debugLogger)).resolves.toBeUndefined();
    // The validator is live: a misspelt key (or a fuse this electron-builder does not know) fails.
    await expect(
      validateConfiguration({ ...loaded, electronFuses: { runAsNod: false } }, debugLogger),
    ).rejects.toThrow(/Invalid configuration/);
  });

  it('names the app', () => {
    expect(config.appId).toBe('org.phrvault.desktop');
    expect(config.productName).toBe('PHR Vault');
    expect(config.directories).toEqual({ output: 'release', buildResources: 'build' });
    expect(config.publish).toBeNull();
  });

  it('uses the same id as the Windows AppUserModelID in main', () => {
    expect(readFileSync(join(repo, 'electron/main.ts'), 'utf8')).toContain(`'${config.appId}'`);
  });

  it('packs into an asar and ships compiled files only', () => {
    expect(config.asar).toBe(true);
    const files = config.files;
    // Compiled code, plus the one data file the core reads (client ids; no secrets), and the
    // licences and notices of the institution directory's sources, which ask to travel with it.
    const notice = /^electron\/core\/smart\/directory\/(LICENSE|NOTICE)\.\*\.(txt|md)$/;
    expect(
      files.every(
        (f) =>
          f.startsWith('dist/') || f.startsWith('!') || f === 'config/smart-clients.json' || notice.test(f),
      ),
    ).toBe(true);
    for (const source of ['LICENSE.lantern.txt', 'NOTICE.lantern.md', 'LICENSE.mere-medical.txt']) {
      expect(files.some((f) => matches(f, `electron/core/smart/directory/${source}`))).toBe(true);
    }
    expect(files).toContain('dist/electron/main.js');
    expect(files).toContain('dist/electron/preload.cjs');
    expect(files).toContain('!**/*.map');
    // Nothing from the sources, the tests or the browser-test host.
    for (const path of [
      'electron/main.ts',
      'tests/unit/x.test.ts',
      'dist/electron/host/main.js',
      'src/x.js',
    ]) {
      expect(files.filter((f) => !f.startsWith('!')).some((f) => matches(f, path))).toBe(false);
    }
  });

  it('ships the client id file where the core looks for it', () => {
    expect(config.files).toContain('config/smart-clients.json');
    // app.asar as electron-builder lays it out: the files above, at their paths in the project.
    const app = mkdtempSync(join(tmpdir(), 'phr-vault-asar-'));
    try {
      mkdirSync(join(app, 'dist/electron/core/smart'), { recursive: true });
      mkdirSync(join(app, 'config'));
      writeFileSync(join(app, 'config/smart-clients.json'), '{}');
      expect(shippedClientsFile(join(app, 'dist/electron/core/smart'))).toBe(
        join(app, 'config/smart-clients.json'),
      );
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
    // The module really lives there once built (tsconfig.node.json's outDir keeps the tree).
    const shipped = (path: string) => config.files.some((f) => !f.startsWith('!') && matches(f, path));
    expect(shipped('dist/electron/core/smart/client-registration.js')).toBe(true);
    expect(shipped('config/smart-clients.json')).toBe(true);
  });

  it('unpacks exactly the path where better-sqlite3-multiple-ciphers looks for its binary', () => {
    const bindingRequire = createRequire(import.meta.url);
    const packageDir = join(bindingRequire.resolve('better-sqlite3-multiple-ciphers'), '..', '..');
    // lib/binding.js is not in the package's exports; an absolute path reaches it as the library does.
    const binding = bindingRequire(join(packageDir, 'lib', 'binding.js')) as {
      getPrebuildPath(): string | null;
    };
    const found = binding.getPrebuildPath();
    expect(found).not.toBeNull();
    const inApp = relative(repo, found!).split(sep).join('/');
    expect(inApp).toMatch(/^node_modules\/better-sqlite3-multiple-ciphers\/prebuilds\/[a-z0-9-]+\.node$/);
    expect(config.asarUnpack.some((pattern) => matches(pattern, inApp))).toBe(true);
    for (const target of ['darwin-arm64', 'darwin-x64', 'win32-x64']) {
      const path = `node_modules/better-sqlite3-multiple-ciphers/prebuilds/${target}.node`;
      expect(config.asarUnpack.some((pattern) => matches(pattern, path))).toBe(true);
    }
  });

  it('keeps each platform’s own SQLite binary and drops the others', () => {
    const prebuild = (target: string) =>
      `node_modules/better-sqlite3-multiple-ciphers/prebuilds/${target}.node`;
    const excluded = (platformFiles: string[], path: string) =>
      platformFiles.some((f) => f.startsWith('!') && matches(f.slice(1), path));
    for (const target of ['darwin-arm64', 'darwin-x64']) {
      expect(excluded(config.mac.files, prebuild(target))).toBe(false);
      expect(excluded(config.win.files, prebuild(target))).toBe(true);
    }
    expect(excluded(config.win.files, prebuild('win32-x64'))).toBe(false);
    expect(excluded(config.mac.files, prebuild('win32-x64'))).toBe(true);
    expect(excluded(config.files, prebuild('darwin-arm64'))).toBe(false);
  });

  it('does not rebuild the prebuilt N-API module', () => {
    expect(config.npmRebuild).toBe(false);
    expect(config.buildDependenciesFromSource).toBe(false);
  });

  it('flips the hardening fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('signs macOS builds with the hardened runtime and minimal entitlements', () => {
    expect(config.mac).toMatchObject({
      category: 'public.app-category.medical',
      hardenedRuntime: true,
      gatekeeperAssess: false,
      entitlements: 'build/entitlements.mac.plist',
      entitlementsInherit: 'build/entitlements.mac.plist',
    });
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }]);
    // Notarization credentials come from the environment, never from this file.
    expect(JSON.stringify(config)).not.toMatch(
      /APPLE_ID|appleIdPassword|APPLE_APP_SPECIFIC_PASSWORD|teamId/i,
    );
  });

  it('builds a per-user NSIS installer that lets the person choose the folder', () => {
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.nsis).toMatchObject({
      oneClick: false,
      perMachine: false,
      allowToChangeInstallationDirectory: true,
    });
    expect(config.nsis.deleteAppDataOnUninstall).toBe(false);
  });
});

describe('build/entitlements.mac.plist', () => {
  const plist = readFileSync(join(repo, 'build/entitlements.mac.plist'), 'utf8');
  const granted = [
    ...plist.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<key>([^<]+)<\/key>\s*<true\s*\/>/g),
  ].map((m) => m[1]);

  it('grants only the JIT V8 needs', () => {
    expect(granted).toEqual(['com.apple.security.cs.allow-jit']);
  });

  it('is a well-formed plist', () => {
    expect(plist).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(plist).toContain('<plist version="1.0">');
    expect(plist.trim().endsWith('</plist>')).toBe(true);
  });
});
