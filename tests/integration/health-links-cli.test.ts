import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { requireBuild, runCli, runCliAsync } from '../support/cli.js';
import { SHC } from '../../testkit/health-card-issuer.js';
import { startShlServer, type ShlServer } from '../support/shl-server.js';
import { FAST_SCRYPT, fixtures, tempDir } from '../support/temp-dir.js';

/**
 * `phr-vault import` with SMART Health Links: a text file holding one, `--link`, and a QR picture
 * of one, opened against the local sharing server; `--json` names the format `smart-health-link`
 * with what became of each of the link's files.
 */

const PASS = 'correct horse battery';
const SDK = `${SHC}validation-sdk-testdata/`;
const P_EXAMPLE = JSON.parse(
  readFileSync(`${SDK}shl-examples/ERn18l4lL3_5yPXMSzx3ZejyMM_XIeWeseXa3DXsJD0.json`, 'utf8'),
) as { payload: { key: string }; jweFiles: string[] };
const IPS = readFileSync(`${fixtures}fhir/ips/bundle-minimal.json`);

type LinkReport = {
  file: string;
  format: string | null;
  stored: number;
  refused: string | null;
  files?: {
    contentType: string;
    format: string | null;
    added: number;
    verification: { status: string } | null;
  }[];
};

describe('phr-vault import with SMART Health Links', () => {
  let vault: string;
  let dir: string;
  let server: ShlServer;

  beforeAll(async () => {
    requireBuild();
    dir = tempDir('phr-vault-shl-cli-');
    vault = join(dir, 'family.phrvault');
    const made = new VaultFile(vault, { scrypt: FAST_SCRYPT });
    await made.create(PASS);
    addPerson(made.db, { name: 'Pat', relationship: 'self' });
    made.lock();
    server = await startShlServer();
  });
  afterAll(() => server.close());

  it('opens a text file holding a link, with its passcode from the environment, and prints each file as JSON', async () => {
    const { link } = await server.share(
      [
        { contentType: 'application/smart-health-card', jwe: P_EXAMPLE.jweFiles[0]! },
        { contentType: 'application/fhir+json', content: IPS },
        { contentType: 'application/smart-api-access', content: '{"access_token":"x"}' },
      ],
      { key: P_EXAMPLE.payload.key, passcode: '1234', label: 'For the new clinic' },
    );
    const file = join(dir, 'from-clinic.txt');
    writeFileSync(file, `${link}\n`);
    const run = await runCliAsync(['import', '--vault', vault, '--json', '--offline', file], PASS, {
      PHR_VAULT_SHL_PASSCODE: '1234',
    });
    expect(run.stderr).not.toMatch(/phr-vault:/);
    expect(run.status).toBe(0);
    const [report] = JSON.parse(run.stdout) as LinkReport[];
    expect(report).toMatchObject({ file: 'from-clinic.txt', format: 'smart-health-link', refused: null });
    expect(report!.stored).toBeGreaterThan(0);
    expect(report!.files!.map((f) => [f.contentType, f.format, f.verification?.status ?? null])).toEqual([
      ['application/smart-health-card', 'smart-health-card', 'unknown-issuer'],
      ['application/fhir+json', 'ips', null],
      ['application/smart-api-access', null, null],
    ]);
    expect(server.manifestBodies.at(-1)).toEqual({
      recipient: 'PHR Vault',
      passcode: '1234',
      embeddedLengthMax: 100_000,
    });
  });

  it('takes a link with --link and --passcode, and says a wrong passcode and a missing one plainly', async () => {
    const { link } = await server.share([{ contentType: 'application/fhir+json', content: IPS }], {
      passcode: 'open sesame',
      attempts: 5,
    });
    const missing = await runCliAsync(['import', '--vault', vault, '--link', link], PASS);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(
      /This health link is protected by a passcode\. .* Give it with --passcode, or in PHR_VAULT_SHL_PASSCODE\./,
    );
    const wrong = await runCliAsync(
      ['import', '--vault', vault, '--link', link, '--passcode', 'guess'],
      PASS,
    );
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(
      /4 attempts are left before the link stops working\. That passcode is not right/,
    );
    const right = await runCliAsync(
      ['import', '--vault', vault, '--link', link, '--passcode', 'open sesame', '--recipient', 'Pat Doe'],
      PASS,
    );
    expect(right.status).toBe(0);
    expect(right.stdout).toMatch(
      /^link \(SMART Health Link, 1 file: FHIR document R4 file, \d+ records\): \d+ added/,
    );
    expect(server.manifestBodies.at(-1)).toMatchObject({ recipient: 'Pat Doe' });
  });

  it('opens the link in a QR code picture through the image path, and refuses an expired one', async () => {
    const { link } = await server.share([{ contentType: 'application/fhir+json', content: IPS }], {
      label: 'QR',
    });
    const picture = join(dir, 'link-qr.png');
    await QRCode.toFile(picture, link, { errorCorrectionLevel: 'M', margin: 4, scale: 4 });
    const run = await runCliAsync(['import', '--vault', vault, '--json', picture], PASS);
    expect(run.status).toBe(0);
    const [report] = JSON.parse(run.stdout) as LinkReport[];
    expect(report).toMatchObject({ file: 'link-qr.png', format: 'smart-health-link', refused: null });

    const expired = await runCliAsync(['import', '--vault', vault, '--json', `${SDK}shlink-qr.png`], PASS);
    expect(expired.status).toBe(1);
    const [refused] = JSON.parse(expired.stdout) as LinkReport[];
    expect(refused).toMatchObject({ file: 'shlink-qr.png', format: 'smart-health-link', stored: 0 });
    expect(refused!.refused).toMatch(/stopped working on Jan 1, 2024\. This health link has expired/);
  });

  it('asks for files or a link when given neither', () => {
    const run = runCli(['import', '--vault', vault], PASS);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Name the files to import, or give a health link with --link/);
  });
});
