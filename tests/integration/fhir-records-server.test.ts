import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  documentWithAttachment,
  resourcesFromBundle,
  startRecordsServer,
  type FhirVersionName,
  type RecordsServer,
} from '../../testkit/fhir-records-server.js';
import { IRMGARD_DSTU2, IRMGARD_STU3, US_CORE_85 } from '../../testkit/fixture-paths.js';
import { startSyncEhr } from '../support/sync-ehr.js';
import { syntheticResources } from '../../testkit/synthetic-patient.js';

/** The records server the sync engine's tests pull from: its paging, filters, changes and faults. */

type Json = Record<string, unknown>;
type Bundle = {
  resourceType: string;
  type: string;
  total: number;
  link: { relation: string; url: string }[];
  entry?: {
    fullUrl: string;
    resource: Json & { id: string; meta: { lastUpdated: string; versionId: string } };
  }[];
};

const TOKEN = 'test-token';
const auth = { authorization: `Bearer ${TOKEN}`, accept: 'application/fhir+json' };

async function get(url: string, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(url, { headers });
}

async function getJson<T = Json>(url: string): Promise<T> {
  const response = await get(url);
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
}

const nextOf = (bundle: Bundle) => bundle.link.find((l) => l.relation === 'next')?.url;

/** Every page of a search, following next links. */
async function allPages(first: string): Promise<Bundle[]> {
  const pages: Bundle[] = [];
  for (let url: string | undefined = first; url; url = nextOf(pages.at(-1)!))
    pages.push(await getJson<Bundle>(url));
  return pages;
}

function start(fhirVersion: FhirVersionName, resources: object[], more: { pageSize?: number } = {}) {
  return startRecordsServer({
    fhirVersion,
    resources,
    issuer: () => 'http://127.0.0.1:1',
    isValidToken: async (t) => t === TOKEN,
    ...more,
  });
}

const FIXTURES: [FhirVersionName, string, string, string][] = [
  ['DSTU2', IRMGARD_DSTU2, '1.0.2', 'Conformance'],
  ['STU3', IRMGARD_STU3, '3.0.2', 'CapabilityStatement'],
  ['R4', US_CORE_85, '4.0.1', 'CapabilityStatement'],
];

describe.each(FIXTURES)('a %s records server', (fhirVersion, fixture, versionNumber, capabilityType) => {
  let server: RecordsServer;
  let resources: (Json & { resourceType: string; id: string })[];
  const observations = () => resources.filter((r) => r.resourceType === 'Observation');

  beforeAll(async () => {
    resources = resourcesFromBundle(fixture) as typeof resources;
    server = await start(fhirVersion, resources);
  });
  afterAll(() => server.close());

  it('describes itself without a token, in its version', async () => {
    const metadata = (await (await fetch(`${server.base}metadata`)).json()) as Json & {
      rest: {
        security: { extension: { url: string }[] };
        resource: { type: string; searchParam: Json[] }[];
      }[];
    };
    expect(metadata.resourceType).toBe(capabilityType);
    expect(metadata.fhirVersion).toBe(versionNumber);
    expect(metadata.rest[0]!.security.extension[0]!.url).toContain('oauth-uris');
    const observation = metadata.rest[0]!.resource.find((r) => r.type === 'Observation')!;
    expect(observation.searchParam.map((p) => p.name)).toEqual(
      expect.arrayContaining(['patient', '_lastUpdated']),
    );
    expect(metadata.rest[0]!.resource.map((r) => r.type)).toContain('Binary');
    const smart = (await (await fetch(`${server.base}.well-known/smart-configuration`)).json()) as Json;
    expect(smart.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('gives every resource an id and points the patient references at the Patient', () => {
    expect(resources.every((r) => typeof r.id === 'string' && r.id.length > 0)).toBe(true);
    for (const observation of observations()) {
      expect((observation.subject as Json).reference).toBe(`Patient/${server.patientId}`);
    }
  });

  it("pages through a type's search with same-origin, stable next links", async () => {
    const pages = await allPages(`${server.base}Observation?patient=${server.patientId}&_count=50`);
    const expected = observations().length;
    expect(pages.length).toBe(Math.ceil(expected / 50));
    for (const page of pages) {
      expect(page.type).toBe('searchset');
      expect(page.total).toBe(expected);
      const next = nextOf(page);
      if (next) expect(new URL(next).origin).toBe(new URL(server.base).origin);
    }
    const ids = pages.flatMap((p) => p.entry!.map((e) => e.resource.id));
    expect(new Set(ids).size).toBe(expected);
    expect(new Set(ids)).toEqual(new Set(observations().map((o) => o.id)));
    const first = pages[0]!.entry![0]!.resource;
    expect(first.meta.lastUpdated).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(first.meta.versionId).toBe('1');

    // A stored next link, followed again later (as a resumed sync would), gives the same page.
    const second = nextOf(pages[0]!)!;
    const again = await getJson<Bundle>(second);
    expect(again.entry!.map((e) => e.resource.id)).toEqual(pages[1]!.entry!.map((e) => e.resource.id));
    expect(nextOf(again)).toBe(nextOf(pages[1]!));
  });

  it('takes the patient as subject too, and finds nothing for another patient', async () => {
    const bySubject = await getJson<Bundle>(`${server.base}Observation?subject=Patient/${server.patientId}`);
    expect(bySubject.total).toBe(observations().length);
    const other = await getJson<Bundle>(`${server.base}Observation?patient=someone-else`);
    expect(other.total).toBe(0);
    expect(other.entry ?? []).toEqual([]);
  });

  it('reads the Patient and other resources, and says 404 for unknown ones', async () => {
    const patient = await getJson(`${server.base}Patient/${server.patientId}`);
    expect(patient.id).toBe(server.patientId);
    const organization = resources.find((r) => r.resourceType === 'Organization')!;
    expect((await getJson(`${server.base}Organization/${organization.id}`)).id).toBe(organization.id);
    const missing = await get(`${server.base}Observation/no-such-thing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Json).resourceType).toBe('OperationOutcome');
    expect((await get(`${server.base}NoSuchType?patient=${server.patientId}`)).status).toBe(404);
  });

  it('serves a document as a Binary resource or as raw bytes', async () => {
    const html = '<html><body><h1>Discharge summary</h1></body></html>';
    const [document, binary] = documentWithAttachment(server.patientId, {
      id: `doc-${fhirVersion.toLowerCase()}`,
      contentType: 'text/html',
      bytes: html,
      title: 'Discharge summary',
      fhirVersion,
    });
    server.put(document);
    server.put(binary);
    const found = await getJson<Bundle>(`${server.base}DocumentReference?patient=${server.patientId}`);
    const entry = found.entry!.find((e) => e.resource.id === (document as Json).id)!;
    const attachment = (entry.resource.content as { attachment: { url: string; size: number } }[])[0]!
      .attachment;
    expect(attachment).toMatchObject({ url: `Binary/doc-${fhirVersion.toLowerCase()}`, size: html.length });

    const resource = await getJson(new URL(attachment.url, server.base).href);
    const data = resource[fhirVersion === 'R4' ? 'data' : 'content'] as string;
    expect(Buffer.from(data, 'base64').toString('utf8')).toBe(html);
    const raw = await get(new URL(attachment.url, server.base).href, { authorization: `Bearer ${TOKEN}` });
    expect(raw.headers.get('content-type')).toBe('text/html');
    expect(raw.headers.get('content-length')).toBe(String(html.length));
    expect(await raw.text()).toBe(html);
  });
});

describe('changes and _lastUpdated', () => {
  let server: RecordsServer;
  let resources: (Json & { resourceType: string; id: string })[];
  beforeAll(async () => {
    resources = resourcesFromBundle(US_CORE_85) as typeof resources;
    server = await start('R4', resources);
  });
  afterAll(() => server.close());

  it('filters by _lastUpdated and reflects put and remove', async () => {
    const search = `${server.base}Condition?patient=${server.patientId}`;
    const before = (await allPages(search)).flatMap((p) => p.entry!);
    const since = before
      .map((e) => e.resource.meta.lastUpdated)
      .sort()
      .at(-1)!;
    expect((await getJson<Bundle>(`${search}&_lastUpdated=gt${since}`)).total).toBe(0);
    expect((await getJson<Bundle>(`${search}&_lastUpdated=ge${since}`)).total).toBe(before.length);

    const changed = { ...before[0]!.resource, clinicalStatus: { text: 'resolved' } };
    server.put(changed);
    server.remove('Condition', before[1]!.resource.id);
    const updated = await getJson<Bundle>(`${search}&_lastUpdated=gt${since}`);
    expect(updated.total).toBe(1);
    expect(updated.entry![0]!.resource).toMatchObject({
      id: changed.id,
      clinicalStatus: { text: 'resolved' },
    });
    expect(updated.entry![0]!.resource.meta.versionId).toBe('2');
    expect(updated.entry![0]!.resource.meta.lastUpdated > since).toBe(true);
    expect((await getJson<Bundle>(`${search}&_lastUpdated=lt${since}`)).total).toBe(0);

    const after = (await allPages(search)).flatMap((p) => p.entry!.map((e) => e.resource.id));
    expect(after).toHaveLength(before.length - 1);
    expect(after).not.toContain(before[1]!.resource.id);
    // The changed one sorts last now: results are in order of lastUpdated, then id.
    expect(after.at(-1)).toBe(changed.id);
    expect((await get(`${server.base}Condition/${before[1]!.resource.id}`)).status).toBe(404);
  });

  it('refuses a request without a valid token, with www-authenticate', async () => {
    const none = await fetch(`${server.base}Condition?patient=${server.patientId}`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await get(`${server.base}Patient/${server.patientId}`, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(server.requests.at(-1)).toMatchObject({
      path: `Patient/${server.patientId}`,
      status: 401,
      authorized: false,
    });
  });
});

describe('faults', () => {
  let server: RecordsServer;
  let search: string;
  beforeAll(async () => {
    server = await start('STU3', resourcesFromBundle(IRMGARD_STU3), { pageSize: 50 });
    search = `${server.base}Observation?patient=${server.patientId}`;
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.faults.length = 0;
  });

  it('answers a status with Retry-After, as many times as asked, then normally', async () => {
    server.faults.push({
      resourceType: 'Observation',
      times: 2,
      fault: { kind: 'status', status: 429, retryAfter: '2' },
    });
    for (let i = 0; i < 2; i++) {
      const busy = await get(search);
      expect(busy.status).toBe(429);
      expect(busy.headers.get('retry-after')).toBe('2');
    }
    expect((await get(search)).status).toBe(200);
    expect(server.faults[0]!.times).toBe(0);
    expect(server.requests.slice(-3).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('matches the page number, the type and a custom body', async () => {
    server.faults.push({
      resourceType: 'Observation',
      page: 2,
      fault: { kind: 'status', status: 503, body: '<html>down</html>' },
    });
    server.faults.push({ resourceType: 'Condition', fault: { kind: 'status', status: 500 } });
    const first = await getJson<Bundle>(search);
    const second = await get(nextOf(first)!);
    expect(second.status).toBe(503);
    expect(second.headers.get('content-type')).toContain('text/html');
    expect(await second.text()).toBe('<html>down</html>');
    expect((await get(nextOf(first)!)).status).toBe(200);
    expect((await get(`${server.base}Condition?patient=${server.patientId}`)).status).toBe(500);
  });

  it('answers correctly, only later', async () => {
    server.faults.push({ resourceType: '*', fault: { kind: 'slow', delayMs: 300 } });
    const started = Date.now();
    const bundle = await getJson<Bundle>(search);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(bundle.entry).toHaveLength(50);
  });

  it('cuts the JSON in half', async () => {
    server.faults.push({ resourceType: 'metadata', fault: { kind: 'malformed-json' } });
    const response = await fetch(`${server.base}metadata`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/fhir+json');
    await expect(response.json()).rejects.toThrow();
  });

  it('breaks the first entry and leaves the rest', async () => {
    server.faults.push({ resourceType: 'Observation', fault: { kind: 'bad-resource' } });
    const bundle = await getJson<Bundle>(search);
    expect(bundle.type).toBe('searchset');
    expect(typeof bundle.entry![0]!.resource.id).toBe('number');
    expect(bundle.entry![0]!.resource.effectiveDateTime).toBe(12);
    expect(typeof bundle.entry![1]!.resource.id).toBe('string');
  });

  it('points the next link at another origin', async () => {
    server.faults.push({ resourceType: 'Observation', page: 1, fault: { kind: 'foreign-next' } });
    const bundle = await getJson<Bundle>(search);
    expect(new URL(nextOf(bundle)!).origin).toBe('http://127.0.0.2:9');
    server.faults.push({
      resourceType: 'Observation',
      fault: { kind: 'foreign-next', url: 'https://evil.test/x' },
    });
    expect(nextOf(await getJson<Bundle>(search))).toBe('https://evil.test/x');
  });

  it('says the token expired, once', async () => {
    server.faults.push({ resourceType: 'Patient', fault: { kind: 'expire-token' } });
    const expired = await get(`${server.base}Patient/${server.patientId}`);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await get(`${server.base}Patient/${server.patientId}`)).status).toBe(200);
  });

  it('refuses a page token it did not make', async () => {
    expect((await get(`${server.base}Observation?_getpages=bm90LWpzb24&_page=2`)).status).toBe(400);
  });
});

describe('a large patient', () => {
  // How fast it serves is shown by bench/sync-bench.ts (its handling time beside the client's), not timed here.
  it('serves 10,000 resources in pages of 1000, every one once', async () => {
    const resources = [...syntheticResources({ seed: 7, resources: 10_000 })];
    const server = await start('R4', resources);
    try {
      const types = [...new Set(resources.map((r) => r.resourceType))].filter((t) => t !== 'Patient');
      let served = 0;
      for (const type of types) {
        for (const page of await allPages(`${server.base}${type}?patient=${server.patientId}&_count=1000`)) {
          served += page.entry?.length ?? 0;
        }
      }
      expect(served).toBe(resources.length - 1);
    } finally {
      await server.close();
    }
  });
});

describe('startSyncEhr', () => {
  it('refuses an unauthenticated request and describes itself', async () => {
    const ehr = await startSyncEhr({ fhirVersion: 'DSTU2', resources: resourcesFromBundle(IRMGARD_DSTU2) });
    try {
      const refused = await fetch(`${ehr.fhir.base}Observation?patient=${ehr.fhir.patientId}`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(await ehr.auth.isValidToken('made-up')).toBe(false);
      const smart = (await (await fetch(`${ehr.fhir.base}.well-known/smart-configuration`)).json()) as Json;
      expect(smart.token_endpoint).toBe(`${ehr.auth.issuer}/token`);
    } finally {
      await ehr.close();
    }
  });
});
