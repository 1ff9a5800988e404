import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { ConnectionAccess } from '../../electron/core/smart/connection-access.js';
import {
  linkSignedIn,
  signInAgain,
  signInToInstitution,
} from '../../electron/core/smart/institution-sign-in.js';
import { installKey, publicJwks } from '../../electron/core/smart/install-key.js';
import { readSmartAuth } from '../../electron/core/vault/connections.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { closedAfterAll, connectTo, newVaultService } from '../support/connected-vault.js';
import { GEOFFREY } from '../../testkit/fixture-paths.js';
import { approveInBrowser, followToRedirect } from '../support/smart-server.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';
import { resourcesFromBundle, startSyncEhr } from '../support/sync-ehr.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

/**
 * The authorization server the tests sign in to is as strict as SMART's reference launcher; these
 * tests prove that first (a server that accepted anything would prove nothing), then that the app
 * signs in, refreshes and revokes against it, both as a public and as a confidential client.
 */
const PASS = 'correct horse battery';
const CLIENT = 'phr-vault-test';

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** An authorize address as a hand-written client would make it, for poking at the server. */
function authorizeUrl(ehr: Ehr, change: Record<string, string | null> = {}): string {
  const url = new URL(`${ehr.auth.issuer}/auth`);
  const params: Record<string, string | null> = {
    response_type: 'code',
    client_id: CLIENT,
    redirect_uri: 'http://127.0.0.1:53124/callback',
    scope: 'launch/patient openid fhirUser offline_access patient/*.rs',
    aud: ehr.fhir.base,
    state: 'state-of-this-request',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...change,
  };
  for (const [key, value] of Object.entries(params)) if (value !== null) url.searchParams.set(key, value);
  return url.href;
}

async function vaultFile(): Promise<VaultFile> {
  const vault = new VaultFile(join(tempDir('phr-vault-strict-'), 'v.phrvault'), { scrypt: FAST_SCRYPT });
  await vault.create(PASS);
  return vault;
}

const failureOf = (work: Promise<unknown>) =>
  work.then(
    () => null,
    (error: unknown) => error as Error,
  );

describe('the test authorization server is as strict as the reference launcher', () => {
  let ehr: Ehr;
  beforeAll(async () => {
    ehr = await startEhr();
  });
  afterAll(async () => {
    await ehr.close();
  });

  it('names its FHIR base without a trailing slash, and accepts exactly that as aud', async () => {
    expect(ehr.fhir.base).not.toMatch(/\/$/);
    const ok = new URL(await followToRedirect(authorizeUrl(ehr)));
    expect(ok.searchParams.get('code')).toBeTruthy();
    expect(ok.searchParams.get('state')).toBe('state-of-this-request');
  });

  it('sends the app back with invalid_request for an aud with a slash more, or none', async () => {
    for (const aud of [`${ehr.fhir.base}/`, null]) {
      const back = new URL(await followToRedirect(authorizeUrl(ehr, { aud })));
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('error_description')).toBe(
        `Bad audience value "${aud ?? ''}". Expected "${ehr.fhir.base}"`,
      );
      expect(back.searchParams.get('state')).toBe('state-of-this-request');
      expect(back.searchParams.get('code')).toBeNull();
    }
  });

  it('requires PKCE S256, and the registered loopback redirect exactly (any port)', async () => {
    const noPkce = new URL(
      await followToRedirect(authorizeUrl(ehr, { code_challenge: null, code_challenge_method: null })),
    );
    expect(noPkce.searchParams.get('error')).toBe('invalid_request');
    const plain = new URL(await followToRedirect(authorizeUrl(ehr, { code_challenge_method: 'plain' })));
    expect(plain.searchParams.get('error')).toBe('invalid_request');
    // Another path or host is not sent back at all: the server shows its own error page.
    await expect(
      followToRedirect(authorizeUrl(ehr, { redirect_uri: 'http://127.0.0.1:53124/elsewhere' })),
    ).rejects.toThrow(/stopped at 400/);
    await expect(
      followToRedirect(authorizeUrl(ehr, { redirect_uri: 'http://localhost:53124/callback' })),
    ).rejects.toThrow(/stopped at 400/);
  });

  it('answers the code with a patient, an id_token naming the fhirUser, a short-lived token, and rotates refresh tokens', async () => {
    const short = await startEhr({ accessTokenTtlSeconds: 120 });
    try {
      const { verifier, challenge } = pkce();
      const back = new URL(await followToRedirect(authorizeUrl(short, { code_challenge: challenge })));
      const token = (form: Record<string, string>) =>
        fetch(`${short.auth.issuer}/token`, { method: 'POST', body: new URLSearchParams(form) });
      const answer = (await (
        await token({
          grant_type: 'authorization_code',
          code: back.searchParams.get('code')!,
          redirect_uri: 'http://127.0.0.1:53124/callback',
          code_verifier: verifier,
          client_id: CLIENT,
        })
      ).json()) as Record<string, unknown>;
      expect(answer).toMatchObject({ patient: short.fhir.patientId, expires_in: 120 });
      expect(decodeJwt(String(answer.id_token))).toMatchObject({
        fhirUser: `Patient/${short.fhir.patientId}`,
      });
      const refresh = (refresh_token: string) =>
        token({ grant_type: 'refresh_token', refresh_token, client_id: CLIENT });
      const renewed = (await (await refresh(String(answer.refresh_token))).json()) as Record<string, unknown>;
      expect(renewed.refresh_token).toBeTruthy();
      expect(renewed.refresh_token).not.toBe(answer.refresh_token);
      // The rotated-away one is spent.
      expect((await refresh(String(answer.refresh_token))).status).toBe(400);
    } finally {
      await short.close();
    }
  });

  describe('a confidential asymmetric client', () => {
    const keys: { alg: string; kid: string; privateKey: CryptoKey; publicJwk: JWK }[] = [];
    let confidential: Ehr;

    beforeAll(async () => {
      for (const alg of ['ES384', 'RS384', 'ES256']) {
        const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
        keys.push({ alg, kid: `k-${alg}`, privateKey, publicJwk: await exportJWK(publicKey) });
      }
      confidential = await startEhr({
        jwks: { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) },
      });
    });
    afterAll(async () => {
      await confidential.close();
    });

    /** Signs an assertion, with any claim changed, and asks for a token with it. */
    async function assertWith(
      alg: string,
      change: { exp?: number; aud?: string; jti?: string } = {},
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const key = keys.find((k) => k.alg === alg)!;
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' })
        .setIssuer(CLIENT)
        .setSubject(CLIENT)
        .setAudience(change.aud ?? `${confidential.auth.issuer}/token`)
        .setJti(change.jti ?? randomBytes(16).toString('base64url'))
        .setExpirationTime(change.exp ?? now + 120)
        .sign(key.privateKey);
      const { verifier, challenge } = pkce();
      const back = new URL(await followToRedirect(authorizeUrl(confidential, { code_challenge: challenge })));
      const response = await fetch(`${confidential.auth.issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: back.searchParams.get('code')!,
          redirect_uri: 'http://127.0.0.1:53124/callback',
          code_verifier: verifier,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    it('accepts ES384 and RS384 assertions made for its token endpoint', async () => {
      expect((await assertWith('ES384')).status).toBe(200);
      expect((await assertWith('RS384')).status).toBe(200);
    });

    it('refuses another algorithm, a reused jti, an exp past five minutes, and any other aud', async () => {
      const now = Math.floor(Date.now() / 1000);
      expect((await assertWith('ES256')).body.error).toBe('invalid_client');
      expect((await assertWith('ES384', { jti: 'once' })).status).toBe(200);
      expect((await assertWith('ES384', { jti: 'once' })).body.error).toBe('invalid_client');
      expect((await assertWith('ES384', { exp: now + 301 + 5 })).body.error).toBe('invalid_client');
      expect((await assertWith('ES384', { aud: confidential.auth.issuer })).body.error).toBe(
        'invalid_client',
      );
      expect((await assertWith('ES384', { aud: `${confidential.auth.issuer}/token/` })).body.error).toBe(
        'invalid_client',
      );
    });
  });
});

describe('the app against the strict server', () => {
  let vault: VaultFile;
  let personId: number;

  beforeAll(async () => {
    vault = await vaultFile();
    personId = addPerson(vault.db, { name: 'Geoffrey Abbott', relationship: 'self' }).id;
  });
  afterAll(() => {
    vault.lock();
  });

  it('sends aud as the server names itself, even when the address was typed with a slash', async () => {
    const ehr = await startEhr();
    try {
      let browser: Promise<number> | undefined;
      const signedIn = await signInToInstitution(
        vault.db,
        { fhirBase: `${ehr.fhir.base}/`, clientId: CLIENT },
        { openBrowser: (url) => void (browser = approveInBrowser(url)) },
      );
      expect(await browser).toBe(200);
      expect(ehr.auth.lastAuthorize!.aud).toBe(ehr.fhir.base);
      expect(signedIn.security.fhirBase).toBe(ehr.fhir.base);
    } finally {
      await ehr.close();
    }
  });

  it('says what the server said when it refuses, and the browser page says it too', async () => {
    // A server that does not name itself: the slash the user typed is sent, and refused.
    const ehr = await startEhr({ unnamed: true });
    try {
      let page: Promise<Response> | undefined;
      const error = await failureOf(
        signInToInstitution(
          vault.db,
          { fhirBase: `${ehr.fhir.base}/`, clientId: CLIENT },
          { openBrowser: (url) => void (page = followToRedirect(url).then((callback) => fetch(callback))) },
        ),
      );
      expect(isVaultError(error, 'sign-in-refused')).toBe(true);
      expect(error!.message).toBe(
        `The sign-in page said: “Bad audience value "${ehr.fhir.base}/". Expected "${ehr.fhir.base}"”. ` +
          'The health system did not accept the sign-in, so nothing was connected or changed. Try again; ' +
          'if it says the same again, pass its words on to the health system’s patient-portal help.',
      );
      const shown = await page!;
      expect(shown.status).toBe(400);
      expect(await shown.text()).toContain('Bad audience value &#34;');
    } finally {
      await ehr.close();
    }
  });

  it('refuses an answer naming another authorization server (iss, RFC 9207), compared exactly', async () => {
    const ehr = await startEhr();
    try {
      let delivered: Promise<number> | undefined;
      const error = await failureOf(
        signInToInstitution(
          vault.db,
          { fhirBase: ehr.fhir.base, clientId: CLIENT },
          {
            openBrowser: (url) =>
              void (delivered = followToRedirect(url).then(async (callback) => {
                const mixedUp = new URL(callback);
                expect(mixedUp.searchParams.get('iss')).toBe(ehr.auth.issuer);
                mixedUp.searchParams.set('iss', `${ehr.auth.issuer}/`);
                return (await fetch(mixedUp)).status;
              })),
          },
        ),
      );
      expect(isVaultError(error, 'sign-in-failed')).toBe(true);
      expect(error!.message).toContain('another sign-in server');
      expect(await delivered).toBe(400);
    } finally {
      await ehr.close();
    }
  });

  it('connects, refreshes with rotation, and revokes as a confidential client (ES384, private_key_jwt)', async () => {
    const ehr = await startEhr({ jwks: await publicJwks(vault.db) });
    try {
      const signedIn = await signInToInstitution(
        vault.db,
        { fhirBase: ehr.fhir.base, clientId: CLIENT, auth: 'private_key_jwt' },
        { openBrowser: (url) => void approveInBrowser(url) },
      );
      const linked = linkSignedIn(vault.db, signedIn, { personId, acceptMismatch: true });
      if (linked.outcome !== 'connected') throw new Error('not linked');
      const id = linked.connectionId;
      // The private key lives once, in install_keys: not beside the tokens.
      expect(JSON.stringify(readSmartAuth(vault.db, id)!.authState)).not.toContain('"d":');
      const access = new ConnectionAccess(() => vault.db);
      const refreshOf = () =>
        (readSmartAuth(vault.db, id)!.authState!.tokenResponse as { refresh_token: string }).refresh_token;
      const first = refreshOf();
      await access.refresh(id);
      expect(refreshOf()).not.toBe(first);
      const patient = (await access.fetchFhir(id, `Patient/${ehr.fhir.patientId}`)) as { id: string };
      expect(patient.id).toBe(ehr.fhir.patientId);
      expect(await access.revoke(id)).toBe(true);

      const assertions = ehr.auth.assertions;
      expect(assertions.map((a) => a.claims.aud)).toEqual([
        `${ehr.auth.issuer}/token`,
        `${ehr.auth.issuer}/token`,
        `${ehr.auth.issuer}/token/revocation`,
      ]);
      expect(new Set(assertions.map((a) => a.claims.jti)).size).toBe(3);
      for (const { header, claims } of assertions) {
        expect(header).toMatchObject({ alg: 'ES384', typ: 'JWT' });
        expect(claims).toMatchObject({ iss: CLIENT, sub: CLIENT });
        expect(Number(claims.exp) - Date.now() / 1000).toBeLessThanOrEqual(300);
      }
    } finally {
      await ehr.close();
    }
  });

  for (const only of ['RS384', 'ES384'] as const) {
    it(`signs its assertions with its ${only} key at a server that accepts only ${only}, from sign-in to revocation`, async () => {
      const ehr = await startEhr({ jwks: await publicJwks(vault.db), assertionAlgs: [only] });
      try {
        const signedIn = await signInToInstitution(
          vault.db,
          { fhirBase: ehr.fhir.base, clientId: CLIENT, auth: 'private_key_jwt' },
          { openBrowser: (url) => void approveInBrowser(url) },
        );
        const linked = linkSignedIn(vault.db, signedIn, { personId, acceptMismatch: true });
        if (linked.outcome !== 'connected') throw new Error('not linked');
        const access = new ConnectionAccess(() => vault.db);
        await access.refresh(linked.connectionId);
        expect(await access.revoke(linked.connectionId)).toBe(true);
        const kid = (await installKey(vault.db, only)).kid;
        expect(ehr.auth.assertions.map((a) => [a.header.alg, a.header.kid])).toEqual([
          [only, kid],
          [only, kid],
          [only, kid],
        ]);
      } finally {
        await ehr.close();
      }
    });
  }

  it('says so, before the browser opens, when a server accepts neither ES384 nor RS384', async () => {
    const ehr = await startEhr({ jwks: await publicJwks(vault.db), assertionAlgs: ['PS256'] });
    try {
      let opened = false;
      const error = await failureOf(
        signInToInstitution(
          vault.db,
          { fhirBase: ehr.fhir.base, clientId: CLIENT, auth: 'private_key_jwt' },
          { openBrowser: () => void (opened = true) },
        ),
      );
      expect(isVaultError(error, 'sign-in-failed')).toBe(true);
      expect(error!.message).toContain('only with PS256; PHR Vault signs with ES384 or RS384');
      expect(opened).toBe(false);
    } finally {
      await ehr.close();
    }
  });

  it('a connection stored with a slash after its base still reads records and signs in again', async () => {
    const ehr = await startEhr();
    try {
      const signedIn = await signInToInstitution(
        vault.db,
        { fhirBase: ehr.fhir.base, clientId: CLIENT },
        { openBrowser: (url) => void approveInBrowser(url) },
      );
      const linked = linkSignedIn(vault.db, signedIn, { personId, acceptMismatch: true });
      if (linked.outcome !== 'connected') throw new Error('not linked');
      const id = linked.connectionId;
      // As every connection was stored before the base was kept as the server names it.
      vault.db.prepare(`UPDATE connections SET fhir_base = ? WHERE id = ?`).run(`${ehr.fhir.base}/`, id);
      const access = new ConnectionAccess(() => vault.db);
      expect(((await access.fetchFhir(id, 'metadata')) as { resourceType: string }).resourceType).toBe(
        'CapabilityStatement',
      );
      await access.refresh(id);
      await signInAgain(() => vault.db, id, { openBrowser: (url) => void approveInBrowser(url) });
      expect(ehr.auth.lastAuthorize!.aud).toBe(ehr.fhir.base);
      expect(readSmartAuth(vault.db, id)!.state).toBe('connected');
    } finally {
      await ehr.close();
    }
  });
});

describe('the vault’s own keys for private_key_jwt', () => {
  it('are one ES384 and one RS384 key, public halves only in the key set; a vault with only its ES384 key keeps it and gains RS384', async () => {
    const vault = await vaultFile();
    try {
      // As vaults made before RS384 hold it: the ES384 key alone, already registered with vendors.
      const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
      vault.db
        .prepare(
          `INSERT INTO install_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)`,
        )
        .run(
          'old-es384',
          'ES384',
          JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'old-es384', alg: 'ES384' }),
          JSON.stringify({ ...(await exportJWK(publicKey)), kid: 'old-es384', alg: 'ES384', use: 'sig' }),
          '2026-01-01T00:00:00.000Z',
        );
      const jwks = await publicJwks(vault.db);
      expect(jwks.keys.map((k) => [k.kty, k.alg])).toEqual([
        ['EC', 'ES384'],
        ['RSA', 'RS384'],
      ]);
      expect(jwks.keys[0]!.kid).toBe('old-es384');
      expect(JSON.stringify(jwks)).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
      // Made once: the same key set every time it is asked for.
      expect(await publicJwks(vault.db)).toEqual(jwks);
    } finally {
      vault.lock();
    }
  });
});

describe('the id_token, checked before any record is read', () => {
  let vault: VaultFile;
  beforeAll(async () => {
    vault = await vaultFile();
  });
  afterAll(() => {
    vault.lock();
  });

  /** Signs in to a strict server set up with these options; answers the failure, or null. */
  async function signInWith(options: Parameters<typeof startEhr>[0]) {
    const ehr = await startEhr(options);
    try {
      let page: Promise<string> | undefined;
      const error = await failureOf(
        signInToInstitution(
          vault.db,
          { fhirBase: ehr.fhir.base, clientId: CLIENT },
          {
            openBrowser: (url) =>
              void (page = followToRedirect(url).then(async (callback) => (await fetch(callback)).text())),
          },
        ),
      );
      return { error, page: await page!, nonce: ehr.auth.lastAuthorize!.nonce };
    } finally {
      await ehr.close();
    }
  }

  it('sends a nonce, and accepts an id_token signed with the server’s key for a patient or someone acting for them', async () => {
    const ok = await signInWith({});
    expect(ok.error).toBeNull();
    expect(ok.nonce).toMatch(/^[\w-]{43}$/);
    expect((await signInWith({ fhirUser: 'RelatedPerson/mother-of-geoffrey' })).error).toBeNull();
  });

  const refusals: [string, Parameters<typeof startEhr>[0], string][] = [
    [
      'signed with another key',
      { idTokenFault: { otherKey: true } },
      'not signed with the health system’s own keys',
    ],
    [
      'made for another app',
      { idTokenFault: { claims: { aud: 'someone-elses-app' } } },
      'made for another app',
    ],
    [
      'that ran out an hour ago',
      { idTokenFault: { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } } },
      'had already run out',
    ],
    [
      'from another issuer',
      { idTokenFault: { claims: { iss: 'https://sign-in.example.org' } } },
      'another sign-in server',
    ],
    [
      'with another sign-in’s nonce',
      { idTokenFault: { claims: { nonce: 'not-this-one' } } },
      'another sign-in.',
    ],
    [
      'naming another patient than the records granted',
      { fhirUser: 'Patient/someone-else' },
      'gave access to another patient’s records',
    ],
    [
      'naming another patient by full address',
      { fhirUser: 'https://fhir.example.org/R4/Patient/someone-else' },
      'gave access to another patient’s records',
    ],
  ];
  it('checks every claim where the server publishes no key set (jwks_uri): the TLS answer stands for the signature', async () => {
    const refused = await signInWith({
      noJwksUri: true,
      idTokenFault: { claims: { aud: 'someone-elses-app' } },
    });
    expect(isVaultError(refused.error, 'sign-in-unverified')).toBe(true);
    expect(refused.error!.message).toContain('made for another app');
    const mismatch = await signInWith({ noJwksUri: true, fhirUser: 'Patient/someone-else' });
    expect(mismatch.error!.message).toContain('gave access to another patient’s records');
    expect((await signInWith({ noJwksUri: true })).error).toBeNull();
  });

  for (const [what, options, words] of refusals) {
    it(`refuses an id_token ${what}, in plain words, in the app and on the browser page`, async () => {
      const { error, page } = await signInWith(options);
      expect(isVaultError(error, 'sign-in-unverified')).toBe(true);
      expect(error!.message).toContain(words);
      expect(error!.message).toContain('PHR Vault could not confirm who signed in');
      expect(page).toContain('could not confirm who signed in');
    });
  }
});

describe('token, refresh and revocation requests follow no redirect', () => {
  let vault: VaultFile;
  let ehr: Ehr;
  let elsewhere: ReturnType<typeof createServer>;
  let elsewhereUrl: string;
  const received: { method: string; body: string }[] = [];

  beforeAll(async () => {
    vault = await vaultFile();
    elsewhere = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ method: req.method ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"stolen"}');
      });
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/collect`;
    ehr = await startEhr({ jwks: await publicJwks(vault.db) });
  });
  afterAll(async () => {
    vault.lock();
    await ehr.close();
    await new Promise((resolve) => elsewhere.close(resolve));
  });

  it('a 307 from the token endpoint fails the refresh and the revocation; nothing reaches the other address', async () => {
    const personId = addPerson(vault.db, { name: 'Geoffrey Abbott', relationship: 'self' }).id;
    const signedIn = await signInToInstitution(
      vault.db,
      { fhirBase: ehr.fhir.base, clientId: CLIENT, auth: 'private_key_jwt' },
      { openBrowser: (url) => void approveInBrowser(url) },
    );
    const linked = linkSignedIn(vault.db, signedIn, { personId, acceptMismatch: true });
    if (linked.outcome !== 'connected') throw new Error('not linked');
    const id = linked.connectionId;
    const before = readSmartAuth(vault.db, id)!.authState;
    const access = new ConnectionAccess(() => vault.db);

    ehr.auth.redirectTo = elsewhereUrl;
    const error = await failureOf(access.refresh(id));
    expect(isVaultError(error, 'sign-in-failed')).toBe(true);
    expect(error!.message).toContain('sent PHR Vault to another address');
    // The stored tokens are those of before: nothing was lost, nothing half-replaced.
    expect(readSmartAuth(vault.db, id)!.authState).toEqual(before);
    expect(await access.revoke(id)).toBe(false);
    expect(received).toEqual([]);
    ehr.auth.redirectTo = null;
  });

  it('a 307 from the token endpoint during sign-in fails it; the code goes nowhere else', async () => {
    ehr.auth.redirectTo = elsewhereUrl;
    const error = await failureOf(
      signInToInstitution(
        vault.db,
        { fhirBase: ehr.fhir.base, clientId: CLIENT, auth: 'private_key_jwt' },
        { openBrowser: (url) => void approveInBrowser(url) },
      ),
    );
    ehr.auth.redirectTo = null;
    expect(isVaultError(error, 'sign-in-failed')).toBe(true);
    expect(error!.message).toContain('sent PHR Vault to another address');
    expect(received).toEqual([]);
  });
});

describe('an access token that runs out in the middle of a sync', () => {
  const opened = closedAfterAll();

  it('is refreshed (the refresh token rotated) and the sync completes', async () => {
    const ehr = await startSyncEhr({
      fhirVersion: 'R4',
      resources: resourcesFromBundle(GEOFFREY),
      accessTokenTtlSeconds: 3,
      pageSize: 10,
    });
    const { service } = await newVaultService({ automatic: false, run: { pageSize: 10 } });
    opened.push({ service, ehr });
    const id = await connectTo(service, ehr);
    const tokens = () =>
      readSmartAuth(service.vault.db, id)!.authState!.tokenResponse as {
        access_token: string;
        refresh_token: string;
      };
    const atConnect = tokens();
    // The second page of observations is answered only once the token the sync began with is
    // dead at the server: everything after it needs a new one.
    const expired = (async () => {
      while (await ehr.auth.isValidToken(atConnect.access_token)) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    ehr.fhir.faults.push({ resourceType: 'Observation', page: 2, fault: { kind: 'held', until: expired } });
    const summary = await service.sync.runAndWait(id);
    expect(summary).toMatchObject({ outcome: 'ok', failedTypes: [] });
    expect(summary.added).toBeGreaterThan(50);
    const pagesAfter = ehr.fhir.requests.filter((r) => r.path === 'Observation').length;
    expect(pagesAfter).toBeGreaterThan(2);
    const refreshes = ehr.auth.tokenRequests.filter((t) => t.grantType === 'refresh_token').length;
    expect(refreshes).toBeGreaterThanOrEqual(1);
    // Renewed ahead of expiry, not before every request: far fewer refreshes than requests.
    expect(refreshes).toBeLessThan(ehr.fhir.requests.length / 4);
    expect(tokens().refresh_token).not.toBe(atConnect.refresh_token);
    expect(await ehr.auth.isValidToken(tokens().access_token)).toBe(true);
  });
});
