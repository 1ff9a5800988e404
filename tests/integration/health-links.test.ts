import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { importFile } from '../../electron/core/exchange/import-files.js';
import { readHealthLink } from '../../electron/core/exchange/health-links/link-payload.js';
import {
  openHealthLink,
  type OpenLinkOptions,
} from '../../electron/core/exchange/health-links/open-health-link.js';
import { listConnectionDetails } from '../../electron/core/vault/connections.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { recordStats } from '../../electron/core/vault/timeline.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { SHC } from '../../testkit/health-card-issuer.js';
import { startShlServer, type ShlServer } from '../support/shl-server.js';
import { FAST_SCRYPT, fixtures, GEOFFREY, tempDir } from '../support/temp-dir.js';

/**
 * SMART Health Links opened against a real sharing server on 127.0.0.1 (tests/support/shl-server.ts)
 * into a real encrypted vault. The files shared are public ones: the validation SDK's example
 * links (health cards encrypted with the links' published keys), the IPS example and a Synthea
 * patient. Every refusal is checked to leave the vault exactly as it was.
 */

const SDK = `${SHC}validation-sdk-testdata/`;
type SdkExample = { link: string; passcode: string; payload: { key: string }; jweFiles: string[] };
const sdkExample = (id: string) =>
  JSON.parse(readFileSync(`${SDK}shl-examples/${id}.json`, 'utf8')) as SdkExample;
/** Two health cards, encrypted by the SDK with its link's key (a P link, passcode 1234). */
const P_EXAMPLE = sdkExample('ERn18l4lL3_5yPXMSzx3ZejyMM_XIeWeseXa3DXsJD0');
/** One health card, a U link's file. */
const U_EXAMPLE = sdkExample('jvb42XYZTjY2BTZ2mcL6nozbTFT8Vs5G2_I-_IuxCZo');
const IPS = readFileSync(`${fixtures}fhir/ips/bundle-minimal.json`);
const CARD = 'application/smart-health-card';
const FHIR = 'application/fhir+json';

const kindOf = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
  } catch (error) {
    if (isVaultError(error)) return `${error.kind}: ${error.message}`;
    throw error;
  }
  return 'no error';
};

describe('SMART Health Links, received', () => {
  let vault: VaultFile;
  let person: number;
  let server: ShlServer;
  const open = (text: string, options: Partial<OpenLinkOptions> = {}) =>
    openHealthLink(vault.db, text, { personId: person, offline: true, ...options });
  const stored = () => recordStats(vault.db, person).total;

  beforeAll(async () => {
    vault = new VaultFile(join(tempDir(), 'vault.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    person = addPerson(vault.db, { name: 'Johnny', relationship: 'self' }).id;
    server = await startShlServer();
  });
  afterAll(async () => {
    await server.close();
    vault.lock();
  });
  beforeEach(() => {
    server.behaviour = 'plain';
    server.requests.length = 0;
    server.manifestBodies.length = 0;
  });

  it('reads the link forms a person is handed: shlink:/ alone and after a viewer’s address', () => {
    const direct = readHealthLink(readFileSync(`${SDK}shlink-link.txt`, 'utf8'));
    const viewer = readHealthLink(readFileSync(`${SDK}shlink-link-with-viewer.txt`, 'utf8'));
    expect(viewer).toEqual(direct);
    expect(direct.url.href).toBe('http://localhost:8090/ERn18l4lL3_5yPXMSzx3ZejyMM_XIeWeseXa3DXsJD0');
    expect([...direct.flags]).toEqual(['P']);
    expect(direct.label).toBe('Sample Set 1');
    expect(direct.expiresAt?.toISOString()).toBe('2024-01-01T08:00:00.000Z');
    const u = readHealthLink(readFileSync(`${SDK}shlink-link-direct.txt`, 'utf8'));
    expect([...u.flags]).toEqual(['U']);
    for (const bad of [
      'shlink:/',
      'shlink:/not base64',
      `shlink:/${Buffer.from('{"url":"http://127.0.0.1/x"}').toString('base64url')}`,
      `shlink:/${Buffer.from(JSON.stringify({ url: 'http://example.org/m', key: 'a'.repeat(43) })).toString('base64url')}`,
      `see ${readFileSync(`${SDK}shlink-link.txt`, 'utf8')}`,
    ])
      expect(() => readHealthLink(bad), bad).toThrow(/health link|secure \(https\)/);
  });

  it('says a link has expired before asking its server anything (the SDK’s example links ended in 2024)', async () => {
    expect(await kindOf(open(P_EXAMPLE.link, { passcode: '1234' }))).toMatch(
      /^link-expired: “Sample Set 1” stopped working on Jan 1, 2024\. This health link has expired/,
    );
    const { link } = await server.share([{ contentType: FHIR, content: IPS }], {
      exp: Math.floor(Date.now() / 1000) - 60,
    });
    expect(await kindOf(open(link))).toMatch(/^link-expired/);
    expect(server.requests).toEqual([]);
    expect(stored()).toBe(0);
  });

  it('imports a pasted link’s health cards (encrypted by the SDK) and FHIR bundle, embedded and from their location', async () => {
    const { link } = await server.share(
      [
        { contentType: CARD, jwe: P_EXAMPLE.jweFiles[0]! },
        { contentType: CARD, jwe: P_EXAMPLE.jweFiles[1]! },
        { contentType: FHIR, content: readFileSync(GEOFFREY) },
      ],
      { key: P_EXAMPLE.payload.key, label: 'From Dr. Lee' },
    );
    const opened = await open(link, { recipient: 'Johnny’s vault' });
    expect(opened!.label).toBe('From Dr. Lee');
    expect(opened!.files.map((f) => [f.format, f.verification?.status ?? null, f.added > 0])).toEqual([
      ['smart-health-card', 'unknown-issuer', true],
      ['smart-health-card', 'unknown-issuer', true],
      ['fhir', null, true],
    ]);
    expect(server.manifestBodies).toEqual([{ recipient: 'Johnny’s vault', embeddedLengthMax: 100_000 }]);
    // The cards came inside the manifest; the bundle (larger) from its own one-time address.
    expect(server.requests.filter((r) => r.startsWith('GET /file/'))).toHaveLength(1);
    const sources = listConnectionDetails(vault.db, person).map((c) => c.label);
    expect(sources).toContain('Health link: From Dr. Lee');
    expect(sources.some((s) => s.startsWith('Health card from'))).toBe(true);
    // The same link's files again add nothing.
    const before = stored();
    const again = await open(
      (
        await server.share([{ contentType: FHIR, content: readFileSync(GEOFFREY) }], {
          label: 'From Dr. Lee',
        })
      ).link,
    );
    expect(again!.files[0]!.added).toBe(0);
    expect(stored()).toBe(before);
  });

  it('opens a link given after a viewer’s address, and a U link’s one file fetched directly', async () => {
    const viewer = await server.share([{ contentType: FHIR, content: IPS }], {
      viewer: 'https://viewer.example.org/',
    });
    expect(viewer.link).toMatch(/^https:\/\/viewer\.example\.org\/#shlink:\//);
    expect((await open(viewer.link))!.files[0]!.format).toBe('ips');

    server.requests.length = 0;
    const u = await server.share([{ contentType: CARD, jwe: U_EXAMPLE.jweFiles[0]! }], {
      key: U_EXAMPLE.payload.key,
      flag: 'U',
    });
    const opened = await open(u.link, { recipient: 'Johnny' });
    expect(opened!.files.map((f) => f.format)).toEqual(['smart-health-card']);
    expect(server.requests).toEqual([`GET /shl/${u.id}`]);
  });

  it('asks for the passcode a P link needs, says how many attempts are left, and stops when none are', async () => {
    const { link } = await server.share([{ contentType: FHIR, content: IPS }], {
      passcode: 'rosebud',
      attempts: 3,
    });
    expect(await kindOf(open(link))).toMatch(/^link-passcode-needed/);
    expect(server.requests).toEqual([]);
    expect(await kindOf(open(link, { passcode: 'wrong' }))).toBe(
      'link-wrong-passcode: 2 attempts are left before the link stops working. That passcode is not right, so nothing was opened. Check it with whoever shared the link and try again.',
    );
    expect(server.manifestBodies[0]).toMatchObject({ passcode: 'wrong' });
    expect(await kindOf(open(link, { passcode: 'wronger' }))).toMatch(
      /^link-wrong-passcode: 1 attempt is left/,
    );
    expect(stored()).toBeGreaterThan(0);
    const before = stored();
    expect((await open(link, { passcode: 'rosebud' }))!.files[0]!.format).toBe('ips');

    const other = await server.share([{ contentType: FHIR, content: IPS }], {
      passcode: 'rosebud',
      attempts: 1,
    });
    expect(await kindOf(open(other.link, { passcode: 'nope' }))).toMatch(
      /^link-unavailable: No passcode attempts are left/,
    );
    expect(await kindOf(open(other.link, { passcode: 'rosebud' }))).toMatch(/^link-unavailable/);
    expect(stored()).toBe(before);
  });

  it('says a withdrawn or used-up link is no longer available, and a refusing server refused', async () => {
    const { link, id } = await server.share([{ contentType: FHIR, content: IPS }]);
    server.withdraw(id);
    expect(await kindOf(open(link))).toMatch(/^link-unavailable: This health link is no longer available/);
  });

  describe('a server that misbehaves is refused safely, nothing stored', () => {
    let before = 0;
    let link = '';
    beforeAll(async () => {
      link = (
        await server.share([{ contentType: FHIR, content: readFileSync(GEOFFREY) }], { label: 'Misbehaving' })
      ).link;
    });
    beforeEach(() => {
      before = stored();
    });
    const refused = async (pattern: RegExp, options: Partial<OpenLinkOptions> = {}, text = link) => {
      expect(await kindOf(open(text, options))).toMatch(pattern);
      expect(stored()).toBe(before);
      expect(listConnectionDetails(vault.db, person).map((c) => c.label)).not.toContain(
        'Health link: Misbehaving',
      );
    };

    it('one that answers with something else than a manifest', async () => {
      server.behaviour = 'garbage';
      await refused(/^link-bad-answer: 127\.0\.0\.1:\d+ did not answer with a list of files/);
    });
    it('one whose answer never ends', async () => {
      server.behaviour = 'endless';
      await refused(/^link-bad-answer: 127\.0\.0\.1:\d+ sent far more than a health link holds/, {
        limits: { maxAnswerBytes: 2 * 1024 * 1024 },
      });
    });
    it('one that lists a file and then will not hand it over', async () => {
      server.behaviour = 'files-forbidden';
      await refused(/^link-refused: 127\.0\.0\.1:\d+ would not hand over a file of the link/);
    });
    it('one that lists more files than any link holds', async () => {
      server.behaviour = 'too-many-files';
      await refused(/^link-bad-answer: .* listed more than 100 files/);
    });
    it('one that does not answer, within the time limit', async () => {
      server.behaviour = 'slow';
      const started = Date.now();
      await refused(/^server-timeout: 127\.0\.0\.1:\d+ did not answer in time/, {
        limits: { timeoutMs: 400 },
      });
      expect(Date.now() - started).toBeLessThan(5000);
    });
    it('one that sends the request to another origin (and one within its own is followed)', async () => {
      server.behaviour = 'redirect-elsewhere';
      await refused(
        /^link-refused: 127\.0\.0\.1:\d+ sent PHR Vault on to 127\.0\.0\.2:9, which PHR Vault does not follow/,
      );
      expect(server.requests).toHaveLength(1);
      server.behaviour = 'redirect-here';
      const moved = await server.share([{ contentType: FHIR, content: IPS }]);
      expect((await open(moved.link))!.files[0]!.format).toBe('ips');
    });
    it('a file that unpacks to far more than a link holds', async () => {
      const bomb = await server.share([
        { contentType: FHIR, content: IPS },
        // 33 MB of spaces, a few tens of kilobytes deflated.
        { contentType: FHIR, content: Buffer.alloc(33 * 1024 * 1024, 0x20), zip: true },
      ]);
      await refused(/^link-bad-answer: The link’s files unpack to more than 32 MB/, {}, bomb.link);
      // Files each within bounds, together not.
      const many = await server.share([
        { contentType: FHIR, content: readFileSync(GEOFFREY) },
        { contentType: FHIR, content: readFileSync(GEOFFREY) },
      ]);
      const size = readFileSync(GEOFFREY).length;
      await refused(
        /^link-bad-answer: The link’s files unpack to more than/,
        { limits: { maxDecryptedBytes: size * 1.5 } },
        many.link,
      );
    });
    it('a file encrypted with another key, or that is not FHIR, spoils the whole link', async () => {
      const foreign = await server.share([
        { contentType: FHIR, content: IPS },
        { contentType: CARD, jwe: U_EXAMPLE.jweFiles[0]! },
      ]);
      await refused(
        /^link-bad-answer: A file of the link does not open with the link’s key/,
        {},
        foreign.link,
      );
      const notFhir = await server.share([
        { contentType: FHIR, content: IPS },
        { contentType: FHIR, content: 'this is not JSON' },
      ]);
      await refused(/^link-bad-answer: A FHIR file the link shares could not be read/, {}, notFhir.link);
    });
  });

  it('finds a link in a QR code picture through the file import (the SDK’s, expired)', async () => {
    const qr = { name: 'shlink-qr.png', bytes: readFileSync(`${SDK}shlink-qr.png`) };
    expect(await kindOf(importFile(vault.db, qr, { personId: person, link: { passcode: '1234' } }))).toMatch(
      /^link-expired: “Sample Set 1” stopped working on Jan 1, 2024/,
    );
  });

  it('opens a link whose QR code is printed on a PDF’s page, as a clinic’s letter has it', async () => {
    const { link } = await server.share([{ contentType: FHIR, content: IPS }], { label: 'Letter' });
    const qr = await QRCode.toBuffer(link, { errorCorrectionLevel: 'M', margin: 4, scale: 4 });
    const doc = new PDFDocument();
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => doc.on('end', resolve));
    doc.text('Scan to see your summary').image(qr, 100, 150, { width: 250 });
    doc.end();
    await ended;
    const imported = await importFile(
      vault.db,
      { name: 'letter.pdf', bytes: Buffer.concat(chunks) },
      { personId: person },
    );
    expect(imported).toMatchObject({ format: 'smart-health-link', file: 'letter.pdf' });
    expect(imported!.about).toMatch(/^SMART Health Link “Letter”, 1 file: FHIR document R4 file/);
  });

  it('imports a text file holding a link through the one file import, format smart-health-link', async () => {
    const { link } = await server.share([{ contentType: FHIR, content: IPS }], {
      passcode: '2468',
      label: 'Summary',
    });
    const file = { name: 'link.txt', bytes: Buffer.from(`${link}\n`) };
    expect(await kindOf(importFile(vault.db, file, { personId: person }))).toMatch(
      /^link-passcode-needed: link\.txt holds a health link with a passcode: paste the link under “Paste a health link”/,
    );
    const imported = await importFile(vault.db, file, { personId: person, link: { passcode: '2468' } });
    expect(imported).toMatchObject({ format: 'smart-health-link', file: 'link.txt' });
    expect(imported!.about).toMatch(
      /^SMART Health Link “Summary”, 1 file: FHIR document R4 file, \d+ records$/,
    );
    expect(imported!.linkFiles).toHaveLength(1);
  });
});
