import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VaultService } from '../../electron/core/api.js';
import { MAX_LINE_BYTES } from '../../electron/core/exchange/fhir-files.js';
import { importConnection } from '../../electron/core/vault/connections.js';
import { storeRecords } from '../../electron/core/vault/record-store.js';
import { requireBuild, runCli } from '../support/cli.js';
import { call, newVaultService, PASSPHRASE } from '../support/connected-vault.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * Hostile files through the command line, which reads files of any size from disk: a refused file
 * leaves nothing behind, a line of hundreds of megabytes is named and skipped, and a record with
 * a text of megabytes prints within a bounded memory.
 */
describe('hostile files through the command line', () => {
  let dir: string;
  let vault: string;

  beforeAll(async () => {
    requireBuild();
    dir = tempDir('phr-vault-hostile-cli-');
    vault = join(dir, 'family.phrvault');
    // A vault with fast key derivation, so each command opens it quickly.
    const { service } = await newVaultService({ automatic: false }, vault);
    service.close();
  });

  /** Who the vault holds and their sources, read in this process as the app would. */
  async function stored(): Promise<{ people: string[]; sources: number }> {
    const service = new VaultService({ vaultPath: vault, transport: 'host', appVersion: 'test' });
    try {
      await call(service, 'vault.unlock', { passphrase: PASSPHRASE });
      const people = await call(service, 'persons.list');
      let sources = 0;
      for (const person of people)
        sources += (await call(service, 'connections.list', { personId: person.id })).length;
      return { people: people.map((p) => p.name), sources };
    } finally {
      service.close();
    }
  }

  it('creates the --person named and the source only with the first record stored, so a refused file leaves neither', async () => {
    const letter = join(dir, 'letter.json');
    writeFileSync(letter, 'Dear patient, ');
    for (const extra of [[], ['--fhir-version', 'R4']]) {
      const refused = runCli(['import', '--vault', vault, '--person', 'Sam', ...extra, letter], PASSPHRASE);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('letter.json is not valid JSON.');
      expect(refused.stderr).toContain('Nothing was stored from it.');
    }
    expect(await stored()).toEqual({ people: ['Test Patient'], sources: 0 });
    const good = join(dir, 'asthma.json');
    writeFileSync(good, JSON.stringify({ resourceType: 'Condition', id: 'c', code: { text: 'Asthma' } }));
    const both = runCli(['import', '--vault', vault, '--person', 'Sam', letter, good], PASSPHRASE);
    // The first file refuses and nothing of it is stored; the next still comes in, made Sam's then.
    expect(both.status).toBe(1);
    expect(both.stdout).toContain('asthma.json (FHIR R4): 1 added, 0 updated, 0 unchanged (for Sam)');
    expect(await stored()).toEqual({ people: ['Test Patient', 'Sam'], sources: 1 });
    const after = runCli(['import', '--vault', vault, '--person', 'Sam', good], PASSPHRASE);
    expect(after.stdout).toContain('asthma.json (FHIR R4): 0 added, 0 updated, 1 unchanged (for Sam)');
  }, 120_000);

  it('names and skips an NDJSON line of 600 MB, storing the lines after it', () => {
    // A sparse file: line 1 opens a record, then 600 MB of NUL bytes take no disk and are read as
    // bytes all the same (the record's start makes it FHIR JSON to the import's first look).
    const file = join(dir, 'export.ndjson');
    const fd = openSync(file, 'w');
    writeSync(fd, '{"resourceType":"Condition","id":"long","note":[{"text":"');
    const line2 = `\n${JSON.stringify({ resourceType: 'Condition', id: 'after', code: { text: 'Gout' } })}\n`;
    writeSync(fd, line2, 600 * 1024 * 1024);
    closeSync(fd);
    expect(statSync(file).size).toBeGreaterThan(MAX_LINE_BYTES);
    const run = runCli(['import', '--vault', vault, '--person', 'Sam', file], PASSPHRASE);
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      'export.ndjson (FHIR R4): 1 added, 0 updated, 0 unchanged; 1 skipped (for Sam)',
    );
    expect(run.stderr).toContain(
      'skipped line 1: is longer than 64 MB, more than any record PHR Vault reads',
    );
  }, 60_000);

  it('prints a summary of a record holding ten million characters, in bounded memory, cutting the text', async () => {
    // Stored as a vault filled before imports had bounds would hold it.
    const { service } = await newVaultService({ automatic: false }, join(dir, 'long.phrvault'));
    const db = service.vault.db;
    const connectionId = importConnection(db, 1, 'Older files');
    const resource = {
      resourceType: 'Condition',
      id: 'long',
      clinicalStatus: { coding: [{ code: 'active' }] },
      code: { text: `Asthma ${'x'.repeat(10_000_000)}` },
    };
    db.transaction(() =>
      storeRecords(db, 1, connectionId, [{ resource, raw: JSON.stringify(resource), fhirVersion: 'R4' }]),
    )();
    service.close();
    const out = join(dir, 'summary.pdf');
    const run = runCli(
      ['export', '--vault', join(dir, 'long.phrvault'), '--format', 'pdf', '--out', out],
      PASSPHRASE,
      // pdfkit laid the whole text out: gigabytes, then the process aborted.
      { NODE_OPTIONS: '--max-old-space-size=512' },
    );
    expect(run.stderr).not.toMatch(/heap out of memory/i);
    expect(run.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    expect(statSync(out).size).toBeLessThan(1024 * 1024);
  }, 120_000);
});
