import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runCli } from '../support/cli.js';
import { GEOFFREY, fixtures, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';
const REFERRAL = `${fixtures}cda-documents/Referral_Note.xml`;
const DISCHARGE = `${fixtures}cda-documents/Discharge_Summary.xml`;

type Outcome = {
  file: string;
  format: string | null;
  stored: number;
  unchanged: number;
  about: string | null;
  verification: unknown;
  refused: string | null;
};

describe('phr-vault import takes any file it reads, recognised by content', () => {
  let vault: string;
  let dir: string;

  beforeAll(() => {
    requireBuild();
    dir = tempDir('phr-vault-import-cli-');
    vault = join(dir, 'family.phrvault');
    expect(runCli(['create', '--vault', vault, '--name', 'Pat'], PASS).status).toBe(0);
  });

  it('prints an object per file with --json: C-CDA and FHIR stored, whatever their names', () => {
    // A C-CDA named .json and FHIR named .xml: the content decides.
    const misnamed = join(dir, 'referral.json');
    copyFileSync(REFERRAL, misnamed);
    const run = runCli(['import', '--vault', vault, '--json', misnamed, DISCHARGE, GEOFFREY], PASS);
    expect(run.stderr).not.toContain('phr-vault:');
    expect(run.status).toBe(0);
    const outcomes = JSON.parse(run.stdout) as Outcome[];
    expect(outcomes.map((o) => [o.file, o.format])).toEqual([
      ['referral.json', 'ccda'],
      ['Discharge_Summary.xml', 'ccda'],
      ['Geoffrey_Abbott_73a7d6b7-0310-4fff-9b0b-7891a5e390f5.json', 'fhir'],
    ]);
    expect(outcomes[0]!.about).toBe('C-CDA Referral Note from Good Health HIE, 2013-09-21, 50 entries');
    expect(outcomes[2]!.stored).toBe(109);
    for (const o of outcomes) {
      expect(o.stored).toBeGreaterThan(0);
      expect(o.refused).toBeNull();
      expect(o.verification).toBeNull();
    }
    const again = JSON.parse(
      runCli(['import', '--vault', vault, '--json', misnamed, DISCHARGE], PASS).stdout,
    ) as Outcome[];
    expect(again.map((o) => o.stored)).toEqual([0, 0]);
    expect(again[0]!.unchanged).toBe(outcomes[0]!.stored);
  });

  it('says why a file is refused and exits 1, storing the others', () => {
    const note = join(dir, 'note.xml');
    writeFileSync(note, '<?xml version="1.0"?><note>not health records</note>');
    const unsafe = join(dir, 'unsafe.xml');
    writeFileSync(
      unsafe,
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ClinicalDocument xmlns="urn:hl7-org:v3">&a;</ClinicalDocument>',
    );
    const run = runCli(
      ['import', '--vault', vault, '--person', 'Sam', '--json', note, unsafe, REFERRAL],
      PASS,
    );
    expect(run.status).toBe(1);
    const outcomes = JSON.parse(run.stdout) as Outcome[];
    expect(outcomes[0]).toMatchObject({ file: 'note.xml', format: null, stored: 0 });
    expect(outcomes[0]!.refused).toContain('note.xml is XML but not a C-CDA document.');
    expect(outcomes[1]).toMatchObject({ file: 'unsafe.xml', format: 'ccda', stored: 0 });
    expect(outcomes[1]!.refused).toContain('unsafe.xml declares a DTD or entities');
    expect(outcomes[2]).toMatchObject({ file: 'Referral_Note.xml', format: 'ccda', refused: null });
    expect(run.stderr).toContain('phr-vault: note.xml is XML but not a C-CDA document.');
    const stats = JSON.parse(runCli(['stats', '--vault', vault, '--json'], PASS).stdout) as {
      persons: { name: string; recordCount: number }[];
    };
    // Only the readable file's records are Sam's.
    expect(stats.persons.find((p) => p.name === 'Sam')?.recordCount).toBe(outcomes[2]!.stored);
  });
});
