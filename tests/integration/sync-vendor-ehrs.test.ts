import { describe, expect, it } from 'vitest';
import type { Json } from '../../electron/core/records/fhir-values.js';
import type { FhirVersion } from '../../electron/core/records/record-columns.js';
import { patientSearches } from '../../electron/core/sync/pull-plan.js';
import { call, closedAfterAll, connectTo, newVaultService } from '../support/connected-vault.js';
import { CATALINA, IRMGARD_DSTU2, MATHILDA_DSTU2, US_CORE_85 } from '../../testkit/fixture-paths.js';
import { documentWithAttachment, resourcesFromBundle } from '../support/sync-ehr.js';
import { oraclePageLimit, startEpicEhr, startOracleEhr } from '../support/vendor-ehrs.js';
import { readSmartAuth } from '../../electron/core/vault/connections.js';

const opened = closedAfterAll();

/** The Observation categories sync asks Epic for, one search each. */
const ASKED_CATEGORIES = patientSearches('R4').find((s) => s.resourceType === 'Observation')!.categories!;

const categoryCodes = (resource: Json): string[] =>
  [resource.category]
    .flat()
    .filter((c): c is Json => typeof c === 'object' && c !== null)
    .flatMap((c) =>
      (Array.isArray(c.coding) ? (c.coding as Json[]) : []).map((coding) => String(coding.code)),
    );

/** The fixture's records with one document whose file is a Binary, given by address. */
function withDocument(fixture: string, version: 'R4' | 'DSTU2'): { resources: Json[]; html: string } {
  const resources = resourcesFromBundle(fixture) as Json[];
  const patientId = String(resources.find((r) => r.resourceType === 'Patient')!.id);
  const html = '<html><body><p>Discharge letter: rest, fluids, back in a week.</p></body></html>';
  const document = documentWithAttachment(patientId, {
    id: 'discharge-letter',
    contentType: 'text/html',
    bytes: html,
    title: 'Discharge letter',
    fhirVersion: version,
  }) as Json[];
  return { resources: [...resources, ...document], html };
}

/** What a sync should bring in from a server holding these: the patient's records of the kinds it asks for. */
function expectedRecords(resources: Json[], version: FhirVersion, patientId: string): Json[] {
  const pulled = new Set(['Patient', ...patientSearches(version).map((s) => s.resourceType)]);
  return resources.filter(
    (r) =>
      pulled.has(String(r.resourceType)) &&
      (r.resourceType === 'Patient'
        ? r.id === patientId
        : JSON.stringify(r).includes(`Patient/${patientId}`)),
  );
}

function storedKeys(service: Awaited<ReturnType<typeof newVaultService>>['service'], connectionId: number) {
  return new Set(
    (
      service.vault.db
        .prepare('SELECT resource_type, server_id FROM resources WHERE connection_id = ?')
        .all(connectionId) as { resource_type: string; server_id: string }[]
    ).map((r) => `${r.resource_type}/${r.server_id}`),
  );
}

describe.each([
  ['R4', US_CORE_85],
  ['DSTU2', MATHILDA_DSTU2],
] as const)('an Epic-shaped %s server', (version, fixture) => {
  it('is synced completely: its Patient read by id, observations by category, its warnings noted and never stored, documents in their own type', async () => {
    const { resources, html } = withDocument(fixture, version);
    const warning = 'Some problems are not shown here; ask your clinic.';
    const ehr = await startEpicEhr({ fhirVersion: version, resources, warnings: { Condition: warning } });
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    const connectionId = await connectTo(service, ehr);
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary.failedTypes).toEqual([]);
    expect(summary.outcome).toBe('ok');

    const stored = storedKeys(service, connectionId);
    const expected = expectedRecords(resources, version, ehr.fhir.patientId);
    // Epic answers observations only by category: those filed under a category sync asks for all
    // arrive; one under none of them cannot be asked for (the fixture has none such, see below).
    const observations = expected.filter((r) => r.resourceType === 'Observation');
    expect(observations.length).toBeGreaterThan(10);
    expect(observations.every((o) => categoryCodes(o).some((c) => ASKED_CATEGORIES.includes(c)))).toBe(true);
    for (const record of expected) {
      expect(stored.has(`${String(record.resourceType)}/${String(record.id)}`), String(record.id)).toBe(true);
    }
    // The server's notes were never stored as records, and a warning is named in the sync log.
    expect(
      service.vault.db
        .prepare(`SELECT count(*) FROM resources WHERE resource_type = 'OperationOutcome'`)
        .pluck()
        .get(),
    ).toBe(0);
    const log = await call(service, 'sync.log', { connectionId });
    expect(log.find((l) => l.resourceType === 'Condition')?.message).toContain(warning);
    // Empty searches' "no results" notes (Epic's 4101) say nothing worth a line.
    expect(log.some((l) => l.message?.includes('returns no results'))).toBe(false);

    // What was asked: the Patient by id, never searched; Observation without a category once
    // (refused, 400), then each category; every search naming the patient.
    const requests = ehr.fhir.requests.filter((r) => r.path !== 'metadata');
    expect(requests.filter((r) => r.path === 'Patient')).toEqual([]);
    expect(requests.some((r) => r.path === `Patient/${ehr.fhir.patientId}` && r.status === 200)).toBe(true);
    const plain = requests.filter((r) => r.path === 'Observation' && !r.query.category && !r.query._getpages);
    expect(plain.map((r) => r.status)).toEqual([400]);
    expect(requests.filter((r) => r.status >= 400 && r.path !== 'Observation')).toEqual([]);

    // The document's file came from its Binary, asked for in its own type and answered as itself.
    const binary = requests.find((r) => r.path === 'Binary/discharge-letter')!;
    expect(binary.status).toBe(200);
    const file = service.vault.db
      .prepare(`SELECT data, content_type FROM attachments WHERE url = 'Binary/discharge-letter'`)
      .get() as { data: Buffer; content_type: string };
    expect(file.data.toString('utf8')).toBe(html);
    expect(file.content_type).toBe('text/html');

    const again = await service.sync.runAndWait(connectionId);
    expect(again).toMatchObject({ outcome: 'ok', added: 0, updated: 0, gone: 0 });
  });
});

describe('an Epic-shaped server refuses what Epic refuses', () => {
  it('a Patient search, an Observation search without category, a search without patient, a Binary in a type not asked for', async () => {
    const { resources } = withDocument(US_CORE_85, 'R4');
    const ehr = await startEpicEhr({ fhirVersion: 'R4', resources });
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    await connectTo(service, ehr);
    const token = (
      service.vault.db
        .prepare(`SELECT auth_state FROM connections WHERE kind = 'smart'`)
        .pluck()
        .get() as string
    ).match(/"access_token":"([^"]+)"/)![1]!;
    const get = (path: string, accept = 'application/fhir+json') =>
      fetch(`${ehr.fhir.base}${path}`, { headers: { authorization: `Bearer ${token}`, accept } });
    const id = ehr.fhir.patientId;
    expect((await get(`Patient?_id=${id}`)).status).toBe(403);
    expect((await get(`Patient/${id}`)).status).toBe(200);
    expect((await get(`Observation?patient=${id}`)).status).toBe(400);
    expect((await get(`Condition`)).status).toBe(400);
    const labs = (await (await get(`Observation?patient=${id}&category=laboratory`)).json()) as {
      entry: { resource: Json; search: { mode: string } }[];
    };
    expect(labs.entry.length).toBeGreaterThan(0);
    expect(labs.entry.every((e) => categoryCodes(e.resource).includes('laboratory'))).toBe(true);
    const none = (await (await get(`Observation?patient=${id}&category=therapy`)).json()) as {
      entry: { resource: Json; search: { mode: string } }[];
    };
    expect(none.entry).toEqual([
      expect.objectContaining({
        search: { mode: 'outcome' },
        resource: expect.objectContaining({ resourceType: 'OperationOutcome' }),
      }),
    ]);
    expect((await get('Binary/discharge-letter', 'application/pdf')).status).toBe(406);
    const raw = await get('Binary/discharge-letter', 'text/html');
    expect(raw.headers.get('content-type')).toBe('text/html');
    const resource = await get('Binary/discharge-letter', 'application/fhir+json');
    expect(((await resource.json()) as Json).resourceType).toBe('Binary');
  });
});

describe('types the sign-in did not grant', () => {
  it('Epic answers them 403: named once in the sync log and on the connection, not asked again by the next sync', async () => {
    const resources = resourcesFromBundle(US_CORE_85) as Json[];
    const grantedScope = [
      'launch/patient openid fhirUser offline_access',
      ...[
        'Patient',
        'Observation',
        'Condition',
        'AllergyIntolerance',
        'MedicationRequest',
        'Practitioner',
        'Organization',
        'Encounter',
      ].map((type) => `patient/${type}.read`),
    ].join(' ');
    // The portal grants more than it lets the server answer: Immunization and Procedure are in the
    // token's scope, but this site's server refuses them (403), as one not licensing them would.
    const ehr = await startEpicEhr({
      fhirVersion: 'R4',
      resources,
      grantedScope: `${grantedScope} patient/Immunization.read patient/Procedure.read`,
    });
    ehr.fhir.faults.push(
      { resourceType: 'Immunization', times: Infinity, fault: { kind: 'status', status: 403 } },
      { resourceType: 'Procedure', times: Infinity, fault: { kind: 'status', status: 403 } },
    );
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    const connectionId = await connectTo(service, ehr);

    const first = await service.sync.runAndWait(connectionId);
    expect(first.outcome).toBe('ok');
    expect(first.failedTypes).toEqual([]);
    expect(first.message).toMatch(/did not share \d+ kinds of record/);
    const log = await call(service, 'sync.log', { connectionId });
    const named = log.filter((l) => l.message?.includes('did not share these records'));
    const namedTypes = named.map((l) => l.resourceType).sort();
    expect(namedTypes).toContain('Immunization');
    expect(namedTypes).toContain('Procedure');
    // Not granted at all: never asked for (the server would have said 403).
    expect(namedTypes).toContain('DocumentReference');
    expect(ehr.fhir.requests.some((r) => r.path === 'DocumentReference')).toBe(false);
    expect(ehr.fhir.requests.filter((r) => r.path === 'Immunization').length).toBe(1);

    const [connection] = await call(service, 'connections.list', {});
    expect(connection!.notShared).toEqual(namedTypes);
    // What was granted came in.
    expect(
      service.vault.db
        .prepare(`SELECT count(*) FROM resources WHERE resource_type = 'Condition'`)
        .pluck()
        .get(),
    ).toBeGreaterThan(0);

    const asked = ehr.fhir.requests.length;
    const second = await service.sync.runAndWait(connectionId);
    expect(second).toMatchObject({ outcome: 'ok', message: null });
    const later = ehr.fhir.requests.slice(asked);
    expect(later.filter((r) => r.status === 403)).toEqual([]);
    expect(later.some((r) => ['Immunization', 'Procedure', 'DocumentReference'].includes(r.path))).toBe(
      false,
    );
    const logAfter = await call(service, 'sync.log', { connectionId });
    expect(logAfter.filter((l) => l.message?.includes('did not share these records')).length).toBe(
      named.length,
    );
    expect((await call(service, 'connections.list', {}))[0]!.notShared).toEqual(namedTypes);
  });

  it('a kind refused by the server is asked for again a week later, and brought in once it is shared', async () => {
    const resources = resourcesFromBundle(US_CORE_85) as Json[];
    const ehr = await startEpicEhr({ fhirVersion: 'R4', resources });
    const refusal = {
      resourceType: 'Immunization',
      times: Infinity,
      fault: { kind: 'status' as const, status: 403 },
    };
    ehr.fhir.faults.push(refusal);
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    const connectionId = await connectTo(service, ehr);
    await service.sync.runAndWait(connectionId);
    expect((await call(service, 'connections.list', {}))[0]!.notShared).toEqual(['Immunization']);

    // The site licenses it; a week after the refusal the next sync asks again and brings it in.
    refusal.times = 0;
    const weekAgo = new Date(Date.now() - 8 * 24 * 3600_000).toISOString();
    service.vault.db.prepare(`UPDATE sync_types SET refused_at = ? WHERE refused IS NOT NULL`).run(weekAgo);
    const later = await service.sync.runAndWait(connectionId);
    expect(later.outcome).toBe('ok');
    expect(later.newByCategory.immunizations).toBe(20);
    expect((await call(service, 'connections.list', {}))[0]!.notShared).toEqual([]);
  });

  it('SMART v2 scopes granted for some categories only: only those are asked for', async () => {
    const resources = resourcesFromBundle(US_CORE_85) as Json[];
    const ehr = await startEpicEhr({
      fhirVersion: 'R4',
      resources,
      grantedScope:
        'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Condition.rs patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|social-history',
    });
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    const connectionId = await connectTo(service, ehr);
    expect(await service.sync.runAndWait(connectionId)).toMatchObject({ outcome: 'ok', failedTypes: [] });
    const asked = ehr.fhir.requests.filter((r) => r.path === 'Observation');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((r) => r.query.category === 'social-history' || r.query._getpages)).toBe(true);
    const stored = service.vault.db
      .prepare(`SELECT raw FROM resources WHERE resource_type = 'Observation'`)
      .pluck()
      .all() as string[];
    expect(stored.length).toBe(
      resources.filter((r) => r.resourceType === 'Observation' && categoryCodes(r).includes('social-history'))
        .length,
    );
    expect((await call(service, 'connections.list', {}))[0]!.notShared).not.toContain('Observation');
  });

  it('without offline_access: no refresh token, and the connection says when a new sign-in will be needed', async () => {
    const resources = resourcesFromBundle(US_CORE_85) as Json[];
    const ehr = await startEpicEhr({
      fhirVersion: 'R4',
      resources,
      grantedScope: 'launch/patient openid fhirUser patient/*.read',
    });
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    await connectTo(service, ehr);
    const [connection] = await call(service, 'connections.list', {});
    expect(connection!.lastingAccess).toBe(false);
    expect(Date.parse(connection!.accessEndsAt!)).toBeGreaterThan(Date.now());
    expect(Date.parse(connection!.accessEndsAt!)).toBeLessThan(Date.now() + 3700_000);
    expect(connection!.notShared).toEqual([]);
  });

  it('with offline_access, the connection has lasting access', async () => {
    const resources = resourcesFromBundle(US_CORE_85) as Json[];
    const ehr = await startEpicEhr({ fhirVersion: 'R4', resources });
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    await connectTo(service, ehr);
    const [connection] = await call(service, 'connections.list', {});
    expect(connection).toMatchObject({ lastingAccess: true, accessEndsAt: null, notShared: [] });
  });
});

describe.each([
  // More observations than R4's documented page maximum (200), so paging is exercised.
  ['R4', CATALINA],
  ['DSTU2', IRMGARD_DSTU2],
] as const)('an Oracle Health-shaped %s server', (version, fixture) => {
  it('is synced completely through its page-size limits; kinds it has not licensed (403, 404) are named once', async () => {
    const { resources, html } = withDocument(fixture, version);
    const ehr = await startOracleEhr({
      fhirVersion: version,
      resources,
      unlicensed: { Immunization: 403, Procedure: 404 },
    });
    const { service } = await newVaultService();
    opened.push({ service, ehr });
    const connectionId = await connectTo(service, ehr);
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary.failedTypes).toEqual([]);
    expect(summary.outcome).toBe('ok');

    const stored = storedKeys(service, connectionId);
    const expected = expectedRecords(resources, version, ehr.fhir.patientId).filter(
      (r) => r.resourceType !== 'Immunization' && r.resourceType !== 'Procedure',
    );
    expect(expected.length).toBeGreaterThan(20);
    for (const record of expected) {
      expect(stored.has(`${String(record.resourceType)}/${String(record.id)}`), String(record.id)).toBe(true);
    }
    // Asked for 1000 a page, answered at most the type's documented maximum (R4 200, DSTU2 100),
    // and on R4 fewer from the second page on: several pages, short ones included, each followed.
    const pages = ehr.fhir.requests.filter((r) => r.path === 'Observation' && r.status === 200);
    const observations = expected.filter((r) => r.resourceType === 'Observation').length;
    const first = oraclePageLimit(version, 'Observation').max;
    const later = version === 'R4' ? Math.floor(first * 0.75) : first;
    expect(pages.length).toBe(1 + Math.ceil(Math.max(0, observations - first) / later));
    expect(pages.length).toBeGreaterThan(2);
    expect(pages[0]!.query._count).toBe('1000');
    // Nothing the server does not take was sent (it refuses unknown parameters with 400).
    expect(ehr.fhir.requests.filter((r) => r.status === 400)).toEqual([]);
    const file = service.vault.db
      .prepare(`SELECT data FROM attachments WHERE url = 'Binary/discharge-letter'`)
      .pluck()
      .get() as Buffer;
    expect(file.toString('utf8')).toBe(html);

    // What the app asked is what Oracle takes: R4 MedicationRequest by `patient` only, a search by
    // `subject` (as other types allow) is refused.
    if (version === 'R4') {
      expect(ehr.fhir.requests.filter((r) => r.path === 'MedicationRequest').map((r) => r.status)).toEqual([
        200,
      ]);
      const token = String(
        (
          readSmartAuth(service.vault.db, connectionId)!.authState!.tokenResponse as {
            access_token?: unknown;
          }
        ).access_token,
      );
      const bySubject = await fetch(
        `${ehr.fhir.base}MedicationRequest?subject=Patient/${ehr.fhir.patientId}`,
        {
          headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
        },
      );
      expect(bySubject.status).toBe(400);
      // The second page holds fewer than asked and still has a next one: a client that took a
      // short page for the last would have stopped there.
      const page = async (url: string) =>
        (await (
          await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } })
        ).json()) as { entry?: unknown[]; link?: { relation: string; url: string }[] };
      const next = (bundle: Awaited<ReturnType<typeof page>>) =>
        bundle.link?.find((l) => l.relation === 'next')?.url;
      const firstPage = await page(`${ehr.fhir.base}Observation?patient=${ehr.fhir.patientId}&_count=200`);
      expect(firstPage.entry).toHaveLength(200);
      const secondPage = await page(next(firstPage)!);
      expect(secondPage.entry!.length).toBeLessThan(200);
      expect(next(secondPage)).toBeTruthy();
    }

    const [connection] = await call(service, 'connections.list', {});
    expect(connection!.notShared).toEqual(['Immunization', 'Procedure']);
    const before = ehr.fhir.requests.length;
    expect(await service.sync.runAndWait(connectionId)).toMatchObject({
      outcome: 'ok',
      added: 0,
      updated: 0,
    });
    expect(
      ehr.fhir.requests.slice(before).some((r) => r.path === 'Immunization' || r.path === 'Procedure'),
    ).toBe(false);
  });
});
