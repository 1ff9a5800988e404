import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { requireBuild, runCliAsync, spawnCli } from '../support/cli.js';
import { connectTo, newVaultService, PASSPHRASE } from '../support/connected-vault.js';
import { DAISEY } from '../../testkit/fixture-paths.js';
import { resourcesFromBundle, startSyncEhr, type SyncEhr } from '../support/sync-ehr.js';

const LABS = 4000;

function manyLabs(patientId: string): Json[] {
  return Array.from({ length: LABS }, (_, i) => ({
    resourceType: 'Observation',
    id: `glucose-${i}`,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }], text: 'Glucose' },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date(Date.UTC(2010, 0, 1) + i * 86_400_000).toISOString(),
    valueQuantity: { value: 80 + (i % 50), unit: 'mg/dL' },
  }));
}

describe('a sync killed in the middle (kill -9) and run again', () => {
  let ehr: SyncEhr;
  afterAll(async () => {
    await ehr?.close();
  });

  it('keeps every page committed, resumes where it stopped, and ends with each record once', async () => {
    requireBuild();
    const base = resourcesFromBundle(DAISEY) as Json[];
    const patientId = String(base.find((r) => r.resourceType === 'Patient')!.id);
    ehr = await startSyncEhr({
      fhirVersion: 'R4',
      resources: [...base, ...manyLabs(patientId)],
      pageDelayMs: 40,
    });
    const { service } = await newVaultService();
    const connectionId = await connectTo(service, ehr);
    const vaultPath = service.options.vaultPath;
    service.close();

    const child = spawnCli(['sync', '--vault', vaultPath], PASSPHRASE);
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Well into the Observations: several pages are stored, many are still to come.
        const pages = [...stderr.matchAll(/Observation — \d+ of \d+ kinds, (\d+) pages/g)].map((m) =>
          Number(m[1]),
        );
        if (pages.some((p) => p >= 6)) resolve();
      });
      child.on('exit', () => reject(new Error(`sync ended before it could be killed:\n${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const inspect = async () => {
      const vault = new VaultFile(vaultPath);
      await vault.unlock(PASSPHRASE);
      try {
        const db = vault.db;
        return {
          integrity: db.pragma('integrity_check', { simple: true }),
          labs: (
            db
              .prepare(
                `SELECT count(*) AS n FROM resources WHERE connection_id = ? AND server_id LIKE 'glucose-%'`,
              )
              .get(connectionId) as { n: number }
          ).n,
          all: (db.prepare('SELECT count(*) AS n FROM resources').get() as { n: number }).n,
          distinct: (
            db.prepare('SELECT count(DISTINCT resource_type || server_id) AS n FROM resources').get() as {
              n: number;
            }
          ).n,
          cursor: db
            .prepare(
              `SELECT next_url FROM sync_types WHERE connection_id = ? AND resource_type = 'Observation'`,
            )
            .get(connectionId) as { next_url: string | null } | undefined,
        };
      } finally {
        vault.lock();
      }
    };
    const afterKill = await inspect();
    expect(afterKill.integrity).toBe('ok');
    expect(afterKill.labs).toBeGreaterThan(0);
    expect(afterKill.labs).toBeLessThan(LABS);
    expect(afterKill.cursor?.next_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir\//);

    const requestsBefore = ehr.fhir.requests.length;
    const again = await runCliAsync(['sync', '--vault', vaultPath], PASSPHRASE);
    expect(again.stderr).not.toMatch(/Something went wrong/);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/Example Hospital: ok — \d+ added/);
    // It went on from the stored next page rather than asking for the first page again.
    const observationSearches = ehr.fhir.requests
      .slice(requestsBefore)
      .filter((r) => r.path === 'Observation');
    expect(Object.keys(observationSearches[0]!.query)).not.toContain('patient');

    const final = await inspect();
    expect(final.integrity).toBe('ok');
    expect(final.labs).toBe(LABS);
    expect(final.distinct).toBe(final.all);
    expect(final.cursor?.next_url ?? null).toBeNull();

    // One connection by its number; a number that is not one is said plainly.
    const one = await runCliAsync(
      ['sync', '--vault', vaultPath, '--connection', String(connectionId)],
      PASSPHRASE,
    );
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/^Example Hospital: ok — 0 added, 0 updated, 0 no longer at the source$/m);
    const unknown = await runCliAsync(['sync', '--vault', vaultPath, '--connection', '99'], PASSPHRASE);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/There is no connection 99\./);
    const wrong = await runCliAsync(['sync', '--vault', vaultPath, '--connection', 'two'], PASSPHRASE);
    expect(wrong.status).toBe(2);
  });
});
