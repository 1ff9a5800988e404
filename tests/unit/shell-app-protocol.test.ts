import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../shared/csp.js';
import { isAppUrl, isOutboundRequest } from '../../electron/shell/app-origin.js';
import { planAppRequest, serveAppRequest } from '../../electron/shell/app-protocol.js';

let sandbox: string;
let root: string;

beforeAll(() => {
  // A secret beside the renderer folder: what a traversal would try to reach.
  sandbox = mkdtempSync(join(tmpdir(), 'phr-app-protocol-'));
  root = join(sandbox, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>PHR Vault</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'notes.bin'), 'binary');
  writeFileSync(join(sandbox, 'secret.js'), 'the vault key');
});

afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => serveAppRequest(root, new Request(url, { method }));

describe('serveAppRequest', () => {
  it('serves index.html for the root and files below it, each with the CSP', async () => {
    for (const url of ['app://vault/', 'app://vault/index.html']) {
      const response = await get(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
      expect(await response.text()).toContain('PHR Vault');
    }
    const script = await get('app://vault/assets/index-abc.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers HEAD without a body', async () => {
    const response = await get('app://vault/index.html', 'HEAD');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it.each([
    'app://vault/../secret.js',
    'app://vault/%2e%2e/secret.js',
    'app://vault/..%2fsecret.js',
    'app://vault/assets/..%2f..%2fsecret.js',
    'app://vault/assets/%2e%2e%2f%2e%2e%2fsecret.js',
    'app://vault/..%5csecret.js',
    'app://vault/assets/..%5c..%5csecret.js',
    'app://vault/index.html%00.js',
    'app://vault/%E0%A4%A',
  ])('never serves anything outside the renderer: %s', async (url) => {
    const response = await get(url);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(await response.text()).not.toContain('the vault key');
    // Error answers carry the CSP too, so no app:// document is ever without it.
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
  });

  it('refuses other hosts on the scheme, unknown files and unexpected types', async () => {
    expect((await get('app://other/index.html')).status).toBe(404);
    expect((await get('app://vault/missing.js')).status).toBe(404);
    expect((await get('app://vault/assets')).status).toBe(404);
    expect((await get('app://vault/assets/notes.bin')).status).toBe(404);
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await get('app://vault/index.html', 'POST')).status).toBe(405);
  });
});

describe('planAppRequest', () => {
  it('resolves inside the root only', () => {
    const plan = planAppRequest(root, 'app://vault/assets/index-abc.js', 'GET');
    expect(plan).toMatchObject({ status: 200, file: join(root, 'assets', 'index-abc.js') });
    expect(planAppRequest(root, 'app://vault/..%2f..%2fetc/passwd', 'GET').status).toBe(404);
  });
});

describe('app origin', () => {
  it('recognises only app://vault', () => {
    expect(isAppUrl('app://vault/index.html')).toBe(true);
    expect(isAppUrl('app://vault.example/index.html')).toBe(false);
    expect(isAppUrl('https://vault/index.html')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });

  it('marks network and file requests as outbound, internal schemes not', () => {
    for (const url of ['https://example.com/x', 'http://127.0.0.1/', 'wss://x/', 'file:///etc/passwd']) {
      expect(isOutboundRequest(url)).toBe(true);
    }
    for (const url of [
      'app://vault/index.html',
      'data:image/png;base64,AA==',
      'blob:app://vault/1',
      'devtools://devtools/x',
    ]) {
      expect(isOutboundRequest(url)).toBe(false);
    }
  });
});
