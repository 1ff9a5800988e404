import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runCli } from '../support/cli.js';
import { SHC, SPEC_ISSUER_NAME, specDirectoryText } from '../../testkit/health-card-issuer.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';

const PASS = 'correct horse battery';
const EXAMPLES = `${SHC}spec-examples/`;
const SDK = `${SHC}validation-sdk-testdata/`;

type Report = {
  file: string;
  format: string;
  stored: number;
  verification?: { status: string; issuer: string | null; reason: string };
  error?: { kind: string; message: string };
};

describe('phr-vault import with SMART Health Cards', () => {
  let vault: string;
  let directory: string;
  const total = () =>
    (JSON.parse(runCli(['stats', '--vault', vault, '--json'], PASS).stdout) as { total: number }).total;

  beforeAll(async () => {
    requireBuild();
    const dir = tempDir('phr-vault-shc-cli-');
    vault = join(dir, 'family.phrvault');
    directory = join(dir, 'issuers.json');
    writeFileSync(directory, specDirectoryText());
    // Made here with cheap scrypt (the key file keeps its parameters), so each command unlocks fast.
    const made = new VaultFile(vault, { scrypt: FAST_SCRYPT });
    await made.create(PASS);
    addPerson(made.db, { name: 'Pat', relationship: 'self' });
    made.lock();
  });

  it('prints each file’s format, records stored and verification as JSON', () => {
    const run = runCli(
      [
        'import',
        '--vault',
        vault,
        '--json',
        '--offline',
        `${EXAMPLES}example-00-e-file.smart-health-card`,
        `${EXAMPLES}example-01-d-jws.txt`,
      ],
      PASS,
      { PHR_VAULT_SHC_DIRECTORY: directory },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const reports = JSON.parse(run.stdout) as Report[];
    expect(reports).toEqual([
      expect.objectContaining({
        file: 'example-00-e-file.smart-health-card',
        format: 'smart-health-card',
        stored: 4,
        verification: {
          status: 'verified',
          issuer: SPEC_ISSUER_NAME,
          reason: expect.stringMatching(/^Signed by/),
        },
      }),
      expect.objectContaining({
        file: 'example-01-d-jws.txt',
        stored: 4,
        verification: expect.objectContaining({ status: 'verified' }),
      }),
    ]);
  });

  it('makes a card split over three QR texts whole, and says so in words without --json', () => {
    const parts = [0, 1, 2].map((i) => `${EXAMPLES}example-02-f-qr-code-numeric-value-${i}.txt`);
    const run = runCli(['import', '--vault', vault, '--offline', ...parts], PASS, {
      PHR_VAULT_SHC_DIRECTORY: directory,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `example-02-f-qr-code-numeric-value-0.txt (SMART Health Card): Verified: issued by ${SPEC_ISSUER_NAME}; 55 records added (for Pat)`,
    );
    expect(run.stdout).toContain(
      'example-02-f-qr-code-numeric-value-1.txt: part of a health card read with another file',
    );
  });

  it('still reads a card offline from an issuer outside the directory, marked as not verified', () => {
    const run = runCli(
      ['import', '--vault', vault, '--json', '--offline', `${EXAMPLES}example-03-d-jws.txt`],
      PASS,
    );
    expect(run.status).toBe(0);
    const [report] = JSON.parse(run.stdout) as Report[];
    expect(report).toMatchObject({
      stored: 3,
      verification: {
        status: 'unknown-issuer',
        issuer: 'spec.smarthealth.cards/examples/issuer',
        reason: 'It is signed by an issuer we do not know (spec.smarthealth.cards/examples/issuer).',
      },
    });
  });

  it('refuses a damaged card and an enormous one with their reasons, exit code 1, storing nothing', () => {
    const bombDir = tempDir('phr-vault-shc-bomb-');
    const bomb = join(bombDir, 'enormous.smart-health-card');
    const header = Buffer.from(JSON.stringify({ zip: 'DEF', alg: 'ES256', kid: 'k' })).toString('base64url');
    const payload = deflateRawSync(Buffer.alloc(16 * 1024 * 1024, 0x20)).toString('base64url');
    writeFileSync(bomb, JSON.stringify({ verifiableCredential: [`${header}.${payload}.c2ln`] }));
    const before = total();
    const run = runCli(
      [
        'import',
        '--vault',
        vault,
        '--json',
        `${SDK}test-example-00-e-file-invalid_deflate.smart-health-card`,
        bomb,
      ],
      PASS,
    );
    expect(run.status).toBe(1);
    const reports = JSON.parse(run.stdout) as Report[];
    expect(reports.map((r) => [r.file, r.stored, r.error?.kind, r.error?.message])).toEqual([
      [
        'test-example-00-e-file-invalid_deflate.smart-health-card',
        0,
        'bad-input',
        expect.stringMatching(/^This health card could not be unpacked/),
      ],
      [
        'enormous.smart-health-card',
        0,
        'bad-input',
        expect.stringMatching(/^This health card unpacks to more than 4 MB/),
      ],
    ]);
    expect(run.stderr).toContain(
      'Not imported: test-example-00-e-file-invalid_deflate.smart-health-card, enormous.smart-health-card.',
    );
    expect(total()).toBe(before);
    // In words, the reason goes to standard error with the other errors.
    const words = runCli(
      ['import', '--vault', vault, `${SDK}test-example-00-d-jws-utf8_bom_prefix.txt`],
      PASS,
    );
    expect(words.status).toBe(1);
    expect(words.stdout).toBe('');
    expect(words.stderr).toContain(
      'test-example-00-d-jws-utf8_bom_prefix.txt: not imported. This health card has contents that are not readable JSON.',
    );
  });
});
