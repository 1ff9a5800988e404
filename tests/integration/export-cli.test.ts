import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runCli } from '../support/cli.js';
import { DAISEY, GEOFFREY, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

describe('phr-vault export', () => {
  let dir: string;
  let vault: string;

  beforeAll(() => {
    requireBuild();
    dir = tempDir('phr-vault-export-cli-');
    vault = join(dir, 'family.phrvault');
    expect(runCli(['create', '--vault', vault, '--name', 'Geoffrey'], PASS).status).toBe(0);
    expect(
      runCli(['import', '--vault', vault, '--source', 'Synthea General Hospital', GEOFFREY], PASS).status,
    ).toBe(0);
    expect(runCli(['import', '--vault', vault, '--person', 'Daisey', DAISEY], PASS).status).toBe(0);
  });

  it('writes a C-CDA for the first person and prints what could not be expressed', () => {
    const out = join(dir, 'geoffrey.xml');
    const result = runCli(['export', '--vault', vault, '--format', 'ccda', '--out', out], PASS);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('(ccda) for Geoffrey');
    expect(result.stdout).toMatch(/\d+\s+Immunizations/);
    expect(readFileSync(out, 'utf8')).toContain('<ClinicalDocument xmlns="urn:hl7-org:v3"');
    expect(existsSync(`${out}.partial`)).toBe(false);
    // Daisey's care plans have no place in a CCD: each is named, with the reason.
    const daisey = runCli(
      [
        'export',
        '--vault',
        vault,
        '--person',
        'Daisey',
        '--format',
        'ccda',
        '--out',
        join(dir, 'daisey.xml'),
      ],
      PASS,
    );
    expect(daisey.status).toBe(0);
    expect(daisey.stdout).toMatch(
      /record\(s\) could not be expressed in this format:\n {2}#\d+ CarePlan “[^”]+”: /,
    );
  });

  it.skipIf(process.platform === 'win32')(
    'leaves the document readable by its owner only, writing through no loose file or link',
    () => {
      const out = join(dir, 'private', 'summary.json');
      const elsewhere = join(dir, 'elsewhere.json');
      writeFileSync(elsewhere, '{}', { mode: 0o644 });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(`${out}.partial`, '', { mode: 0o666 });
      chmodSync(`${out}.partial`, 0o666);
      symlinkSync(elsewhere, out);
      const result = runCli(['export', '--vault', vault, '--format', 'fhir', '--out', out], PASS);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(lstatSync(out).isSymbolicLink()).toBe(false);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      expect(readFileSync(out, 'utf8')).toContain('"resourceType": "Bundle"');
      expect(readFileSync(elsewhere, 'utf8')).toBe('{}');
      expect(readFileSync(`${out}.partial`, 'utf8')).toBe('');
    },
  );

  it('exports a named person within dates and categories, as JSON', () => {
    const out = join(dir, 'daisey.json');
    const result = runCli(
      [
        'export',
        '--vault',
        vault,
        '--person',
        'Daisey',
        '--format',
        'fhir',
        '--out',
        out,
        '--since',
        '2016',
        '--until',
        '2018-06',
        '--categories',
        'immunizations,allergies',
        '--json',
      ],
      PASS,
    );
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { records: number; sections: { key: string }[] };
    expect(report.records).toBeGreaterThan(0);
    expect(report.sections.map((s) => s.key).sort()).toEqual(['AllergyIntolerance', 'Immunization'].sort());
    const bundle = JSON.parse(readFileSync(out, 'utf8')) as {
      entry: { resource: { resourceType: string } }[];
    };
    expect(bundle.entry.filter((e) => e.resource.resourceType === 'Immunization').length).toBeGreaterThan(0);
  });

  it('writes the same printable summary the app gets, and an IPS', () => {
    for (const format of ['pdf', 'ips']) {
      const out = join(dir, `summary.${format}`);
      const result = runCli(['export', '--vault', vault, '--format', format, '--out', out], PASS);
      expect(result.status, result.stderr).toBe(0);
      expect(existsSync(out)).toBe(true);
    }
    expect(readFileSync(join(dir, 'summary.pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('says plainly when nothing matches, and refuses a bad format or date', () => {
    const out = join(dir, 'none.xml');
    const empty = runCli(
      ['export', '--vault', vault, '--format', 'ccda', '--out', out, '--until', '1900'],
      PASS,
    );
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('There is nothing to export');
    expect(existsSync(out)).toBe(false);
    const format = runCli(['export', '--vault', vault, '--format', 'docx', '--out', out], PASS);
    expect(format.status).toBe(2);
    expect(format.stderr).toContain('--format takes one of: ccda, fhir, ips, pdf');
    const date = runCli(
      ['export', '--vault', vault, '--format', 'ccda', '--out', out, '--since', 'May'],
      PASS,
    );
    expect(date.status).toBe(2);
    const category = runCli(
      ['export', '--vault', vault, '--format', 'ccda', '--out', out, '--categories', 'x'],
      PASS,
    );
    expect(category.status).toBe(2);
  });
});
