import { describe, expect, it } from 'vitest';
import { recordColumns, type FhirVersion } from '../../electron/core/records/record-columns.js';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { patientSearches } from '../../electron/core/sync/pull-plan.js';
import { collectReferences } from '../../electron/core/sync/referenced-records.js';
import { attachmentsByAddress } from '../../electron/core/sync/attachment-download.js';
import { closedAfterAll, connectTo, newVaultService } from '../support/connected-vault.js';
import { resourcesFromBundle, startSyncEhr } from '../support/sync-ehr.js';
import { STU3 } from '../../testkit/fixture-paths.js';
import {
  IRMGARD_DSTU2,
  IRMGARD_STU3,
  DAISEY,
  US_CORE_85,
  MATHILDA_DSTU2,
} from '../../testkit/fixture-paths.js';

/** SMART's sample patient whose documents' files are Binary resources given by address. */
const SMART_STU3_DOCUMENTS = `${STU3}smart/patient-99912345.fhir-bundle.json`;

const opened = closedAfterAll();

type Row = {
  resource_type: string;
  server_id: string;
  category: string;
  sort_date: string;
  fhir_version: string;
};

/**
 * Servers loaded with the R4, STU3 and DSTU2 fixtures: after one sync, every record of a kind sync
 * asks for is in the vault, as the version it came in, with the category and date its own
 * version's reader gives it; a second sync adds nothing.
 */
describe.each([
  ['R4', DAISEY],
  ['R4', US_CORE_85],
  ['STU3', IRMGARD_STU3],
  ['STU3', SMART_STU3_DOCUMENTS],
  ['DSTU2', IRMGARD_DSTU2],
  ['DSTU2', MATHILDA_DSTU2],
] as const)('sync from a %s server (%s)', (version, fixture) => {
  it('brings every record in with its category and date, once', async () => {
    const resources = resourcesFromBundle(fixture) as Json[];
    const ehr = await startSyncEhr({ fhirVersion: version, resources });
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    const connectionId = await connectTo(service, ehr);
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary.failedTypes).toEqual([]);
    expect(summary.outcome).toBe('ok');

    const pulled = new Set([
      'Patient',
      ...patientSearches(version as FhirVersion).map((s) => s.resourceType),
    ]);
    const patientId = ehr.fhir.patientId;
    const expected = resources.filter(
      (r) =>
        pulled.has(String(r.resourceType)) &&
        (r.resourceType === 'Patient'
          ? r.id === patientId
          : JSON.stringify(r).includes(`Patient/${patientId}`)),
    );
    expect(expected.length).toBeGreaterThan(10);
    // Everything about the patient is asked for but a Provenance (a record about records).
    const leftOut = resources.filter(
      (r) => !pulled.has(String(r.resourceType)) && JSON.stringify(r).includes(`Patient/${patientId}`),
    );
    expect(new Set(leftOut.map((r) => r.resourceType))).toEqual(
      new Set(leftOut.length ? ['Provenance'] : []),
    );
    const rows = service.vault.db
      .prepare(
        'SELECT resource_type, server_id, category, sort_date, fhir_version FROM resources WHERE connection_id = ?',
      )
      .all(connectionId) as Row[];
    const stored = new Map(rows.map((r) => [`${r.resource_type}/${r.server_id}`, r]));
    for (const resource of expected) {
      const row = stored.get(`${String(resource.resourceType)}/${String(resource.id)}`);
      expect(row, `${String(resource.resourceType)}/${String(resource.id)}`).toBeDefined();
      const columns = recordColumns(resource);
      expect(row).toMatchObject({
        category: columns.category,
        sort_date: columns.sortDate,
        fhir_version: version,
      });
    }
    if (expected.some((r) => r.resourceType === 'MedicationOrder')) {
      // A DSTU2 prescription shows up as a medication, like an R4 MedicationRequest.
      const orders = rows.filter((r) => r.resource_type === 'MedicationOrder');
      expect(orders.length).toBeGreaterThan(0);
      expect(new Set(orders.map((r) => r.category))).toEqual(new Set(['medications']));
    }
    // The clinicians, organisations, places and drugs those records point to were read too.
    const onServer = new Set(resources.map((r) => `${String(r.resourceType)}/${String(r.id)}`));
    const pointedTo = new Set<string>();
    for (const resource of expected) collectReferences(JSON.stringify(resource), ehr.fhir.base, pointedTo);
    const readable = [...pointedTo].filter((ref) => onServer.has(ref));
    for (const ref of readable) expect(stored.has(ref), ref).toBe(true);
    expect(summary.added).toBe(rows.length);
    // Documents' files the server has were downloaded, byte for byte; the others were tried.
    const binaries = new Map(
      resources
        .filter((r) => r.resourceType === 'Binary')
        .map((b) => [String(b.id), String(b.content ?? b.data)]),
    );
    const fileOf = service.vault.db.prepare(`SELECT data FROM attachments WHERE url = ?`);
    let downloaded = 0;
    for (const document of expected.filter((r) => r.resourceType === 'DocumentReference')) {
      for (const { url } of attachmentsByAddress(document)) {
        const id = url.split('/').pop()!;
        if (!binaries.has(id)) continue;
        const file = fileOf.get(url) as { data: Buffer | null } | undefined;
        expect(file?.data?.toString('base64'), url).toBe(binaries.get(id));
        downloaded++;
      }
    }
    if (fixture === SMART_STU3_DOCUMENTS) expect(downloaded).toBe(1);

    const again = await service.sync.runAndWait(connectionId);
    expect(again).toMatchObject({ outcome: 'ok', added: 0, updated: 0, gone: 0, whatIsNew: null });
    const count = service.vault.db
      .prepare('SELECT count(*) AS n FROM resources WHERE connection_id = ?')
      .get(connectionId) as { n: number };
    expect(count.n).toBe(rows.length);
  });
});

describe('records are kept as the server wrote them', () => {
  it('spacing and all, from searches and from reads of what they point to', async () => {
    const resources = resourcesFromBundle(US_CORE_85) as Json[];
    const ehr = await startSyncEhr({ fhirVersion: 'R4', resources, indented: true });
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    const connectionId = await connectTo(service, ehr);
    expect(await service.sync.runAndWait(connectionId)).toMatchObject({ outcome: 'ok' });

    const byKey = new Map(resources.map((r) => [`${String(r.resourceType)}/${String(r.id)}`, r]));
    const rows = service.vault.db
      .prepare('SELECT resource_type, server_id, raw FROM resources WHERE connection_id = ? ORDER BY id')
      .all(connectionId) as { resource_type: string; server_id: string; raw: string }[];
    expect(rows.some((r) => ['Practitioner', 'Organization'].includes(r.resource_type))).toBe(true);
    for (const row of rows) {
      const key = `${row.resource_type}/${row.server_id}`;
      // Indented as the server indented it: a page's entries deeper than a read's resource.
      expect(row.raw, key).toMatch(/^\{\n {2,}"/);
      // The server stamps meta (versionId, lastUpdated); everything else is the fixture's.
      const { meta: _served, ...kept } = JSON.parse(row.raw) as Json;
      const { meta: _given, ...given } = byKey.get(key)!;
      expect(kept, key).toEqual(given);
    }

    // The same records written compactly are the same records: no new versions, nothing rewritten.
    ehr.fhir.indented = false;
    expect(await service.sync.runAndWait(connectionId)).toMatchObject({
      outcome: 'ok',
      added: 0,
      updated: 0,
    });
    const after = service.vault.db
      .prepare('SELECT raw FROM resources WHERE connection_id = ? ORDER BY id')
      .pluck()
      .all(connectionId);
    expect(after).toEqual(rows.map((r) => r.raw));
    expect(service.vault.db.prepare('SELECT count(*) FROM resource_history').pluck().get()).toBe(0);
  });
});

// How many referenced records each fixture exercises, so the check above is known not to be empty.
describe('fixtures that point to clinicians and organisations', () => {
  it('US Core patient 85 references readable Practitioner or Organization records', () => {
    const resources = resourcesFromBundle(US_CORE_85) as Json[];
    const onServer = new Set(resources.map((r) => `${String(r.resourceType)}/${String(r.id)}`));
    const pointedTo = new Set<string>();
    for (const resource of resources)
      collectReferences(JSON.stringify(resource), 'http://x/fhir/', pointedTo);
    expect([...pointedTo].filter((ref) => onServer.has(ref)).length).toBeGreaterThan(0);
  });
});
