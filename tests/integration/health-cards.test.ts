import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryWith } from '../../electron/core/exchange/health-cards/issuer-directory.js';
import { readHealthCardFile } from '../../electron/core/exchange/health-cards/read-health-card.js';
import {
  storeHealthCard,
  vaultKeyCache,
} from '../../electron/core/exchange/health-cards/store-health-card.js';
import { healthCards } from '../../electron/core/vault/health-cards.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { recordStats, timelinePage } from '../../electron/core/vault/timeline.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import {
  SHC,
  SPEC_ISSUER_NAME,
  signCard,
  specDirectoryText,
  specPayload,
  specPrivateKeys,
  startIssuer,
  type TestIssuer,
} from '../../testkit/health-card-issuer.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

/**
 * Health cards into a real encrypted vault, verified against issuers that are real HTTP servers
 * on 127.0.0.1 serving the spec's example issuer keys: one that answers, one that never does,
 * one that sends its callers to another origin.
 */

const EXAMPLES = `${SHC}spec-examples/`;
const known = (iss: string, name = 'Loopback Test Issuer') =>
  directoryWith(JSON.stringify({ participating_issuers: [{ iss, name }] }), 'a test directory');
const key = () => specPrivateKeys()[0]!;
/** A spec example's payload, issued by the test issuer now, with the example's rid. */
const cardFrom = async (issuer: TestIssuer, example: '00' | '03' = '00') =>
  Buffer.from(
    await signCard(
      specPayload(example, { iss: issuer.iss, nbf: Math.floor(Date.now() / 1000) - 60, exp: undefined }),
      key(),
    ),
  );

describe('SMART Health Cards in the vault', () => {
  let vault: VaultFile;
  let person: number;
  let issuer: TestIssuer;

  beforeAll(async () => {
    vault = new VaultFile(join(tempDir(), 'vault.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    person = addPerson(vault.db, { name: 'Johnny', relationship: 'self' }).id;
    issuer = await startIssuer();
  });
  afterAll(async () => {
    await issuer.close();
    vault.lock();
  });

  it('stores a verified card’s records under a source of its own, and the timeline says who issued it', async () => {
    const directory = directoryWith(specDirectoryText(), 'a test directory');
    const { cards } = await readHealthCardFile(
      readFileSync(`${EXAMPLES}example-00-e-file.smart-health-card`),
      { directory },
    );
    const stored = storeHealthCard(vault.db, person, cards[0]!);
    expect(stored).toMatchObject({ added: 4, alreadyStored: false });
    expect(recordStats(vault.db, person).byType).toEqual({ Immunization: 3, Patient: 1 });
    const { entries } = timelinePage(vault.db, { personId: person, limit: 10 });
    expect(entries.map((e) => e.resourceType)).toEqual(['Immunization', 'Immunization', 'Immunization']);
    for (const e of entries) {
      expect(e.source.label).toBe(`Health card from ${SPEC_ISSUER_NAME}, Jun 22, 2023`);
      expect(e.healthCard).toEqual({
        status: 'verified',
        issuer: SPEC_ISSUER_NAME,
        reason: expect.stringMatching(/^Signed by/),
      });
    }
    // The same card again adds nothing; the card is kept once, with its JWS.
    expect(storeHealthCard(vault.db, person, cards[0]!)).toMatchObject({
      added: 0,
      unchanged: 4,
      alreadyStored: true,
    });
    expect(healthCards(vault.db, person)).toEqual([
      expect.objectContaining({ status: 'verified', connectionId: stored.connectionId }),
    ]);
  });

  it('keeps a forged card readable but never verified, and says why on each of its records', async () => {
    const other = JSON.parse(readFileSync(`${SHC}validation-sdk-testdata/private_key.json`, 'utf8')) as {
      keys: Parameters<typeof signCard>[1][];
    };
    const forged = await signCard(specPayload('00', { nbf: 1700000000 }), other.keys[0]!, { kid: key().kid });
    const directory = directoryWith(specDirectoryText(), 'a test directory');
    const { cards } = await readHealthCardFile(Buffer.from(forged), { directory });
    const stored = storeHealthCard(vault.db, person, cards[0]!);
    expect(stored.added).toBe(4);
    const { entries } = timelinePage(vault.db, {
      personId: person,
      limit: 10,
      connectionIds: [stored.connectionId],
    });
    expect(entries).toHaveLength(3);
    for (const e of entries)
      expect(e.healthCard).toMatchObject({
        status: 'invalid',
        reason: expect.stringMatching(/signature does not match/),
      });
  });

  it('fetches an issuer’s keys over loopback http, keeps them in the vault, and verifies offline with them later', async () => {
    const options = { directory: known(issuer.iss), online: true, keyCache: vaultKeyCache(vault.db) };
    const { cards } = await readHealthCardFile(await cardFrom(issuer), options);
    expect(cards[0]!.verification).toMatchObject({ status: 'verified', issuer: 'Loopback Test Issuer' });
    expect(issuer.requests).toContain('GET /issuer/.well-known/jwks.json');
    const asked = issuer.requests.length;
    const again = await readHealthCardFile(await cardFrom(issuer), { ...options, online: false });
    expect(again.cards[0]!.verification.status).toBe('verified');
    expect(issuer.requests.length).toBe(asked);
    // Without the vault's copy and offline, the same card cannot be checked.
    const bare = await readHealthCardFile(await cardFrom(issuer), { directory: known(issuer.iss) });
    expect(bare.cards[0]!.verification).toMatchObject({
      status: 'invalid',
      reason: expect.stringMatching(/does not publish/),
    });
  });

  it('asks an issuer once for its keys and revocation list however many of its cards one import holds', async () => {
    const fresh = await startIssuer();
    try {
      const cards = await Promise.all([0, 1, 2].map(() => cardFrom(fresh, '03')));
      const { cards: read } = await readHealthCardFile(Buffer.from(cards.join('\n')), {
        directory: known(fresh.iss),
        online: true,
      });
      expect(read.map((c) => c.verification.status)).toEqual(['verified', 'verified', 'verified']);
      expect(fresh.requests).toEqual([
        'GET /issuer/.well-known/jwks.json',
        'GET /issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json',
      ]);
    } finally {
      await fresh.close();
    }
  });

  it('says revoked when the issuer’s published list names the card', async () => {
    const options = { directory: known(issuer.iss), online: true };
    // Example 03's rid is on the list for cards issued before June 2023; re-dated, it is not.
    const old = Buffer.from(await signCard(specPayload('03', { iss: issuer.iss, exp: undefined }), key()));
    expect((await readHealthCardFile(old, options)).cards[0]!.verification).toMatchObject({
      status: 'revoked',
      reason: 'Loopback Test Issuer has revoked this card.',
    });
    expect(
      (await readHealthCardFile(await cardFrom(issuer, '03'), options)).cards[0]!.verification.status,
    ).toBe('verified');
    expect(issuer.requests.some((r) => r.startsWith('GET /issuer/.well-known/crl/3Kfdg'))).toBe(true);
  });

  it('checks the SDK’s badly made revocation lists for what they say, and ignores one of another method', async () => {
    const BADCRL = `${SHC}validation-sdk-testdata/badcrl/`;
    const badKey = JSON.parse(readFileSync(`${BADCRL}private.json`, 'utf8')) as Parameters<
      typeof signCard
    >[1];
    for (const [name, rid, expected] of [
      ['duplicate-rid', 'XkNHp2Iyk0Y', 'revoked'],
      ['invalid-method', 'FKDIxsTCGlU', 'verified'],
      ['non-base64url-rid', 'abcde', 'verified'],
      ['too-long-rid', 'TqB_qu_6OtM', 'revoked'],
      // The key says version 1 and the list 2: the list is newer, and it is what the issuer says now.
      ['version-mismatch', 'FKDIxsTCGlU', 'revoked'],
    ] as const) {
      const caseIssuer = await startIssuer('plain', `${BADCRL}${name}`);
      try {
        const jws = readFileSync(`${BADCRL}${name}/jws-crl-${name}.txt`, 'utf8').trim();
        const { inflateRawSync } = await import('node:zlib');
        const payload = JSON.parse(
          inflateRawSync(Buffer.from(jws.split('.')[1]!, 'base64url')).toString(),
        ) as {
          vc: Record<string, unknown>;
        };
        const card = await signCard({ ...payload, iss: caseIssuer.iss, vc: { ...payload.vc, rid } }, badKey);
        const { cards } = await readHealthCardFile(Buffer.from(card), {
          directory: known(caseIssuer.iss),
          online: true,
        });
        expect([name, cards[0]!.verification.status]).toEqual([name, expected]);
      } finally {
        await caseIssuer.close();
      }
    }
  });

  it('uses only keys the standard allows: P-256, for signing, named by their thumbprint; and says so of a key set that is not one', async () => {
    const jose = await import('jose');
    const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
    const pub = await jose.exportJWK(publicKey);
    const kid = await jose.calculateJwkThumbprint(pub);
    const signer = { ...(await jose.exportJWK(privateKey)), kid };
    const own = await startIssuer();
    try {
      const card = Buffer.from(
        await signCard(specPayload('00', { iss: own.iss, nbf: Math.floor(Date.now() / 1000) - 60 }), signer),
      );
      const check = async (published: unknown) => {
        own.keys = published;
        const { cards } = await readHealthCardFile(card, { directory: known(own.iss), online: true });
        return `${cards[0]!.verification.status}: ${cards[0]!.verification.reason}`;
      };
      expect(await check({ keys: [{ ...pub, kid, use: 'sig', alg: 'ES256' }] })).toMatch(/^verified/);
      // The SDK's wrong keys, made with this key: for encryption, another algorithm, a made-up name.
      const refused = /^invalid: It was signed with a key Loopback Test Issuer does not publish/;
      expect(await check({ keys: [{ ...pub, kid, use: 'enc' }] })).toMatch(refused);
      expect(await check({ keys: [{ ...pub, kid, alg: 'ES256K' }] })).toMatch(refused);
      const misnamed = Buffer.from(
        await signCard(specPayload('00', { iss: own.iss, nbf: 1_700_000_000 }), {
          ...signer,
          kid: 'ThisIsNotTheThumbprintOfTheKey',
        }),
      );
      own.keys = { keys: [{ ...pub, kid: 'ThisIsNotTheThumbprintOfTheKey' }] };
      const { cards } = await readHealthCardFile(misnamed, { directory: known(own.iss), online: true });
      expect(cards[0]!.verification.status).toBe('invalid');
      // The SDK's badjwks: not a key set at all.
      own.keys = readFileSync(`${SHC}validation-sdk-testdata/badjwks/.well-known/jwks.json`, 'utf8');
      expect(await check(own.keys)).toMatch(/^unknown-issuer: .*keys could not be fetched/);
    } finally {
      await own.close();
    }
  });

  it('marks a card of an issuer it does not know, even when the signature matches that address’s keys', async () => {
    const { cards } = await readHealthCardFile(await cardFrom(issuer), {
      directory: known('https://elsewhere.example'),
      online: true,
    });
    expect(cards[0]!.verification).toMatchObject({
      status: 'unknown-issuer',
      reason: expect.stringMatching(
        /^It is signed by an issuer we do not know \(127\.0\.0\.1:\d+\/issuer\); its signature matches/,
      ),
    });
  });

  it('stops waiting for an issuer that does not answer, and still reads the card', async () => {
    const slow = await startIssuer('slow');
    try {
      const { cards } = await readHealthCardFile(await cardFrom(slow), {
        directory: known('https://elsewhere.example'),
        online: true,
        limits: { timeoutMs: 300 },
      });
      expect(cards[0]!.verification).toMatchObject({
        status: 'unknown-issuer',
        reason: expect.stringMatching(/keys could not be fetched/),
      });
      expect(cards[0]!.bundle.entry).toHaveLength(4);
      expect(slow.requests).toEqual(['GET /issuer/.well-known/jwks.json']);
    } finally {
      await slow.close();
    }
  });

  it('never follows an issuer’s redirect to another origin, and follows one within its own', async () => {
    const moving = await startIssuer('redirect-elsewhere');
    const target = await startIssuer();
    moving.elsewhere = new URL(target.iss).origin;
    try {
      const { cards } = await readHealthCardFile(await cardFrom(moving), {
        directory: known(moving.iss),
        online: true,
      });
      expect(cards[0]!.verification).toMatchObject({
        status: 'unknown-issuer',
        reason: expect.stringMatching(/keys could not be fetched/),
      });
      expect(target.requests).toEqual([]);
      moving.behaviour = 'redirect-here';
      const within = await readHealthCardFile(await cardFrom(moving), {
        directory: known(moving.iss),
        online: true,
      });
      expect(within.cards[0]!.verification.status).toBe('verified');
      expect(moving.requests).toContain('GET /moved/issuer/.well-known/jwks.json');
    } finally {
      await moving.close();
      await target.close();
    }
  });
});
