import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels, eventNames, shellChannels } from '../../shared/ipc/contract.js';

/**
 * Runs the bundled preload the way a sandboxed renderer does: a classic script wrapped in a
 * function whose `require` knows only 'electron'. Anything else the bundle tried to require, any
 * ESM syntax, any `exports` it relied on, fails here as it would in Electron.
 */

const repo = fileURLToPath(new URL('../..', import.meta.url));
const distPreload = join(repo, 'dist/electron/preload.cjs');
let freshDir: string;

beforeAll(async () => {
  // Built fresh from source with the real config, so a stale dist/ cannot hide a broken bundle.
  freshDir = mkdtempSync(join(tmpdir(), 'phr-preload-'));
  await build({
    configFile: join(repo, 'electron/preload.vite.config.ts'),
    logLevel: 'silent',
    build: { outDir: freshDir, emptyOutDir: false },
  });
}, 60_000);

afterAll(() => rmSync(freshDir, { recursive: true, force: true }));

type Listener = (event: unknown, payload: unknown) => void;

function loadPreload(file: string) {
  const exposed = new Map<string, unknown>();
  const required: string[] = [];
  const invoked: Array<[string, unknown]> = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipcEvent = { sender: 'ipcRenderer itself', ports: [] };

  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api),
    },
    // Electron gives a dropped file's path; a File the page made itself has none ('').
    webUtils: { getPathForFile: (file: { dropped?: string }) => file.dropped ?? '' },
    ipcRenderer: {
      invoke: (channel: string, request: unknown) => {
        invoked.push([channel, request]);
        return Promise.resolve({ ok: true, value: 'from main' });
      },
      on: (channel: string, listener: Listener) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(listener);
      },
      removeListener: (channel: string, listener: Listener) => listeners.get(channel)?.delete(listener),
    },
  };
  const sandboxRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`module not found: ${id}`);
  };

  const context = vm.createContext({ console });
  const source = readFileSync(file, 'utf8');
  // Electron's sandboxed preload wrapper (lib/sandboxed_renderer): require, process, exports, module and a few globals.
  const wrapper = vm.runInContext(
    `(function (require, process, exports, module, Buffer, global, setImmediate, clearImmediate) {\n${source}\n})`,
    context,
    { filename: file },
  ) as (...args: unknown[]) => void;
  const exportsObject = {};
  wrapper(
    sandboxRequire,
    { platform: 'darwin', env: {} },
    exportsObject,
    { exports: exportsObject },
    undefined,
    context,
    undefined,
    undefined,
  );

  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener(ipcEvent, payload);
  };
  return { exposed, required, invoked, listeners, emit };
}

type Bridge = {
  invoke(channel: unknown, request: unknown): Promise<unknown>;
  dropFiles(files: unknown[]): Promise<unknown>;
  on(event: unknown, listener: unknown): () => void;
};

describe.each([
  ['freshly built', () => join(freshDir, 'preload.cjs')],
  ['dist/electron/preload.cjs', () => distPreload],
])('bundled preload (%s)', (_label, file) => {
  it('is CommonJS that requires only electron', (context) => {
    if (!existsSync(file())) context.skip('not built yet (npm run build:preload)');
    const source = readFileSync(file(), 'utf8');
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
    const { required } = loadPreload(file());
    expect(new Set(required)).toEqual(new Set(['electron']));
  });

  it('exposes exactly window.vault with invoke, on and dropFiles', (context) => {
    if (!existsSync(file())) context.skip('not built yet (npm run build:preload)');
    const { exposed } = loadPreload(file());
    expect([...exposed.keys()]).toEqual(['vault']);
    expect(Object.keys(exposed.get('vault') as object).sort()).toEqual(['dropFiles', 'invoke', 'on']);
  });

  it('hands main only the paths Electron gives for dropped files, and never lets the page name one', async (context) => {
    if (!existsSync(file())) context.skip('not built yet (npm run build:preload)');
    const { exposed, invoked } = loadPreload(file());
    const vault = exposed.get('vault') as Bridge;
    expect(await vault.invoke('files.dropImportFiles', { paths: ['/etc/passwd'] })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-request' },
    });
    expect(await vault.dropFiles([{ name: 'made.json' }])).toEqual({ ok: true, value: { files: [] } });
    expect(invoked).toEqual([]);
    await vault.dropFiles([
      { name: 'ccd.xml', dropped: '/home/sam/Downloads/ccd.xml' },
      { name: 'made.json' },
    ]);
    expect(invoked).toEqual([['files.dropImportFiles', { paths: ['/home/sam/Downloads/ccd.xml'] }]]);
  });

  it('forwards contract channels and refuses anything else', async (context) => {
    if (!existsSync(file())) context.skip('not built yet (npm run build:preload)');
    const { exposed, invoked } = loadPreload(file());
    const vault = exposed.get('vault') as Bridge;

    expect(await vault.invoke('vault.status', {})).toEqual({ ok: true, value: 'from main' });
    const pageChannels = channels.filter((c) => c !== 'files.dropImportFiles');
    for (const channel of pageChannels) await vault.invoke(channel, {});
    expect(invoked.map(([c]) => c)).toEqual(['vault.status', ...pageChannels]);

    invoked.length = 0;
    for (const bad of [
      'vault.delete',
      'ELECTRON_BROWSER_WINDOW_CLOSE',
      '__proto__',
      'toString',
      42,
      undefined,
    ]) {
      expect(await vault.invoke(bad, {})).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    }
    expect(invoked).toEqual([]);
  });

  it('refuses the page every channel only the shell may call, without reaching IPC', async (context) => {
    if (!existsSync(file())) context.skip('not built yet (npm run build:preload)');
    const { exposed, invoked } = loadPreload(file());
    const vault = exposed.get('vault') as Bridge;
    expect(shellChannels.length).toBeGreaterThan(0);
    for (const channel of shellChannels) {
      expect(await vault.invoke(channel, {}), channel).toMatchObject({
        ok: false,
        error: { kind: 'invalid-request' },
      });
    }
    expect(invoked).toEqual([]);
  });

  it('delivers contract events as payload only, and unsubscribes', (context) => {
    if (!existsSync(file())) context.skip('not built yet (npm run build:preload)');
    const { exposed, emit, listeners } = loadPreload(file());
    const vault = exposed.get('vault') as Bridge;
    const event = eventNames[0]!;
    const seen: unknown[][] = [];
    const off = vault.on(event, (...args: unknown[]) => seen.push(args));

    emit(event, { state: 'locked', location: '/v' });
    expect(seen).toEqual([[{ state: 'locked', location: '/v' }]]);

    off();
    expect(listeners.get(event)?.size).toBe(0);
    emit(event, { state: 'unlocked', location: '/v' });
    expect(seen).toHaveLength(1);
  });

  it('refuses events outside the contract', (context) => {
    if (!existsSync(file())) context.skip('not built yet (npm run build:preload)');
    const { exposed, listeners } = loadPreload(file());
    const vault = exposed.get('vault') as Bridge;
    expect(() => vault.on('ipc-message', () => {})).toThrow(/Unknown vault event/);
    expect(() => vault.on(eventNames[0], 'not a function')).toThrow();
    expect(listeners.size).toBe(0);
  });
});
