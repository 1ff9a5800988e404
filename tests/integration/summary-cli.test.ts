import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { patientSummary } from '../../electron/core/records/summary.js';
import { findPersonByName } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { requireBuild, runCli } from '../support/cli.js';
import { SMART_2502813, SMART_2502813_VITALS, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

describe('phr-vault summary', () => {
  let vault: string;

  beforeAll(() => {
    requireBuild();
    vault = join(tempDir('phr-vault-cli-'), 'family.phrvault');
    expect(runCli(['create', '--vault', vault, '--name', 'Pat'], PASS).status).toBe(0);
    const args = ['import', '--vault', vault, '--person', 'Mum', '--relationship', 'parent'];
    expect(runCli([...args, SMART_2502813, SMART_2502813_VITALS], PASS).status).toBe(0);
  });

  it('prints the same Summary the window shows, as JSON', async () => {
    const out = runCli(['summary', '--vault', vault, '--person', 'Mum', '--json'], PASS);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const printed = JSON.parse(out.stdout) as ReturnType<typeof patientSummary> & {
      person: { name: string };
    };
    expect(printed.person.name).toBe('Mum');
    expect(printed.medications.map((m) => m.title)).toContain('Atenolol 100 MG Oral Tablet');
    expect(printed.medications).toHaveLength(9);

    const opened = new VaultFile(vault);
    await opened.unlock(PASS);
    try {
      const mum = findPersonByName(opened.db, 'Mum')!;
      const { person: _person, ...summary } = printed;
      expect(summary).toEqual(JSON.parse(JSON.stringify(patientSummary(opened.db, mum.id))));
    } finally {
      opened.lock();
    }
  });

  it('prints it as text, section by section, and the first person’s without --person', () => {
    const text = runCli(['summary', '--vault', vault, '--person', 'Mum'], PASS);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(
      'Current medications\n  24 HR Nisoldipine 8.5 MG Extended Release Tablet [Sular] · 2008-11-13\n',
    );
    expect(text.stdout).toContain('Allergies\n  no known allergies\n');
    expect(text.stdout).toMatch(/Results to look at\n.*\(high\)/);
    const pat = runCli(['summary', '--vault', vault], PASS);
    expect(pat.stdout).toContain('Current medications\n  none recorded\n');
    const nobody = runCli(['summary', '--vault', vault, '--person', 'Nobody'], PASS);
    expect(nobody.status).toBe(2);
    expect(nobody.stderr).toContain('There is no person called “Nobody”');
  });
});
