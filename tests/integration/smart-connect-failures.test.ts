import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { ConnectionAccess } from '../../electron/core/smart/connection-access.js';
import { discoverServer } from '../../electron/core/smart/discovery.js';
import { linkSignedIn, signInToInstitution } from '../../electron/core/smart/institution-sign-in.js';
import { readSmartAuth } from '../../electron/core/vault/connections.js';
import type { VaultDatabase } from '../../electron/core/vault/database.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { sourceKey } from '../../electron/core/vault/source-key.js';
import { approveInBrowser, followToRedirect } from '../support/smart-server.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';
const CLIENT = 'phr-vault-test';

/** Everything stored about connections and records, to prove a failure lost nothing. */
function snapshot(db: VaultDatabase): unknown {
  return {
    connections: db.prepare(`SELECT * FROM connections ORDER BY id`).all(),
    resources: db.prepare(`SELECT count(*) FROM resources`).pluck().get(),
    persons: db.prepare(`SELECT count(*) FROM persons`).pluck().get(),
  };
}

const kindOf = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
    return 'no error';
  } catch (error) {
    return isVaultError(error) ? error.kind : `unexpected ${String(error)}`;
  }
};

async function connect(vault: VaultFile, ehr: Ehr, personId: number): Promise<number> {
  const signedIn = await signInToInstitution(
    vault.db,
    { fhirBase: ehr.fhir.base, clientId: CLIENT },
    { openBrowser: (url) => void approveInBrowser(url) },
  );
  const linked = linkSignedIn(vault.db, signedIn, { personId, acceptMismatch: true });
  if (linked.outcome !== 'connected') throw new Error('not linked');
  // A record from this connection, which no failure below may remove.
  vault.db
    .prepare(
      `INSERT INTO resources (person_id, connection_id, resource_type, server_id, source_key, fhir_version, category,
         display, content_hash, raw, first_seen_at, updated_at) VALUES (?, ?, 'Condition', ?, ?, 'R4', 'conditions', 'Asthma', 'h', '{}', 'now', 'now')`,
    )
    .run(
      personId,
      linked.connectionId,
      `c${linked.connectionId}`,
      sourceKey('Condition', `c${linked.connectionId}`),
    );
  return linked.connectionId;
}

describe('SMART sign-in failures: a clear message and nothing stored lost', () => {
  let ehr: Ehr;
  let vault: VaultFile;
  let personId: number;
  let connectionId: number;

  beforeAll(async () => {
    ehr = await startEhr();
    vault = new VaultFile(join(tempDir('phr-vault-smart-fail-'), 'v.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create(PASS);
    personId = addPerson(vault.db, { name: 'Geoffrey Abbott', relationship: 'self' }).id;
    connectionId = await connect(vault, ehr, personId);
  });
  afterAll(async () => {
    vault.lock();
    await ehr.close();
  });

  const attempt = (base: string, openBrowser: (url: string) => void, timeoutMs?: number) =>
    signInToInstitution(vault.db, { fhirBase: base, clientId: CLIENT }, { openBrowser, timeoutMs });

  it('a callback with a wrong or missing state is answered 400, and the sign-in waits for its own', async () => {
    let answers: number[] = [];
    let pages: Promise<void> | undefined;
    const signedIn = await attempt(ehr.fhir.base, (url) => {
      pages = followToRedirect(url).then(async (callback) => {
        // Another program on this computer can reach the port too: these must not end the sign-in.
        const forged = new URL(callback);
        forged.searchParams.set('state', 'x'.repeat(43));
        const missing = new URL(callback);
        missing.searchParams.delete('state');
        for (const wrong of [forged, missing]) answers.push((await fetch(wrong)).status);
        answers.push((await fetch(callback)).status);
      });
    });
    await pages;
    expect(answers).toEqual([400, 400, 200]);
    expect(signedIn.patientId).toBe(ehr.fhir.patientId);

    // A wrong state alone, until the time limit: the sign-in ends only then, and stores nothing.
    const before = snapshot(vault.db);
    answers = [];
    const kind = await kindOf(
      attempt(
        ehr.fhir.base,
        (url) =>
          void followToRedirect(url).then(async (callback) => {
            const forged = new URL(callback);
            forged.searchParams.set('state', 'y'.repeat(43));
            answers.push((await fetch(forged)).status);
          }),
        1500,
      ),
    );
    expect(kind).toBe('sign-in-timeout');
    expect(answers).toEqual([400]);
    expect(snapshot(vault.db)).toEqual(before);
  });

  it('a server without PKCE S256 is refused before the browser opens', async () => {
    const plain = await startEhr({ codeChallengeMethods: ['plain'] });
    let opened = false;
    const before = snapshot(vault.db);
    expect(await kindOf(attempt(plain.fhir.base, () => void (opened = true)))).toBe('no-pkce');
    expect(opened).toBe(false);
    expect(snapshot(vault.db)).toEqual(before);
    await plain.close();
  });

  it('a server known only by its CapabilityStatement is discovered from it, and refused for not saying S256', async () => {
    const old = await startEhr({ noWellKnown: true });
    const security = await discoverServer(old.fhir.base);
    expect(security).toMatchObject({
      source: 'capability-statement',
      authorizeUri: `${old.auth.issuer}/auth`,
      tokenUri: `${old.auth.issuer}/token`,
      fhirVersion: '4.0.1',
    });
    expect(await kindOf(attempt(old.fhir.base, () => undefined))).toBe('no-pkce');
    await old.close();
  });

  it('access denied in the browser says so', async () => {
    const denying = await startEhr({ deny: true });
    const before = snapshot(vault.db);
    expect(await kindOf(attempt(denying.fhir.base, (url) => void approveInBrowser(url)))).toBe(
      'sign-in-denied',
    );
    expect(snapshot(vault.db)).toEqual(before);
    await denying.close();
  });

  it('a token endpoint answering 400 or 500 fails the sign-in, saying what the server said', async () => {
    const before = snapshot(vault.db);
    ehr.auth.tokenFault = {
      status: 400,
      body: { error: 'invalid_client', error_description: 'Client not registered\nfor this <b>site</b>' },
    };
    const refused = await attempt(ehr.fhir.base, (url) => void approveInBrowser(url)).catch(
      (e: unknown) => e,
    );
    expect(isVaultError(refused, 'sign-in-refused')).toBe(true);
    expect((refused as Error).message).toBe(
      `${new URL(ehr.auth.issuer).host} said: “Client not registered for this site”. ` +
        'The health system did not accept the sign-in, so nothing was connected or changed. Try again; ' +
        'if it says the same again, pass its words on to the health system’s patient-portal help.',
    );
    ehr.auth.tokenFault = { status: 500, body: { error: 'server_error' } };
    expect(await kindOf(attempt(ehr.fhir.base, (url) => void approveInBrowser(url)))).toBe('server-error');
    ehr.auth.tokenFault = null;
    expect(snapshot(vault.db)).toEqual(before);
  });

  it('a server that is down, or not FHIR, or plain http elsewhere, each say what is wrong', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await kindOf(attempt(`http://127.0.0.1:${port}/fhir/`, () => undefined))).toBe(
      'server-unreachable',
    );

    const html = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hi</html>'),
    );
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    const htmlBase = `http://127.0.0.1:${(html.address() as AddressInfo).port}/`;
    expect(await kindOf(attempt(htmlBase, () => undefined))).toBe('not-a-fhir-server');
    await new Promise((resolve) => html.close(resolve));

    expect(await kindOf(attempt('http://fhir.example.org/r4/', () => undefined))).toBe('insecure-address');
  });

  it('a browser that never comes back times out and the listener closes', async () => {
    let redirect = '';
    const kind = await kindOf(
      attempt(ehr.fhir.base, (url) => void (redirect = new URL(url).searchParams.get('redirect_uri')!), 300),
    );
    expect(kind).toBe('sign-in-timeout');
    await expect(fetch(`${redirect}?state=x&code=y`)).rejects.toThrow();
  });

  it('an access token about to expire is refreshed once, and a rotated refresh token replaces the old', async () => {
    const before = readSmartAuth(vault.db, connectionId)!;
    const oldRefresh = (before.authState!.tokenResponse as { refresh_token: string }).refresh_token;
    const later = new ConnectionAccess(
      () => vault.db,
      () => Date.now() / 1000 + 7200,
    );
    const refreshesBefore = ehr.auth.tokenRequests.filter((t) => t.grantType === 'refresh_token').length;
    const pages = await Promise.all(
      [1, 2, 3].map(() => later.fetchFhir(connectionId, `Patient/${ehr.fhir.patientId}`)),
    );
    expect(pages.every((p) => (p as { id: string }).id === ehr.fhir.patientId)).toBe(true);
    const refreshes =
      ehr.auth.tokenRequests.filter((t) => t.grantType === 'refresh_token').length - refreshesBefore;
    expect(refreshes).toBe(1);
    const after = readSmartAuth(vault.db, connectionId)!;
    const newRefresh = (after.authState!.tokenResponse as { refresh_token: string }).refresh_token;
    expect(newRefresh).not.toBe(oldRefresh);
    expect(after.state).toBe('connected');
  });

  it('one refresh is in flight per connection', async () => {
    const later = new ConnectionAccess(() => vault.db);
    const before = ehr.auth.tokenRequests.length;
    const tokens = await Promise.all([
      later.refresh(connectionId),
      later.refresh(connectionId),
      later.refresh(connectionId),
    ]);
    expect(new Set(tokens).size).toBe(1);
    expect(ehr.auth.tokenRequests.length - before).toBe(1);
  });

  it('a refresh answered 500 keeps the tokens; invalid_grant marks "needs sign-in" and keeps every record', async () => {
    const access = new ConnectionAccess(() => vault.db);
    const before = snapshot(vault.db);
    ehr.auth.tokenFault = { status: 500, body: { error: 'server_error' } };
    expect(await kindOf(access.refresh(connectionId))).toBe('server-error');
    expect(snapshot(vault.db)).toEqual(before);

    ehr.auth.tokenFault = {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'grant revoked' },
    };
    expect(await kindOf(access.refresh(connectionId))).toBe('needs-sign-in');
    ehr.auth.tokenFault = null;
    const after = readSmartAuth(vault.db, connectionId)!;
    expect(after.state).toBe('needs-sign-in');
    expect(after.authState).toBeNull();
    expect(
      vault.db.prepare(`SELECT count(*) FROM resources WHERE connection_id = ?`).pluck().get(connectionId),
    ).toBe(1);
    expect(await kindOf(access.fetchFhir(connectionId, 'Patient'))).toBe('needs-sign-in');
  });

  it('a Bundle next link on another origin gets no token', async () => {
    const seen: (string | undefined)[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Bundle"}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const next = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/fhir/Observation?page=2`;
    const paging = await startEhr({ nextLink: next });
    const id = await connect(vault, paging, personId);
    const access = new ConnectionAccess(() => vault.db);
    const page = (await access.fetchFhir(id, 'Observation?patient=x')) as {
      link: { relation: string; url: string }[];
    };
    const nextUrl = page.link.find((l) => l.relation === 'next')!.url;
    expect(await kindOf(access.fetchFhir(id, nextUrl))).toBe('foreign-origin');
    expect(seen).toEqual([]);
    await paging.close();
    await new Promise((resolve) => elsewhere.close(resolve));
  });
});
