import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runCli } from '../support/cli.js';
import { DAISEY, GEOFFREY, IRMGARD_DSTU2, IRMGARD_STU3, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

describe('the phr-vault command line', () => {
  let vault: string;

  beforeAll(() => {
    requireBuild();
    vault = join(tempDir('phr-vault-cli-'), 'family.phrvault');
  });

  it('creates a vault and prints the recovery code once, making its folder if needed', () => {
    vault = join(vault, '..', 'new folder', 'family.phrvault');
    const created = runCli(['create', '--vault', vault, '--name', 'Pat', '--json'], PASS);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const out = JSON.parse(created.stdout) as { recoveryCode: string; vault: string };
    expect(out.recoveryCode).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
    expect(existsSync(vault) && existsSync(`${vault}.keys.json`)).toBe(true);
    const again = runCli(['create', '--vault', vault], PASS);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('A vault already exists here');
  });

  it('imports into the first person by default, and into a named person created on the fly', () => {
    const mine = runCli(['import', '--vault', vault, GEOFFREY], PASS);
    expect(mine.status).toBe(0);
    expect(mine.stdout).toContain('109 added, 0 updated, 0 unchanged (for Pat)');
    expect(mine.stderr).toContain('109 records saved');
    const child = runCli(
      [
        'import',
        '--vault',
        vault,
        '--person',
        'Daisey',
        '--relationship',
        'child',
        '--source',
        'Example Hospital',
        DAISEY,
      ],
      PASS,
    );
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('312 added');
  });

  it('prints stats as JSON', () => {
    const stats = runCli(['stats', '--vault', vault, '--json'], PASS);
    expect(stats.status).toBe(0);
    const json = JSON.parse(stats.stdout) as {
      total: number;
      byType: Record<string, number>;
      persons: { name: string; recordCount: number; relationship: string }[];
    };
    expect(json.total).toBe(421);
    expect(json.byType.Observation).toBe(46 + 131);
    expect(json.persons.map((p) => [p.name, p.recordCount, p.relationship])).toEqual([
      ['Pat', 109, 'self'],
      ['Daisey', 312, 'child'],
    ]);
    const one = JSON.parse(
      runCli(['stats', '--vault', vault, '--person', 'Daisey', '--json'], PASS).stdout,
    ) as { total: number };
    expect(one.total).toBe(312);
  });

  it('prints a timeline, newest first', () => {
    const timeline = runCli(
      ['timeline', '--vault', vault, '--person', 'daisey', '--limit', '620', '--json'],
      PASS,
    );
    expect(timeline.status).toBe(0);
    const json = JSON.parse(timeline.stdout) as {
      person: { name: string };
      entries: { date: string | null; source: { label: string } }[];
    };
    expect(json.person.name).toBe('Daisey');
    expect(json.entries.length).toBe(237);
    const dates = json.entries.map((e) => e.date).filter((d): d is string => d !== null);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(json.entries[0]!.source.label).toBe('Example Hospital');
    const text = runCli(['timeline', '--vault', vault, '--limit', '3'], PASS);
    expect(text.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('says what is wrong in plain words, with a non-zero exit', () => {
    const wrong = runCli(['stats', '--vault', vault, '--json'], 'not the passphrase');
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toBe('phr-vault: That passphrase is not right. Nothing was changed; try again.\n');

    const noPassphrase = runCli(['stats', '--vault', vault]);
    expect(noPassphrase.status).toBe(2);
    expect(noPassphrase.stderr).toContain('set PHR_VAULT_PASSPHRASE');

    const missing = runCli(['stats', '--vault', join(tempDir(), 'nothing.phrvault')], PASS);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('There is no vault here yet');

    const nobody = runCli(['timeline', '--vault', vault, '--person', 'Nobody'], PASS);
    expect(nobody.status).toBe(2);
    expect(nobody.stderr).toContain('There is no person called “Nobody”');

    const broken = join(tempDir(), 'broken.json');
    writeFileSync(broken, '{"resourceType": "Bundle", "entry": [');
    const bad = runCli(['import', '--vault', vault, broken], PASS);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(
      'broken.json is not valid JSON. That file could not be read as health records.',
    );
    expect(
      (JSON.parse(runCli(['stats', '--vault', vault, '--json'], PASS).stdout) as { total: number }).total,
    ).toBe(421);

    expect(
      runCli(['import', '--vault', vault, '--person', 'X', '--relationship', 'boss', GEOFFREY], PASS).status,
    ).toBe(2);
    const usage = runCli(['timeline', '--vault', vault, '--limit', 'lots'], PASS);
    expect(usage.status).toBe(2);
    expect(runCli(['frobnicate']).status).toBe(2);
    expect(runCli(['--help']).status).toBe(0);
  });

  it('imports older FHIR, detecting its version unless --fhir-version says it', () => {
    const older = join(tempDir('phr-vault-cli-'), 'older.phrvault');
    expect(runCli(['create', '--vault', older, '--name', 'Irmgard'], PASS).status).toBe(0);
    const auto = runCli(['import', '--vault', older, IRMGARD_DSTU2, IRMGARD_STU3], PASS);
    expect(auto.status).toBe(0);
    expect(auto.stdout).toContain('Schumm_Irmgard_61.json (FHIR DSTU2): 409 added');
    expect(auto.stdout).toContain('Schumm_Irmgard_61.json (FHIR STU3): 415 added');
    const given = runCli(
      ['import', '--vault', older, '--person', 'Copy', '--fhir-version', 'stu3', IRMGARD_STU3],
      PASS,
    );
    expect(given.stdout).toContain('(FHIR STU3): 415 added');
    const wrong = runCli(['import', '--vault', older, '--fhir-version', 'R5', IRMGARD_STU3], PASS);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('--fhir-version takes one of: auto, R4, STU3, DSTU2.');
  });

  it('never echoes the passphrase or a record into an error', () => {
    const wrong = runCli(['import', '--vault', vault, GEOFFREY], 'secret-passphrase-123');
    expect(wrong.stderr).not.toContain('secret-passphrase-123');
  });
});
