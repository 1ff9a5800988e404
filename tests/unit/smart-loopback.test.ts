import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { finishPage, LoopbackRedirect } from '../../electron/core/smart/loopback-redirect.js';

describe('the loopback redirect (RFC 8252)', () => {
  it('listens on 127.0.0.1 on an ephemeral port, takes the callback with its state, then closes', async () => {
    const redirect = await LoopbackRedirect.open();
    expect(redirect.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const state = 's'.repeat(43);
    const waiting = redirect.next(state, 5000);
    expect((await fetch(redirect.redirectUri.replace('/callback', '/favicon.ico'))).status).toBe(404);
    // Anything else on this computer can reach the port: a wrong or missing state is turned away
    // and the listener keeps waiting.
    expect((await fetch(`${redirect.redirectUri}?code=x&state=${'t'.repeat(43)}`)).status).toBe(400);
    expect((await fetch(`${redirect.redirectUri}?code=x`)).status).toBe(400);
    const answered = fetch(`${redirect.redirectUri}?code=c&state=${state}`);
    const callback = await waiting;
    expect(callback.url.searchParams.get('code')).toBe('c');
    finishPage(callback.response, true, 'Done <script>');
    const page = await answered;
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(await page.text()).toContain('Done &#60;script&#62;');
    redirect.close();
    await expect(fetch(`${redirect.redirectUri}?code=again`)).rejects.toThrow();
  });

  it('gives up after its time limit', async () => {
    const redirect = await LoopbackRedirect.open();
    await expect(redirect.next('s'.repeat(43), 50)).rejects.toSatisfy((e) =>
      isVaultError(e, 'sign-in-timeout'),
    );
  });
});

describe('fhirclient', () => {
  it('never logs, even with DEBUG asking for it (it would print token responses)', async () => {
    process.env.DEBUG = 'FHIR*';
    await import('../../electron/core/smart/fhirclient-adapter.js');
    const require = createRequire(import.meta.url);
    const debug = createRequire(require.resolve('fhirclient'))('debug') as { enabled(ns: string): boolean };
    expect(debug.enabled('FHIR:oauth2')).toBe(false);
    expect(debug.enabled('FHIR:client:refresh')).toBe(false);
  });
});
