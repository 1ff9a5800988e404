import { describe, expect, it } from 'vitest';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { call, closedAfterAll, connectTo, newVaultService, pagesStored } from '../support/connected-vault.js';
import type { FaultRule } from '../../testkit/fhir-records-server.js';
import { DAISEY } from '../../testkit/fixture-paths.js';
import { documentWithAttachment, resourcesFromBundle, startSyncEhr } from '../support/sync-ehr.js';

const opened = closedAfterAll();

/** Patient enough to survive the faults, quick enough for a test: waits of milliseconds, not seconds. */
const RUN = {
  pageSize: 20,
  timeoutMs: 700,
  policy: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 10_000 },
};

async function connected(
  options: {
    faults?: FaultRule[];
    extra?: object[];
    advertiseLastUpdated?: boolean;
    attachmentMaxBytes?: number;
  } = {},
) {
  const resources = [...(resourcesFromBundle(DAISEY) as Json[]), ...(options.extra ?? [])];
  const ehr = await startSyncEhr({
    fhirVersion: 'R4',
    resources,
    advertiseLastUpdated: options.advertiseLastUpdated,
  });
  const { service, events } = await newVaultService({
    automatic: false,
    run: { ...RUN, attachmentMaxBytes: options.attachmentMaxBytes },
  });
  opened.push({ service, ehr });
  const connectionId = await connectTo(service, ehr);
  ehr.fhir.faults.push(...(options.faults ?? []));
  const count = () =>
    (
      service.vault.db
        .prepare('SELECT count(*) AS n FROM resources WHERE connection_id = ?')
        .get(connectionId) as {
        n: number;
      }
    ).n;
  return { ehr, service, events, connectionId, count };
}

/** The served patient's id, for records made up to go with theirs. */
const daiseyId = () =>
  String((resourcesFromBundle(DAISEY) as Json[]).find((r) => r.resourceType === 'Patient')!.id);

/** A PDF document for the served patient: [DocumentReference, Binary]. */
const pdfDocument = (id: string, bytes: Buffer | string, title: string) =>
  documentWithAttachment(daiseyId(), { id, contentType: 'application/pdf', bytes, title }) as [Json, Json];
const LETTER = '%PDF-1.4 letter';
/** 300,000 bytes that read as a PDF. */
const SCAN = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(300_000 - 9, 32)]);

/** How many records a clean sync of the same patient stores, to compare faulty runs with. */
let cleanCount = 0;

describe('sync against a server that misbehaves', () => {
  it('a clean run first, for comparison', async () => {
    const { service, connectionId, count } = await connected();
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    cleanCount = count();
    expect(cleanCount).toBeGreaterThan(100);
  });

  it('waits out 429 with Retry-After in seconds and as a date, and 503, then finishes', async () => {
    const soon = new Date(Date.now() + 1500).toUTCString();
    const { ehr, service, events, connectionId, count } = await connected({
      faults: [
        { resourceType: 'Observation', page: 2, fault: { kind: 'status', status: 429, retryAfter: '1' } },
        { resourceType: 'Condition', page: 1, fault: { kind: 'status', status: 429, retryAfter: soon } },
        { resourceType: 'Encounter', page: 1, times: 2, fault: { kind: 'status', status: 503 } },
      ],
    });
    const started = Date.now();
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary).toMatchObject({ outcome: 'ok', failedTypes: [] });
    expect(count()).toBe(cleanCount);
    // The Retry-After seconds were honoured: the retried page came at least a second later.
    const observationPages = ehr.fhir.requests.filter((r) => r.path === 'Observation');
    const [refused, retried] = observationPages.filter((r) => r.query._getpages ?? r.query._page).slice(0, 2);
    if (refused && retried) expect(retried.at - refused.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const waits = events
      .filter((e) => e.event === 'sync.progress')
      .map((e) => (e.payload as { message: string | null }).message)
      .filter((m): m is string => !!m);
    expect(waits.some((m) => /busy and asked to wait/.test(m))).toBe(true);
    expect(ehr.fhir.requests.filter((r) => r.status === 503)).toHaveLength(2);
  });

  it('retries a page that answers too slowly, and one cut in half', async () => {
    const { ehr, service, connectionId, count } = await connected({
      faults: [
        { resourceType: 'Observation', page: 1, fault: { kind: 'slow', delayMs: 2000 } },
        { resourceType: 'Procedure', page: 1, fault: { kind: 'malformed-json' } },
      ],
    });
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary).toMatchObject({ outcome: 'ok', failedTypes: [] });
    expect(count()).toBe(cleanCount);
    expect(ehr.fhir.requests.filter((r) => r.path === 'Procedure').length).toBeGreaterThanOrEqual(2);
  });

  it('skips a record that breaks the schema, keeps the rest and says so in the log', async () => {
    const { service, connectionId, count } = await connected({
      faults: [{ resourceType: 'Immunization', page: 1, fault: { kind: 'bad-resource' } }],
    });
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary.outcome).toBe('ok');
    expect(count()).toBe(cleanCount - 1);
    const log = await call(service, 'sync.log', { connectionId });
    expect(log.find((l) => l.resourceType === 'Immunization')?.message).toMatch(
      /1 record was not valid FHIR/,
    );
  });

  it('does not store a record the server returns about another patient, and says so', async () => {
    const patientId = daiseyId();
    const stranger = {
      resourceType: 'Observation',
      id: 'stranger-glucose',
      status: 'final',
      code: { text: 'Glucose' },
      // A server that mixed two patients up: found by this patient's search, about someone else.
      subject: { reference: 'Patient/someone-else' },
      patient: { reference: `Patient/${patientId}` },
      valueQuantity: { value: 300, unit: 'mg/dL' },
    };
    const { service, connectionId, count } = await connected({ extra: [stranger] });
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    expect(count()).toBe(cleanCount);
    const log = await call(service, 'sync.log', { connectionId });
    expect(log.find((l) => l.resourceType === 'Observation')?.message).toMatch(
      /1 record was about another patient/,
    );
  });

  it('asks by category where a server refuses a search without one (as Epic does for Observation)', async () => {
    const { ehr, service, connectionId, count } = await connected({
      faults: [{ resourceType: 'Observation', page: 1, fault: { kind: 'status', status: 400 } }],
    });
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary).toMatchObject({ outcome: 'ok', failedTypes: [] });
    expect(count()).toBe(cleanCount);
    const categories = ehr.fhir.requests
      .filter((r) => r.path === 'Observation' && r.query.category)
      .map((r) => r.query.category);
    expect(categories).toEqual(
      expect.arrayContaining(['laboratory', 'vital-signs', 'social-history', 'survey']),
    );
  });

  it('never follows a next link to another origin: that type fails, the others finish', async () => {
    const { ehr, service, connectionId } = await connected({
      faults: [{ resourceType: 'Observation', page: 1, fault: { kind: 'foreign-next' } }],
    });
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary.outcome).toBe('partial');
    expect(summary.failedTypes).toEqual([
      { resourceType: 'Observation', message: expect.stringMatching(/another site/) as string },
    ]);
    expect(ehr.fhir.requests.every((r) => !r.path.includes('127.0.0.2'))).toBe(true);
    const log = await call(service, 'sync.log', { connectionId });
    expect(log[0]).toMatchObject({ resourceType: null, outcome: 'partial' });
    expect(log.find((l) => l.resourceType === 'Observation')).toMatchObject({ outcome: 'failed' });
    // The next run starts that type afresh and completes.
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
  });

  it('gives up on a type that keeps failing, after a bounded number of tries, and goes on', async () => {
    const { ehr, service, connectionId } = await connected({
      faults: [{ resourceType: 'Encounter', times: Infinity, fault: { kind: 'status', status: 500 } }],
    });
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary.outcome).toBe('partial');
    expect(summary.failedTypes.map((f) => f.resourceType)).toEqual(['Encounter']);
    expect(summary.failedTypes[0]!.message).toMatch(/answered 500 4 times/);
    expect(ehr.fhir.requests.filter((r) => r.path === 'Encounter')).toHaveLength(4);
    expect(summary.added).toBeGreaterThan(50);
  });

  it('refreshes an access token that expires in the middle of a sync, once, and goes on', async () => {
    const { ehr, service, connectionId, count } = await connected({
      faults: [{ resourceType: 'Observation', page: 3, fault: { kind: 'expire-token' } }],
    });
    const before = ehr.auth.tokenRequests.filter((t) => t.grantType === 'refresh_token').length;
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary).toMatchObject({ outcome: 'ok', failedTypes: [] });
    expect(ehr.auth.tokenRequests.filter((t) => t.grantType === 'refresh_token').length).toBe(before + 1);
    expect(count()).toBe(cleanCount);
  });

  it('stops when cancelled, keeps what arrived, and the next run completes without duplicates', async () => {
    const { service, connectionId, count, events } = await connected();
    const done = service.sync.runAndWait(connectionId);
    await pagesStored(events, 3);
    expect(await call(service, 'sync.cancel', { connectionId })).toEqual({ cancelled: true });
    const cancelled = await done;
    expect(cancelled.outcome).toBe('cancelled');
    expect(count()).toBeLessThan(cleanCount);
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    expect(count()).toBe(cleanCount);
  });

  it('marks what a full pull no longer returns as no longer at the source, and updates what changed', async () => {
    const { ehr, service, connectionId } = await connected({ advertiseLastUpdated: false });
    await service.sync.runAndWait(connectionId);
    const db = service.vault.db;
    const [first, second] = db
      .prepare(
        `SELECT server_id, raw FROM resources WHERE connection_id = ? AND resource_type = 'Condition' ORDER BY id LIMIT 2`,
      )
      .all(connectionId) as { server_id: string; raw: string }[];
    ehr.fhir.remove('Condition', first!.server_id);
    ehr.fhir.put({ ...(JSON.parse(second!.raw) as object), clinicalStatus: { text: 'resolved' } });
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary).toMatchObject({ outcome: 'ok', gone: 1, updated: 1, added: 0 });
    const state = (id: string) =>
      db
        .prepare(
          `SELECT source_state, version FROM resources WHERE connection_id = ? AND resource_type = 'Condition' AND server_id = ?`,
        )
        .get(connectionId, id);
    expect(state(first!.server_id)).toEqual({ source_state: 'gone', version: 1 });
    expect(state(second!.server_id)).toEqual({ source_state: 'present', version: 2 });
  });

  it('asks only for what changed where the server advertises _lastUpdated', async () => {
    const { ehr, service, connectionId } = await connected({ advertiseLastUpdated: true });
    await service.sync.runAndWait(connectionId);
    const firstRun = ehr.fhir.requests.length;
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary.outcome).toBe('ok');
    const searches = ehr.fhir.requests.slice(firstRun).filter((r) => r.path === 'Condition');
    expect(searches[0]!.query._lastUpdated).toMatch(/^gt\d{4}-/);
  });

  it('downloads documents’ files within the size bound, and lists the larger ones without them', async () => {
    const patientId = daiseyId();
    const small = documentWithAttachment(patientId, {
      id: 'letter',
      contentType: 'text/html',
      bytes: '<p>Discharge letter</p>',
      title: 'Discharge letter',
    });
    const large = documentWithAttachment(patientId, {
      id: 'scan',
      contentType: 'application/pdf',
      bytes: Buffer.alloc(300_000, 7),
      title: 'Scanned notes',
    });
    const { service, connectionId } = await connected({
      extra: [...small, ...large],
      attachmentMaxBytes: 100_000,
    });
    const summary = await service.sync.runAndWait(connectionId);
    expect(summary.outcome).toBe('ok');
    const rows = service.vault.db
      .prepare('SELECT url, content_type, size, length(data) AS stored FROM attachments ORDER BY url')
      .all();
    expect(rows).toEqual([
      { url: 'Binary/letter', content_type: 'text/html', size: 23, stored: 23 },
      { url: 'Binary/scan', content_type: 'application/pdf', size: 300_000, stored: null },
    ]);
  });

  it('tries a file whose download failed again at the next sync, though that sync does not bring its document again', async () => {
    const { ehr, service, connectionId } = await connected({
      extra: pdfDocument('letter', LETTER, 'Discharge letter'),
      faults: [{ resourceType: 'Binary', times: Infinity, fault: { kind: 'status', status: 500 } }],
    });
    // The records all came in; the sync log says the file did not, and that it will be tried again.
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    const log = await call(service, 'sync.log', { connectionId });
    expect(log.find((e) => e.resourceType === 'Binary')).toMatchObject({
      outcome: 'failed',
      message: '1 document’s file could not be downloaded; the next sync tries again.',
    });
    const stored = () =>
      service.vault.db.prepare('SELECT size, length(data) AS stored, skipped FROM attachments').all();
    expect(stored()).toEqual([{ size: 15, stored: null, skipped: 'failed' }]);
    const recordId = service.vault.db
      .prepare("SELECT id FROM resources WHERE server_id = 'letter-doc'")
      .pluck()
      .get();
    expect(
      await call(service, 'records.attachment', { recordId: recordId as number, index: 0 }),
    ).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringMatching(/not been downloaded yet: it will be the next time/) as unknown,
    });

    // The server mends. The next run asks only for what changed (the document did not), and still
    // fetches the file.
    ehr.fhir.faults.length = 0;
    const documentSearches = () => ehr.fhir.requests.filter((r) => r.path === 'DocumentReference');
    const searchesBefore = documentSearches().length;
    const second = await service.sync.runAndWait(connectionId);
    expect(second.outcome).toBe('ok');
    expect(
      documentSearches()
        .slice(searchesBefore)
        .every((r) => '_lastUpdated' in r.query),
    ).toBe(true);
    expect(stored()).toEqual([{ size: 15, stored: 15, skipped: null }]);
  });

  it('asks for a file the server always fails on at the next syncs, then once a week after three failed syncs in a row', async () => {
    const { ehr, service, connectionId } = await connected({
      extra: pdfDocument('letter', LETTER, 'Discharge letter'),
      faults: [{ resourceType: 'Binary', times: Infinity, fault: { kind: 'status', status: 500 } }],
    });
    const db = service.vault.db;
    const binaryAsks = () => ehr.fhir.requests.filter((r) => r.path.startsWith('Binary')).length;
    const row = () => db.prepare('SELECT length(data) AS stored, skipped, failures FROM attachments').get();
    const logLine = async () =>
      (await call(service, 'sync.log', { connectionId })).find((e) => e.resourceType === 'Binary')?.message;
    const reason = async () => {
      const recordId = db.prepare("SELECT id FROM resources WHERE server_id = 'letter-doc'").pluck().get();
      return (
        (await call(service, 'records.attachment', { recordId: recordId as number, index: 0 })) as {
          reason?: string;
        }
      ).reason;
    };

    for (const failures of [1, 2]) {
      await service.sync.runAndWait(connectionId);
      expect(row()).toEqual({ stored: null, skipped: 'failed', failures });
      expect(await logLine()).toBe('1 document’s file could not be downloaded; the next sync tries again.');
    }
    await service.sync.runAndWait(connectionId);
    expect(row()).toEqual({ stored: null, skipped: 'failed', failures: 3 });
    expect(await logLine()).toBe(
      '1 document’s file could not be downloaded: it has failed 3 syncs in a row, so PHR Vault asks for it once a week.',
    );
    expect(await reason()).toMatch(
      /failed to send it the last 3 times PHR Vault asked\. PHR Vault asks again once a week\.$/,
    );

    // The next sync leaves it be: no request for it, nothing new in the log about it.
    const asked = binaryAsks();
    const runs = (await call(service, 'sync.log', { connectionId })).length;
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    expect(binaryAsks()).toBe(asked);
    const log = await call(service, 'sync.log', { connectionId });
    expect(log.slice(0, log.length - runs).map((e) => e.resourceType)).not.toContain('Binary');

    // A week on (its last try dated back eight days), a sync asks once more; the server has mended.
    const weekAgo = () =>
      db
        .prepare('UPDATE attachments SET fetched_at = ?')
        .run(new Date(Date.now() - 8 * 24 * 60 * 60 * 1000).toISOString());
    weekAgo();
    await service.sync.runAndWait(connectionId);
    expect(binaryAsks()).toBeGreaterThan(asked);
    expect(row()).toEqual({ stored: null, skipped: 'failed', failures: 4 });
    ehr.fhir.faults.length = 0;
    weekAgo();
    await service.sync.runAndWait(connectionId);
    expect(row()).toEqual({ stored: 15, skipped: null, failures: 0 });
  });

  it('notes a file sent without its length that runs over the bound as at least that large, and does not fetch it again at that bound', async () => {
    const scan = pdfDocument('scan', SCAN, 'Scanned notes');
    // Its reference does not say how large it is, and the server does not either.
    delete (scan[0].content as { attachment: Json }[])[0]!.attachment.size;
    const { ehr, service, connectionId } = await connected({
      extra: scan,
      faults: [{ resourceType: 'Binary', times: Infinity, fault: { kind: 'no-length' } }],
    });
    await call(service, 'sync.setDocumentLimit', { connectionId, maxBytes: 100_000 });
    const binaryAsks = () => ehr.fhir.requests.filter((r) => r.path.startsWith('Binary')).length;
    const rows = () =>
      service.vault.db.prepare('SELECT size, length(data) AS stored, skipped FROM attachments').all();

    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    expect(binaryAsks()).toBe(1);
    const [row] = rows() as { size: number; stored: null; skipped: string }[];
    expect(row).toMatchObject({ stored: null, skipped: 'too-large' });
    // What was read before giving up, as decoded bytes at the least: over the bound.
    expect(row!.size).toBeGreaterThan(100_000);
    expect(row!.size).toBeLessThanOrEqual(300_000);

    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    expect(binaryAsks()).toBe(1);

    await call(service, 'sync.setDocumentLimit', { connectionId, maxBytes: 1024 * 1024 });
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    expect(binaryAsks()).toBe(2);
    expect(rows()).toEqual([{ size: 300_000, stored: 300_000, skipped: null }]);
  });

  it('keeps to the bound the person set for the connection, fetches what a raised one allows, and says why a file is not there', async () => {
    const letter = pdfDocument('letter', LETTER, 'Discharge letter');
    const scan = pdfDocument('scan', SCAN, 'Scanned notes');
    // One kept at another site (the sign-in is never sent there), one the server no longer has.
    const [far] = pdfDocument('far', 'far away', 'Held elsewhere');
    ((far.content as Json[])[0]!.attachment as Json).url = 'https://files.example.org/far.pdf';
    const [gone] = pdfDocument('gone', 'missing', 'Gone');
    const { ehr, service, connectionId } = await connected({ extra: [...letter, ...scan, far, gone] });
    const db = service.vault.db;
    const binaryAsks = () => ehr.fhir.requests.filter((r) => r.path.startsWith('Binary')).length;
    const rows = () =>
      db.prepare('SELECT url, size, length(data) AS stored, skipped FROM attachments ORDER BY url, id').all();
    const reason = async (serverId: string) => {
      const recordId = db.prepare('SELECT id FROM resources WHERE server_id = ?').pluck().get(serverId);
      const content = await call(service, 'records.attachment', {
        recordId: recordId as number,
        index: 0,
      });
      return content.kind === 'unavailable' ? content.reason : content.kind;
    };

    // "List them, download none": nothing is asked for, and each file says why it is not here.
    const listOnly = await call(service, 'sync.setDocumentLimit', {
      connectionId,
      maxBytes: 0,
    });
    expect(listOnly.documentMaxBytes).toBe(0);
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    expect(binaryAsks()).toBe(0);
    expect(rows()).toEqual([
      { url: 'Binary/gone', size: 7, stored: null, skipped: 'too-large' },
      { url: 'Binary/letter', size: 15, stored: null, skipped: 'too-large' },
      { url: 'Binary/scan', size: 300_000, stored: null, skipped: 'too-large' },
      { url: 'https://files.example.org/far.pdf', size: 8, stored: null, skipped: 'too-large' },
    ]);
    expect(await reason('letter-doc')).toMatch(/set to list documents’ files without downloading them/);

    // Raised to 100 kB: the next run fetches what that allows, and learns why the others stay out.
    ehr.fhir.remove('Binary', 'gone');
    await call(service, 'sync.setDocumentLimit', { connectionId, maxBytes: 100_000 });
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    expect(rows()).toEqual([
      { url: 'Binary/gone', size: 7, stored: null, skipped: 'gone' },
      { url: 'Binary/letter', size: 15, stored: 15, skipped: null },
      { url: 'Binary/scan', size: 300_000, stored: null, skipped: 'too-large' },
      { url: 'https://files.example.org/far.pdf', size: 8, stored: null, skipped: 'elsewhere' },
    ]);
    expect(await reason('letter-doc')).toBe('pdf');
    expect(await reason('scan-doc')).toMatch(
      /larger than the limit of 0\.1 MB set for this connection\. Raise it/,
    );
    expect(await reason('far-doc')).toMatch(/at another address .* your sign-in is never sent anywhere else/);
    expect(await reason('gone-doc')).toBe('The health system’s server no longer has this file.');

    // Back to the default: the scan comes in; what is elsewhere or gone is not asked for again.
    const asked = binaryAsks();
    await call(service, 'sync.setDocumentLimit', { connectionId, maxBytes: 20 * 1024 * 1024 });
    expect((await service.sync.runAndWait(connectionId)).outcome).toBe('ok');
    expect(binaryAsks()).toBe(asked + 1);
    expect(rows()).toContainEqual({ url: 'Binary/scan', size: 300_000, stored: 300_000, skipped: null });
    expect(rows()).toHaveLength(4);
    expect(await reason('scan-doc')).toBe('pdf');
  });
});
