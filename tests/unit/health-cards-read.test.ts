import { readdirSync, readFileSync } from 'node:fs';
import { crc32, createDeflateRaw } from 'node:zlib';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { directoryWith } from '../../electron/core/exchange/health-cards/issuer-directory.js';
import {
  readHealthCardFile,
  readHealthCardFiles,
  type ReadHealthCardOptions,
} from '../../electron/core/exchange/health-cards/read-health-card.js';
import { isVaultError } from '../../electron/core/errors.js';
import {
  SHC,
  SPEC_ISSUER_NAME,
  signCard,
  specDirectoryText,
  specPayload,
  specPrivateKeys,
} from '../../testkit/health-card-issuer.js';

/**
 * Every public test card of the SMART Health Cards standard and its validation SDK, read offline
 * with the spec's example issuer as a known issuer (as the SDK's own tests do with its
 * test-issuers.json): each is verified, flagged for the right reason, or refused saying why.
 */

const offline: ReadHealthCardOptions = { directory: directoryWith(specDirectoryText(), 'a test directory') };
const SDK = `${SHC}validation-sdk-testdata/`;
const EXAMPLES = `${SHC}spec-examples/`;

async function answer(path: string, options = offline): Promise<string[]> {
  try {
    const { cards } = await readHealthCardFile(readFileSync(path), options);
    return cards.map((c) => `${c.verification.status}: ${c.verification.reason}`);
  } catch (error) {
    if (!isVaultError(error, 'bad-input')) throw error;
    return [`refused: ${error.detail ?? ''}`];
  }
}

const VERIFIED = /^verified: Signed by SMART Health Card specification example issuer/;
const NO_MATCH = /^invalid: The signature does not match/;

describe('reading SMART Health Cards in every form', () => {
  it('verifies the spec examples 00–02 as a file, a JWS, and QR text (one code and three)', async () => {
    for (const n of ['00', '01', '02']) {
      expect(await answer(`${EXAMPLES}example-${n}-e-file.smart-health-card`)).toEqual([
        expect.stringMatching(VERIFIED),
      ]);
      expect(await answer(`${EXAMPLES}example-${n}-d-jws.txt`)).toEqual([expect.stringMatching(VERIFIED)]);
    }
    for (const n of ['00', '01', '03']) {
      const { form, cards } = await readHealthCardFile(
        readFileSync(`${EXAMPLES}example-${n}-f-qr-code-numeric-value-0.txt`),
        offline,
      );
      expect(form).toBe('qr-text');
      expect(cards).toHaveLength(1);
    }
    const parts = [0, 1, 2].map((i) =>
      readFileSync(`${EXAMPLES}example-02-f-qr-code-numeric-value-${i}.txt`),
    );
    // In any order: the card is reported with the file that holds its first part.
    const files = await readHealthCardFiles([parts[2]!, parts[0]!, parts[1]!], offline);
    expect(files.map((f) => f.cards.length)).toEqual([0, 1, 0]);
    expect(files[1]!.cards[0]!.verification).toMatchObject({ status: 'verified', issuer: SPEC_ISSUER_NAME });
    expect(files[1]!.cards[0]!.bundle.entry).toHaveLength(55);
    const whole = JSON.parse(readFileSync(`${EXAMPLES}example-02-a-fhirBundle.json`, 'utf8')) as unknown;
    expect(files[1]!.cards[0]!.bundle).toEqual(whole);
  });

  it('says example 03 is revoked where its issuer’s revocation list is known, and expired otherwise', async () => {
    const card = `${EXAMPLES}example-03-e-file.smart-health-card`;
    expect(await answer(card)).toEqual(['invalid: This card expired on June 21, 2024.']);
    const withList = {
      directory: directoryWith(specDirectoryText({ withRevocations: true }), 'a test directory'),
    };
    expect(await answer(card, withList)).toEqual([`revoked: ${SPEC_ISSUER_NAME} has revoked this card.`]);
    // Revocation is by rid: example 00 has another, not listed.
    expect(await answer(`${EXAMPLES}example-00-e-file.smart-health-card`, withList)).toEqual([
      expect.stringMatching(VERIFIED),
    ]);
  });

  it('reads a card from a picture of its QR code (PNG, JPEG, a small scaled scan)', async () => {
    for (const f of [
      'test-example-00-g-qr-code-0-single_qr_segment.png',
      'test-example-00-g-qr-code-inflated-to-v22.png',
      'test-example-00-g-qr-code-0-bad_qr_version.png',
      'test-example-00-g-qr-code-0-scaled-23.jpg',
    ]) {
      const { form, cards } = await readHealthCardFile(readFileSync(`${SDK}${f}`), offline);
      expect([f, form, cards[0]!.verification.status]).toEqual([f, 'qr-picture', 'verified']);
    }
    const pair = ['0', '1'].map((i) =>
      readFileSync(`${SDK}test-example-00-g-qr-code-${i}-qr_chunk_too_small.png`),
    );
    const [first] = await readHealthCardFiles(pair, offline);
    expect(first!.cards[0]!.verification.status).toBe('verified');
  });

  it('reads a card from a picture on a PDF’s page, and says so when a PDF shows none', async () => {
    const qr = readFileSync(`${SDK}test-example-00-g-qr-code-0-single_qr_segment.png`);
    const withCard = await pdfOf((doc) => {
      doc.text('Your COVID-19 vaccination record');
      doc.addPage().text('Scan to verify').image(qr, 100, 150, { width: 250 });
    });
    const { form, cards } = await readHealthCardFile(withCard, offline);
    expect([form, cards.length, cards[0]!.verification.status]).toEqual(['pdf', 1, 'verified']);
    const without = await pdfOf((doc) => doc.text('A letter from the clinic'));
    expect(await answer2Bytes(without)).toBe(
      'refused: This file is a PDF with no health card QR code on its pages that could be read.',
    );
  });

  it('gives every bad case of the validation SDK its answer', async () => {
    const cases: [string, RegExp][] = [
      ['test-example-00-d-jws-invalid-signature.txt', NO_MATCH],
      ['test-example-00-d-jws-der-signature.txt', NO_MATCH],
      ['test-example-00-d-jws-der-signature-r-neg.txt', NO_MATCH],
      ['test-example-00-d-jws-der-signature-s-neg.txt', NO_MATCH],
      ['test-example-00-d-jws-der-signature-rs-neg.txt', NO_MATCH],
      [
        'test-example-00-d-jws-issuer-kid-mismatch.txt',
        /^invalid: It was signed with a key SMART .* does not publish/,
      ],
      [
        'test-example-00-d-jws-wrong_jws_header_kid.txt',
        /^invalid: It was signed with a key SMART .* does not publish/,
      ],
      ['test-example-00-d-jws-no_jws_header_kid.txt', /^invalid: This card does not say which key signed it/],
      [
        'test-example-00-d-jws-no_jws_header_alg.txt',
        /^invalid: This card is not signed the way health cards are \(ES256\)/,
      ],
      ['test-example-00-d-jws-no_jws_header_zip.txt', /^invalid: This card does not say it is compressed/],
      [
        'test-example-00-d-jws-bad-fhir-metadata.txt',
        /^invalid: This card holds records with details \(meta\)/,
      ],
      ['test-example-00-d-jws-jws_too_long.txt', /^invalid: This card does not say when it was issued/],
      [
        'test-example-00-e-file-jws_too_long.smart-health-card',
        /^invalid: This card does not say when it was issued/,
      ],
      [
        'test-example-00-d-jws-issuer-not-valid-with-smart-key.txt',
        /^unknown-issuer: It is signed by an issuer we do not know \(foo\.smarthealth\.cards/,
      ],
      ['test-example-00-e-file-invalid_issuer_url.smart-health-card', /^unknown-issuer: .*issuerinvalid_url/],
      ['test-example-00-e-file-bad_jwks.smart-health-card', /^unknown-issuer: /],
      [
        'test-example-00-e-file-invalid_issuer_url_http.smart-health-card',
        /^invalid: .*not secure \(https\)/,
      ],
      [
        'test-example-00-e-file-issuer_url_with_trailing_slash.smart-health-card',
        /^invalid: .*trailing “\/”/,
      ],
      ['test-example-00-d-jws-no_deflate.txt', /^refused: This health card could not be unpacked/],
      [
        'test-example-00-e-file-no_deflate.smart-health-card',
        /^refused: This health card could not be unpacked/,
      ],
      [
        'test-example-00-e-file-invalid_deflate.smart-health-card',
        /^refused: This health card could not be unpacked/,
      ],
      [
        'test-example-00-d-jws-utf8_bom_prefix.txt',
        /^refused: This health card has contents that are not readable JSON/,
      ],
      ['test-invalid-jws-payload.png', /^refused: This health card has contents that are not a JSON object/],
      [
        'test-example-00-f-qr-code-numeric-value-0-index-out-of-range.txt',
        /^refused: Its QR code says it is part 3 of 2/,
      ],
      [
        'test-example-00-f-qr-code-numeric-value-0-number-too-big.txt',
        /^refused: Its QR code holds the pair 78/,
      ],
      [
        'test-example-00-f-qr-code-numeric-value-0-odd-count.txt',
        /^refused: Its QR code has an odd number of digits/,
      ],
      [
        'test-example-00-f-qr-code-numeric-value-0-wrong-multi-chunk.txt',
        /^refused: Its QR code says it is part of one/,
      ],
      [
        'test-example-00-f-qr-code-numeric-value-0-wrong_qr_header.txt',
        /^refused: Its QR code does not start with shc:\//,
      ],
      [
        'test-example-00-f-qr-code-numeric-value-0-qr_chunk_too_small.txt',
        /^refused: .*split into 17 codes, and parts 2, 3, .* are missing/,
      ],
      [
        'test-example-02-f-qr-code-numeric-value-1-qr_chunk_too_big.txt',
        /^refused: .*split into 2 codes, and part 1 is missing/,
      ],
      [
        'test-example-00-g-qr-code-0-too_many_qr_segment.png',
        /^refused: Its QR code holds something other than digits/,
      ],
      [
        'test-example-00-g-qr-code-0-corrupted.png',
        /^refused: This file shows no QR code that could be read/,
      ],
      ['shlink-qr.png', /^refused: This file holds a SMART Health Link/],
      ['shlink-link.txt', /^refused: This file holds a SMART Health Link/],
      [
        'test-example-00-a-fhirBundle-bad_meta_extra_key.json',
        /^refused: This file is not a SMART Health Card/,
      ],
      [
        'test-example-00-b-jws-payload-expanded-expired.json',
        /^refused: This file is not a SMART Health Card/,
      ],
      // Readable after all: spacing around the text, another file name, the largest single code.
      ['test-example-00-d-jws-trailing_chars.txt', VERIFIED],
      ['test-example-00-e-file-trailing_chars.smart-health-card', VERIFIED],
      ['test-example-00-f-qr-code-numeric-value-0-trailing_chars.txt', VERIFIED],
      ['test-example-00-e-file.wrong-extension', VERIFIED],
      ['test-example-1195-byte-qrnumeric.txt', VERIFIED],
    ];
    const answers = await Promise.all(
      cases.map(async ([file]) => [file, ...(await answer(`${SDK}${file}`))]),
    );
    expect(answers).toEqual(cases.map(([file, expected]) => [file, expect.stringMatching(expected)]));
    // Several cards in one file each get their own answer; the FHIR $health-cards-issue answer too.
    expect(await answer(`${SDK}test-example-00-e-file-multi-jws-issues.smart-health-card`)).toEqual([
      expect.stringMatching(/^invalid: This card is not signed the way health cards are/),
      expect.stringMatching(VERIFIED),
    ]);
    expect(await answer(`${SDK}test-example-00-e-file-multi-jws.smart-health-card`)).toEqual([
      expect.stringMatching(VERIFIED),
      expect.stringMatching(VERIFIED),
    ]);
    expect(await answer(`${SDK}test-example-00-fhirhealthcard-multi-jws.json`)).toEqual([
      expect.stringMatching(VERIFIED),
      expect.stringMatching(VERIFIED),
    ]);
    expect(await answer(`${SDK}test-example-00-fhirhealthcard-with-resource-link.json`)).toHaveLength(2);
  });

  it('makes whole a card the SDK split into too many or too large QR codes, given all of them', async () => {
    for (const [pattern, records] of [
      [/^test-example-00-f-qr-code-numeric-value-\d+-qr_chunk_too_small\.txt$/, 3],
      [/^test-example-02-f-qr-code-numeric-value-\d-qr_chunk_too_big\.txt$/, 55],
    ] as const) {
      const parts = readdirSync(SDK).filter((f) => pattern.test(f));
      const files = await readHealthCardFiles(
        parts.map((f) => readFileSync(`${SDK}${f}`)),
        offline,
      );
      const cards = files.flatMap((f) => f.cards);
      expect(cards.map((c) => [c.verification.status, c.bundle.entry])).toEqual([
        ['verified', expect.toSatisfy((e: unknown[]) => e.length === records)],
      ]);
    }
  });

  it('answers for every file of the SDK’s test data: the FHIR bundles and payloads on their own are not cards', async () => {
    const notCards =
      /^test-example-(00-a-|00-b-jws-payload-expanded|covid-lab-jwspayload)|^(test-issuers|private_key)\.json$|^README\.md$/;
    const files = readdirSync(SDK, { withFileTypes: true }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(90);
    for (const { name } of files) {
      const said = await answer(`${SDK}${name}`);
      expect(said.length, name).toBeGreaterThan(0);
      if (notCards.test(name))
        expect([name, said]).toEqual([name, ['refused: This file is not a SMART Health Card.']]);
      // Nothing the SDK made to be wrong reads as verified, except what is only wrong about its QR code's size,
      // the spacing around it, or its file name.
      if (said.some((a) => a.startsWith('verified')))
        expect(name).toMatch(
          /trailing_chars|wrong-extension|1195-byte|qr_version|single_qr_segment|inflated-to-v22|multi-jws|fhirhealthcard|scaled|qr_chunk_too_small\.png/,
        );
    }
  });

  it('flags the SDK’s bad payloads, signed as an issuer would sign them, for what is wrong with each', async () => {
    const key = specPrivateKeys()[0]!;
    const signed = async (name: string) => {
      const payload = JSON.parse(
        readFileSync(`${SDK}test-example-00-b-jws-payload-expanded-${name}.json`, 'utf8'),
      ) as unknown;
      const { cards } = await readHealthCardFile(Buffer.from(await signCard(payload, key)), offline);
      return `${cards[0]!.verification.status}: ${cards[0]!.verification.reason}`;
    };
    expect(await signed('expired')).toMatch(/^invalid: This card expired on /);
    expect(await signed('nbf_not_yet_valid')).toMatch(/^invalid: This card is not valid until /);
    expect(await signed('nbf_milliseconds')).toMatch(/^invalid: .*issue date in milliseconds/);
    expect(await signed('exp_milliseconds')).toMatch(/^invalid: .*expiry in milliseconds/);
    expect(await signed('missing-shc-vc-type')).toMatch(
      /^invalid: This card does not say it is a SMART Health Card/,
    );
    // Types the standard no longer requires change nothing.
    expect(await signed('missing-covid-vc-type')).toMatch(VERIFIED);
    expect(await signed('optional-vc-type')).toMatch(VERIFIED);
  });

  it('never verifies a card re-signed with another key, or altered after signing', async () => {
    const [, other] = specPrivateKeys();
    const sdkKey = (
      JSON.parse(readFileSync(`${SDK}private_key.json`, 'utf8')) as { keys: Parameters<typeof signCard>[1][] }
    ).keys[0]!;
    const payload = specPayload('00');
    // Another key of nobody's, under its own id, and under the issuer's key id.
    expect(await answer2(await signCard(payload, sdkKey))).toMatch(
      /^invalid: It was signed with a key SMART .* does not publish/,
    );
    expect(
      await answer2(await signCard(payload, sdkKey, { kid: '3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s' })),
    ).toMatch(NO_MATCH);
    // The issuer's own key that it does not publish (7rIU…) is not one of its keys.
    expect(await answer2(await signCard(payload, other!))).toMatch(
      /^invalid: It was signed with a key SMART .* does not publish/,
    );
    // The real card with one record's date changed, signature kept.
    const real = readFileSync(`${EXAMPLES}example-00-d-jws.txt`, 'utf8').trim();
    const [h, , s] = real.split('.');
    const altered = JSON.stringify(specPayload('00')).replace('2021-01-01', '2021-01-02');
    const { deflateRawSync } = await import('node:zlib');
    const forged = `${h}.${deflateRawSync(Buffer.from(altered)).toString('base64url')}.${s}`;
    expect(await answer2(forged)).toMatch(NO_MATCH);
  });

  it('refuses a card that inflates to an enormous payload after a bounded inflate, holding little memory', async () => {
    // 1 GB of JSON-looking text deflates to about a megabyte; made in pieces so the test holds little.
    const deflate = createDeflateRaw({ level: 9 });
    const out: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => out.push(chunk));
    const piece = Buffer.alloc(1024 * 1024, 0x20);
    for (let i = 0; i < 100; i++) deflate.write(piece);
    await new Promise((resolve) => deflate.end(resolve));
    const bomb = Buffer.concat(out).toString('base64url');
    const jws = `${Buffer.from(JSON.stringify({ zip: 'DEF', alg: 'ES256', kid: 'x' })).toString('base64url')}.${bomb}.c2ln`;
    const before = process.memoryUsage();
    const refused = await answer2(jws);
    const after = process.memoryUsage();
    expect(refused).toMatch(
      /^refused: This health card unpacks to more than 4 MB, far more than any card holds/,
    );
    // The 100 MB the card unpacks to was never held: at most the 4 MB bound and the card itself.
    expect(after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed)).toBeLessThan(
      32 * 1024 * 1024,
    );
  });
});

/** A PDF as a clinic's system might print one (pdfkit), with what `draw` puts on it. */
async function pdfOf(draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  const doc = new PDFDocument();
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => doc.on('end', resolve));
  draw(doc);
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

it('refuses a picture claiming to be vast before decoding any of it', async () => {
  // A real QR picture whose header claims 100,000 × 100,000 pixels (40 GB decoded).
  const png = Buffer.from(readFileSync(`${SDK}test-example-00-g-qr-code-0-single_qr_segment.png`));
  png.writeUInt32BE(100_000, 16);
  png.writeUInt32BE(100_000, 20);
  // With the header's checksum made right, so only its size can refuse it.
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  const before = process.memoryUsage();
  expect(await answer2Bytes(png)).toBe(
    'refused: This picture is far larger than a photo of a health card, so it was not read.',
  );
  const after = process.memoryUsage();
  expect(after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed)).toBeLessThan(
    32 * 1024 * 1024,
  );
});

async function answer2(jws: string): Promise<string> {
  return answer2Bytes(Buffer.from(jws));
}

async function answer2Bytes(bytes: Buffer): Promise<string> {
  try {
    const { cards } = await readHealthCardFile(bytes, offline);
    return `${cards[0]!.verification.status}: ${cards[0]!.verification.reason}`;
  } catch (error) {
    if (!isVaultError(error, 'bad-input')) throw error;
    return `refused: ${error.detail ?? ''}`;
  }
}
