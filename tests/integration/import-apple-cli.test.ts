import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appleExport, healthXml, record, sampleClinicalFiles, zipOf } from '../../testkit/apple-export.js';
import { requireBuild, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

type Outcome = { file: string; format: string | null; stored: number; refused: string | null };

describe('phr-vault import reads an Apple Health export from its path', () => {
  let vault: string;
  let dir: string;

  beforeAll(() => {
    requireBuild();
    dir = tempDir('phr-vault-apple-cli-');
    vault = join(dir, 'family.phrvault');
    expect(runCli(['create', '--vault', vault, '--name', 'Jane'], PASS).status).toBe(0);
  });

  it('prints file, format and stored with --json, and refuses a hostile export with exit 1 and its reason', async () => {
    const good = join(dir, 'export.zip');
    const body = [
      record('BodyMass', 'lb', 165.3, '2024-02-09 07:10:00 -0800'),
      record('HeartRate', 'count/min', 64, '2024-02-09 07:11:00 -0800'),
    ].join('\n');
    writeFileSync(good, await appleExport(body, sampleClinicalFiles()));
    const hostile = join(dir, 'other-export.zip');
    const laughs = healthXml(body, '<!DOCTYPE HealthData [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>');
    writeFileSync(hostile, await zipOf([{ name: 'apple_health_export/export.xml', data: laughs }]));

    const run = runCli(['import', '--vault', vault, '--json', good, hostile], PASS);
    expect(run.status).toBe(1);
    const outcomes = JSON.parse(run.stdout) as Outcome[];
    expect(outcomes[0]).toMatchObject({
      file: 'export.zip',
      format: 'apple-health',
      stored: 2 + 16,
      refused: null,
    });
    expect(outcomes[1]).toMatchObject({ file: 'other-export.zip', format: 'apple-health', stored: 0 });
    expect(outcomes[1]!.refused).toContain('other-export.zip (export.xml) declares entities in its DOCTYPE');
    expect(run.stderr).toContain('phr-vault: other-export.zip (export.xml) declares entities');

    const again = JSON.parse(runCli(['import', '--vault', vault, '--json', good], PASS).stdout) as Outcome[];
    expect(again[0]).toMatchObject({ format: 'apple-health', stored: 0 });
  });
});
