import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import Negotiator from 'negotiator';
import { oauthUris, smartConfigurationOf } from './fhir-server.js';

/**
 * A patient's FHIR records server on 127.0.0.1, for the sync engine's tests: R4, STU3 or DSTU2,
 * bearer tokens checked on every data request, searchset paging with next links that survive a
 * client restart, `_lastUpdated` filters, Binary documents, and faults injected on any request.
 *
 * Hand-written on purpose: no npm FHIR server serves STU3 and DSTU2 (medplum, used by
 * fhir-server.ts for R4 against a real well-kept server, is R4 only), and fault injection needs
 * control over every answer, down to the bytes of a page cut in half.
 *
 * What it leaves out, as a lenient server would: search parameters other than the patient ones,
 * `_id`, `_count` and `_lastUpdated` are ignored (so `category=laboratory` returns every
 * Observation), and `_lastUpdated` is ignored too when the CapabilityStatement does not
 * advertise it, so a client that sends it anyway gets everything back rather than an error.
 * A resource that references no patient (a DSTU2 Synthea Goal, an Organization) is found by a
 * search without a patient parameter and by a read, never by a patient search.
 */
export type FhirVersionName = 'R4' | 'STU3' | 'DSTU2';

export type Fault =
  /** e.g. 429 with Retry-After '2' or an HTTP date, 503, 500, 404; body defaults to an OperationOutcome. */
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  /** Answers correctly, only after delayMs. */
  | { kind: 'slow'; delayMs: number }
  /** 200, content-type fhir+json, the real answer cut in half. */
  | { kind: 'malformed-json' }
  /** 200, the real searchset (or resource) with its first entry breaking the FHIR schema. */
  | { kind: 'bad-resource' }
  /** 200, the real page with its next link moved to another origin (default http://127.0.0.2:9). */
  | { kind: 'foreign-next'; url?: string }
  /** 401 as if the access token expired: the client is expected to refresh and retry. */
  | { kind: 'expire-token' }
  /** The real answer, sent in pieces without a Content-Length, as a streaming server does. */
  | { kind: 'no-length' }
  /**
   * Answers correctly once `until` settles: a test holds a sync open while it looks at what the
   * app shows during one, however slow the machine, instead of racing a timed delay.
   */
  | { kind: 'held'; until: Promise<unknown> };

export type FaultRule = {
  /**
   * Which requests: a resource type searched or read ('Observation'), 'Binary', 'metadata',
   * '.well-known/smart-configuration', or '*' for every request.
   */
  resourceType: string;
  /** 1-based page number within that type's search (1 = the first search request); omitted = any page. */
  page?: number;
  /** How many matching requests get the fault before it stops (default 1); Infinity for always. */
  times?: number;
  fault: Fault;
};

/** A request as a vendor's rules see it (after the bearer token was checked). */
export type VendorRequest = {
  /** The resource type searched or read ('Observation', 'Binary'). */
  type: string;
  /** Set for a read. */
  id: string | undefined;
  query: URLSearchParams;
  accept: string;
  /** Set for a search's later page (the query is then the page token's). */
  laterPage: boolean;
};

/**
 * What makes the records server behave as one vendor's API does (tests/support/vendor-ehrs.ts).
 * Applied after the bearer token is checked and before injected faults.
 */
export type VendorRules = {
  /** An answer that replaces the real one (a refusal), or null to answer normally. */
  refuse?: (
    request: VendorRequest,
  ) => { status: number; body: Json; headers?: Record<string, string> } | null;
  /** The most records one page holds for a type, whatever `_count` asks (and when it asks nothing). */
  maxCount?: (type: string) => number;
  /** How many records page `page` (1 for the first) of a search holds when `count` were asked for. */
  pageLength?: (type: string, page: number, count: number) => number;
  /** The page size of a search that gives no `_count`, for a type (else the server's `pageSize`). */
  defaultCount?: (type: string) => number;
  /** `category` filters searches (by Observation's and Condition's category codes) instead of being ignored. */
  filterByCategory?: boolean;
  /** OperationOutcome resources a search's first page carries as `search.mode = outcome` entries. */
  searchOutcomes?: (type: string, matches: number) => Json[];
  /**
   * Binary by content negotiation: the raw bytes when Accept names the document's own type, a
   * FHIR Binary when it prefers FHIR JSON, 406 when it names neither.
   */
  binaryByAccept?: boolean;
};

export type RecordsServerOptions = {
  fhirVersion: FhirVersionName;
  /** Every resource of one patient, the Patient among them (take them from a fixture bundle's entries). */
  resources: object[];
  /** The authorization server's base, for discovery documents. */
  issuer: () => string;
  isValidToken: (token: string) => Promise<boolean>;
  /** Default 50; a client's _count is honoured up to 1000. */
  pageSize?: number;
  /** Whether the CapabilityStatement lists _lastUpdated as a search parameter (default true); when not, the server ignores it. */
  advertiseLastUpdated?: boolean;
  /** Resource types the CapabilityStatement lists; default: every type present in `resources` plus Binary. */
  supportedTypes?: string[];
  /** Delay added to every search page, to make a sync slow enough to kill mid-way. */
  pageDelayMs?: number;
  /** Answers indented, as some servers write them (default: compact). */
  indented?: boolean;
  vendor?: VendorRules;
};

export type RecordedRequest = {
  method: string;
  /** Without the base: 'Observation', 'Patient/123', 'metadata', '.well-known/smart-configuration'. */
  path: string;
  query: Record<string, string>;
  /** 0 until the answer's head is written. */
  status: number;
  /** Date.now() when the request arrived. */
  at: number;
  /** Whether it carried a bearer token the authorization server accepts. */
  authorized: boolean;
};

export type RecordsServer = {
  /** http://127.0.0.1:PORT/fhir/ (trailing slash). */
  base: string;
  patientId: string;
  /** Mutable: tests push rules at any time; an applied rule's `times` counts down and it stays. */
  faults: FaultRule[];
  requests: RecordedRequest[];
  /**
   * Milliseconds spent answering, summed over requests, for a benchmark's server-time share: from
   * a request's arrival until its answer is handed to the socket (`end()` returns), the token check
   * included, injected delays (`slow` faults and `pageDelayMs`) not. The clock stops at `end()`
   * rather than at the socket's last byte because a client in the same process (a test) reads the
   * answer in between, and its parsing is not the server's time.
   */
  handlingMs: number;
  /** Mutable: whether answers are indented, as some servers write them (starts as the option says). */
  indented: boolean;
  /** Adds or replaces a resource (it needs resourceType and id); stamps meta.lastUpdated = now and bumps meta.versionId. */
  put(resource: object): void;
  remove(resourceType: string, id: string): void;
  close(): Promise<void>;
};

export type Json = Record<string, unknown>;
type Resource = Json & { resourceType: string; id: string; meta: Json };

/** A stored resource with what searches sort and filter on, worked out once. */
type Stored = { resource: Resource; lastUpdated: number; patients: string[]; categories: string[] };

/** What a next link carries, so any server holding the same data can continue a search. */
type PageState = {
  /** Resource type. */
  t: string;
  /** Patient ids the search is restricted to (null = no patient parameter). */
  p: string[] | null;
  /** `_id` values (null = none). */
  i: string[] | null;
  /** _lastUpdated bounds as [from, to) epoch milliseconds, null for unbounded (JSON has no Infinity). */
  l: [number | null, number | null];
  /** Page size. */
  c: number;
  /** This page's 1-based number. */
  n: number;
  /** Keyset cursor: the page starts after this (lastUpdated, id); null on the first page. */
  a: [number, string] | null;
  /** Category codes the search is restricted to, where the vendor's rules filter by category. */
  k?: string[] | null;
};

const VERSIONS: Record<FhirVersionName, string> = { R4: '4.0.1', STU3: '3.0.2', DSTU2: '1.0.2' };
const MAX_COUNT = 1000;
/** The elements that point a resource at its patient, across the three versions. */
const PATIENT_ELEMENTS = ['patient', 'subject', 'beneficiary'] as const;
const PATIENT_PARAMETERS = new Set([
  'patient',
  'subject',
  'beneficiary',
  'patient:Patient',
  'subject:Patient',
]);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function outcome(status: number, diagnostics: string): Json {
  const code =
    status === 404 ? 'not-found' : status === 401 ? 'login' : status >= 500 ? 'exception' : 'invalid';
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: status >= 500 ? 'fatal' : 'error', code, diagnostics }],
  };
}

/** The patient id a reference points at ('Patient/1', 'https://ehr/fhir/Patient/1'), or null. */
function patientOf(reference: unknown): string | null {
  if (typeof reference !== 'string') return null;
  const match = /(?:^|\/)Patient\/([^/]+)$/.exec(reference);
  return match?.[1] ?? null;
}

/** 'Patient/1', a full address of one, or a bare id, as search values may be written. */
function patientParameter(value: string): string {
  return patientOf(value) ?? value;
}

const INSTANT =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * A FHIR date or dateTime as the [start, end) it covers: '2024' is the whole year, an instant to
 * the millisecond is one millisecond. Without a zone, UTC (FHIR leaves that to the server).
 */
function dateRange(value: string): [number, number] | null {
  const m = INSTANT.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const offset =
    zone && zone !== 'Z'
      ? (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000
      : 0;
  const ms = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  const start =
    Date.UTC(
      Number(y),
      Number(mo ?? 1) - 1,
      Number(d ?? 1),
      Number(h ?? 0),
      Number(mi ?? 0),
      Number(s ?? 0),
      ms,
    ) - offset;
  let end: number;
  if (!mo) end = Date.UTC(Number(y) + 1, 0, 1) - offset;
  else if (!d) end = Date.UTC(Number(y), Number(mo), 1) - offset;
  else if (!h) end = start + 86_400_000;
  else if (!s) end = start + 60_000;
  else if (!fraction) end = start + 1000;
  else end = start + 1;
  return [start, end];
}

/** Narrows [from, to) by one `_lastUpdated` value (gt/ge/lt/le/eq prefix), or says why it cannot. */
function narrow(bounds: [number, number], value: string): string | null {
  const prefix = /^(gt|ge|lt|le|eq)/.exec(value)?.[1] ?? 'eq';
  const range = dateRange(value.startsWith(prefix) ? value.slice(2) : value);
  if (!range) return `_lastUpdated: '${value}' is not a date, dateTime or instant`;
  const [start, end] = range;
  if (prefix === 'gt') bounds[0] = Math.max(bounds[0], end);
  else if (prefix === 'ge') bounds[0] = Math.max(bounds[0], start);
  else if (prefix === 'lt') bounds[1] = Math.min(bounds[1], start);
  else if (prefix === 'le') bounds[1] = Math.min(bounds[1], end);
  else {
    bounds[0] = Math.max(bounds[0], start);
    bounds[1] = Math.min(bounds[1], end);
  }
  return null;
}

const byUpdatedThenId = (x: Stored, y: Stored): number =>
  x.lastUpdated - y.lastUpdated ||
  (x.resource.id < y.resource.id ? -1 : x.resource.id > y.resource.id ? 1 : 0);

const after = (s: Stored, [lastUpdated, id]: [number, string]): boolean =>
  s.lastUpdated > lastUpdated || (s.lastUpdated === lastUpdated && s.resource.id > id);

function encodeState(state: PageState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeState(token: string): PageState | null {
  try {
    const state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageState;
    const valid =
      typeof state.t === 'string' &&
      (state.p === null || Array.isArray(state.p)) &&
      (state.i === null || Array.isArray(state.i)) &&
      Array.isArray(state.l) &&
      Number.isInteger(state.c) &&
      Number.isInteger(state.n) &&
      (state.a === null || (typeof state.a[0] === 'number' && typeof state.a[1] === 'string'));
    return valid ? state : null;
  } catch {
    return null;
  }
}

/** The first entry made invalid in every way a schema check notices, the rest of the page left alone. */
function breakFirstEntry(bundle: Json): Json {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : [];
  const first = entries[0];
  const broken = {
    ...(isObject(first?.resource) ? first.resource : { resourceType: 'Observation' }),
    id: 12345,
    code: 42,
    effectiveDateTime: 12,
  };
  return { ...bundle, entry: [{ ...first, resource: broken }, ...entries.slice(1)] };
}

export async function startRecordsServer(options: RecordsServerOptions): Promise<RecordsServer> {
  const fhirVersion = VERSIONS[options.fhirVersion];
  const pageSize = Math.min(options.pageSize ?? 50, MAX_COUNT);
  const advertiseLastUpdated = options.advertiseLastUpdated ?? true;
  // DSTU2 servers answer with DSTU2's own media type; clients have to take both.
  const mediaType = `${options.fhirVersion === 'DSTU2' ? 'application/json+fhir' : 'application/fhir+json'}; charset=utf-8`;
  const startedAt = Date.now();
  /** The last stamp handed out, so every put is strictly later than the start and than each other. */
  let lastStamp = startedAt;

  const byType = new Map<string, Map<string, Stored>>();
  /** Each type's resources in search order, rebuilt only after that type changes. */
  const sorted = new Map<string, Stored[]>();

  const store = (input: object, stamp: number | null): Stored => {
    const resource = structuredClone(input) as Resource;
    if (typeof resource.resourceType !== 'string' || typeof resource.id !== 'string' || !resource.id) {
      throw new Error('A resource for the records server needs a resourceType and an id');
    }
    const meta: Json = isObject(resource.meta) ? resource.meta : {};
    const previous = byType.get(resource.resourceType)?.get(resource.id);
    if (stamp !== null) {
      meta.lastUpdated = new Date(stamp).toISOString();
      meta.versionId = String(Number(previous?.resource.meta.versionId ?? 0) + 1);
    } else {
      if (typeof meta.lastUpdated !== 'string' || Number.isNaN(Date.parse(meta.lastUpdated))) {
        meta.lastUpdated = new Date(startedAt).toISOString();
      }
      if (typeof meta.versionId !== 'string') meta.versionId = '1';
    }
    resource.meta = meta;
    const patients = PATIENT_ELEMENTS.map((name) => {
      const element = resource[name];
      return isObject(element) ? patientOf(element.reference) : null;
    }).filter((id): id is string => id !== null);
    // DSTU2's Observation.category is one CodeableConcept; later versions' a list of them.
    const categoryList = [resource.category].flat().filter(isObject);
    const categories = categoryList.flatMap((c) =>
      (Array.isArray(c.coding) ? (c.coding as unknown[]) : [])
        .filter(isObject)
        .map((coding) => String(coding.code)),
    );
    const stored = { resource, lastUpdated: Date.parse(meta.lastUpdated as string), patients, categories };
    let ofType = byType.get(resource.resourceType);
    if (!ofType) byType.set(resource.resourceType, (ofType = new Map()));
    ofType.set(resource.id, stored);
    sorted.delete(resource.resourceType);
    return stored;
  };
  for (const resource of options.resources) store(resource, null);

  const patient = byType.get('Patient')?.values().next().value;
  if (!patient) throw new Error('The records server needs a Patient among the resources');
  const patientId = patient.resource.id;
  // Without a list, the types held now (a type first added by `put` becomes searchable) plus Binary.
  const supportedTypes = () => new Set(options.supportedTypes ?? [...byType.keys(), 'Binary']);

  const inOrder = (type: string): Stored[] => {
    let list = sorted.get(type);
    if (!list) sorted.set(type, (list = [...(byType.get(type)?.values() ?? [])].sort(byUpdatedThenId)));
    return list;
  };

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = `${origin}/fhir/`;
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const state: RecordsServer = {
    base,
    patientId,
    faults: [],
    requests: [],
    handlingMs: 0,
    indented: options.indented ?? false,
    put: (resource) => {
      lastStamp = Math.max(Date.now(), lastStamp + 1);
      store(resource, lastStamp);
    },
    remove: (resourceType, id) => {
      byType.get(resourceType)?.delete(id);
      sorted.delete(resourceType);
    },
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const smartConfiguration = () => smartConfigurationOf(options.issuer());

  const searchParams = (type: string): Json[] => {
    if (type === 'Binary') return [];
    const params: Json[] = [{ name: '_id', type: 'token' }];
    if (type !== 'Patient') params.push({ name: 'patient', type: 'reference' });
    if (type === 'Coverage') params.push({ name: 'beneficiary', type: 'reference' });
    if (advertiseLastUpdated) params.push({ name: '_lastUpdated', type: 'date' });
    return params;
  };

  const capabilityStatement = (): Json => ({
    // DSTU2 called it a Conformance; the shape is the same for what a client reads here.
    resourceType: options.fhirVersion === 'DSTU2' ? 'Conformance' : 'CapabilityStatement',
    status: 'active',
    date: new Date(startedAt).toISOString(),
    kind: 'instance',
    software: { name: 'PHR Vault test records server' },
    fhirVersion,
    ...(options.fhirVersion === 'R4' ? {} : { acceptUnknown: 'no' }),
    format: [mediaType.split(';')[0]],
    rest: [
      {
        mode: 'server',
        security: {
          extension: [oauthUris(options.issuer())],
          service: [
            { coding: [{ system: 'http://hl7.org/fhir/restful-security-service', code: 'SMART-on-FHIR' }] },
          ],
        },
        resource: [...supportedTypes()].sort().map((type) => ({
          type,
          interaction: type === 'Binary' ? [{ code: 'read' }] : [{ code: 'read' }, { code: 'search-type' }],
          searchParam: searchParams(type),
        })),
      },
    ],
  });

  /** A search's first page state from its query, or an error for a 400. */
  const firstPage = (type: string, url: URL): PageState | string => {
    const bounds: [number, number] = [-Infinity, Infinity];
    let patients: string[] | null = null;
    let ids: string[] | null = null;
    let categories: string[] | null = null;
    const cap = options.vendor?.maxCount?.(type) ?? MAX_COUNT;
    let count = Math.min(options.vendor?.defaultCount?.(type) ?? pageSize, cap);
    for (const [name, value] of url.searchParams) {
      if (PATIENT_PARAMETERS.has(name)) {
        const wanted = patientParameter(value);
        patients = patients ? patients.filter((p) => p === wanted) : [wanted];
      } else if (name === '_id') {
        const wanted = value.split(',');
        ids = ids ? ids.filter((i) => wanted.includes(i)) : wanted;
      } else if (name === '_count') {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) return `_count: '${value}' is not a whole number`;
        count = Math.min(n, cap);
      } else if (name === 'category' && options.vendor?.filterByCategory) {
        // A token may carry its system ('system|code'); the code is what records are filed under.
        categories = value.split(',').map((v) => v.slice(v.lastIndexOf('|') + 1));
      } else if (name === '_lastUpdated' && advertiseLastUpdated) {
        const problem = narrow(bounds, value);
        if (problem) return problem;
      }
    }
    const finite = (n: number) => (Number.isFinite(n) ? n : null);
    return {
      t: type,
      p: patients,
      i: ids,
      l: [finite(bounds[0]), finite(bounds[1])],
      c: count,
      n: 1,
      a: null,
      k: categories,
    };
  };

  /** A search's matches, kept while its type is unchanged, so paging does not filter again per page. */
  const matchCache = new Map<string, { list: Stored[]; matches: Stored[] }>();
  const matching = (page: PageState): Stored[] => {
    const ordered = inOrder(page.t);
    const key = JSON.stringify([page.t, page.p, page.i, page.l, page.k ?? null]);
    const cached = matchCache.get(key);
    if (cached?.list === ordered) return cached.matches;
    const [from, to] = page.l;
    const matches = ordered.filter(
      (s) =>
        (from === null || s.lastUpdated >= from) &&
        (to === null || s.lastUpdated < to) &&
        (page.p === null || s.patients.some((p) => page.p!.includes(p))) &&
        (page.i === null || page.i.includes(s.resource.id)) &&
        (!page.k || s.categories.some((c) => page.k!.includes(c))),
    );
    if (matchCache.size > 100) matchCache.clear();
    matchCache.set(key, { list: ordered, matches });
    return matches;
  };

  const searchset = (page: PageState, self: string): Json => {
    const matches = matching(page);
    // Keyset paging: a resource changed mid-search moves to the end rather than shifting the
    // pages, so a client resuming from a stored next link misses nothing.
    let start = 0;
    if (page.a !== null) {
      const cursor = page.a;
      for (let high = matches.length; start < high;) {
        const middle = (start + high) >> 1;
        if (after(matches[middle]!, cursor)) high = middle;
        else start = middle + 1;
      }
    }
    const length = options.vendor?.pageLength?.(page.t, page.n, page.c) ?? page.c;
    const entries = matches.slice(start, start + Math.max(1, length));
    const notes = page.n === 1 ? (options.vendor?.searchOutcomes?.(page.t, matches.length) ?? []) : [];
    const links: Json[] = [{ relation: 'self', url: self }];
    const last = entries.at(-1);
    if (last && start + entries.length < matches.length) {
      const next: PageState = { ...page, n: page.n + 1, a: [last.lastUpdated, last.resource.id] };
      links.push({
        relation: 'next',
        url: `${base}${page.t}?_getpages=${encodeState(next)}&_page=${next.n}`,
      });
    }
    return {
      resourceType: 'Bundle',
      id: randomUUID(),
      meta: { lastUpdated: new Date().toISOString() },
      type: 'searchset',
      total: matches.length,
      link: links,
      entry: [
        ...entries.map((s) => ({
          fullUrl: `${base}${s.resource.resourceType}/${s.resource.id}`,
          resource: s.resource,
          search: { mode: 'match' },
        })),
        ...notes.map((resource) => ({ resource, search: { mode: 'outcome' } })),
      ],
    };
  };

  /** Takes the first live rule matching this request, counting it down. */
  const takeFault = (key: string, page: number | undefined): Fault | null => {
    for (const rule of state.faults) {
      const times = rule.times ?? 1;
      if (times <= 0) continue;
      if (rule.resourceType !== '*' && rule.resourceType !== key) continue;
      if (rule.page !== undefined && rule.page !== page) continue;
      rule.times = times - 1;
      return rule.fault;
    }
    return null;
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    /** Where the current stretch of handling began; delays stop the clock, `answer` stops it for good. */
    let running = performance.now();
    const stopClock = () => {
      state.handlingMs += performance.now() - running;
    };
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname.startsWith('/fhir/') ? url.pathname.slice('/fhir/'.length) : url.pathname;
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at: Date.now(),
      authorized: false,
    };
    state.requests.push(record);
    /** Waits without counting the wait as the server's time: an injected delay, or a held answer. */
    const pause = async (until: Promise<unknown>) => {
      stopClock();
      await until.catch(() => undefined);
      running = performance.now();
    };
    const delay = (ms: number) => pause(wait(ms));
    // Set by a 'no-length' fault: the answer goes out in pieces, its length unsaid.
    let inPieces = false;
    const answer = (status: number, headers: Record<string, string | number>, body: string | Buffer) => {
      record.status = status;
      // A client that gave up while a delay ran is gone; there is nobody to answer.
      if (!res.destroyed) {
        // Encoded once: a page of 1000 resources is megabytes, and measuring a string encodes it too.
        const bytes = typeof body === 'string' ? Buffer.from(body) : body;
        if (inPieces) {
          res.writeHead(status, headers);
          for (let at = 0; at < bytes.length; at += 16_384) res.write(bytes.subarray(at, at + 16_384));
          res.end();
        } else res.writeHead(status, { 'content-length': bytes.length, ...headers }).end(bytes);
      }
      stopClock();
    };
    const fhir = (status: number, json: unknown, headers: Record<string, string> = {}) =>
      answer(
        status,
        { 'content-type': mediaType, ...headers },
        JSON.stringify(json, null, state.indented ? 2 : undefined),
      );

    void (async () => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      record.authorized = token !== undefined && (await options.isValidToken(token));
      if (!url.pathname.startsWith('/fhir/'))
        return fhir(404, outcome(404, `No FHIR base at ${url.pathname}`));
      const open = path === 'metadata' || path === '.well-known/smart-configuration';
      if (!open && !record.authorized) {
        return fhir(401, outcome(401, 'A valid bearer token is required'), {
          'www-authenticate': token ? 'Bearer error="invalid_token"' : 'Bearer',
        });
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return fhir(405, outcome(405, 'This server only reads'), { allow: 'GET' });
      }

      // What is asked: the key fault rules match on, and for searches, the page.
      const [type = '', id, ...more] = path.split('/');
      let page: PageState | null = null;
      if (!open && id === undefined) {
        const token = url.searchParams.get('_getpages');
        const parsed =
          token === null ? firstPage(type, url) : (decodeState(token) ?? 'The page token is not valid');
        if (typeof parsed === 'string') return fhir(400, outcome(400, parsed));
        if (parsed.t !== type)
          return fhir(400, outcome(400, `The page token is for ${parsed.t}, not ${type}`));
        page = parsed;
      }
      const vendorAnswer = open
        ? null
        : (options.vendor?.refuse?.({
            type,
            id,
            query: url.searchParams,
            accept: req.headers.accept ?? '',
            laterPage: url.searchParams.has('_getpages'),
          }) ?? null);
      if (vendorAnswer) return fhir(vendorAnswer.status, vendorAnswer.body, vendorAnswer.headers);
      const fault = takeFault(open ? path : type, page?.n);
      inPieces = fault?.kind === 'no-length';

      if (fault?.kind === 'status') {
        const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
        if (fault.body === undefined)
          return fhir(fault.status, outcome(fault.status, 'Injected fault'), headers);
        const contentType = /^\s*[[{]/.test(fault.body)
          ? 'application/json'
          : /^\s*</.test(fault.body)
            ? 'text/html; charset=utf-8'
            : 'text/plain; charset=utf-8';
        return answer(fault.status, { 'content-type': contentType, ...headers }, fault.body);
      }
      if (fault?.kind === 'expire-token') {
        return fhir(401, outcome(401, 'The access token expired'), {
          'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"',
        });
      }
      if (fault?.kind === 'slow') await delay(fault.delayMs);
      if (fault?.kind === 'held') await pause(fault.until);
      if (page && options.pageDelayMs) await delay(options.pageDelayMs);

      // The real answer, then what the fault does to it.
      let status = 200;
      let json: Json;
      let headers: Record<string, string> = {};
      if (path === 'metadata') json = capabilityStatement();
      else if (path === '.well-known/smart-configuration') {
        json = smartConfiguration();
        headers = { 'content-type': 'application/json' };
      } else if (!supportedTypes().has(type) || more.length > 0 || id === '') {
        status = 404;
        json = outcome(404, `This server has no ${path}`);
      } else if (page) {
        json = searchset(page, url.href);
      } else {
        const stored = byType.get(type)?.get(id!);
        if (!stored) {
          status = 404;
          json = outcome(404, `${type}/${id} is not known`);
        } else {
          json = stored.resource;
          headers = {
            etag: `W/"${String(stored.resource.meta.versionId)}"`,
            'last-modified': new Date(stored.lastUpdated).toUTCString(),
          };
          const wrongJson = fault?.kind === 'malformed-json' || fault?.kind === 'bad-resource';
          const own = typeof stored.resource.contentType === 'string' ? stored.resource.contentType : null;
          const fhirJson =
            options.fhirVersion === 'DSTU2' ? 'application/json+fhir' : 'application/fhir+json';
          // Negotiated with the package express uses, q-values and wildcards included.
          const chosen =
            type === 'Binary' && options.vendor?.binaryByAccept
              ? new Negotiator({ headers: { accept: req.headers.accept ?? '*/*' } }).mediaType([
                  own ?? 'application/octet-stream',
                  fhirJson,
                  'application/fhir+json',
                  'application/json',
                ])
              : undefined;
          if (chosen === undefined && type === 'Binary' && options.vendor?.binaryByAccept) {
            return fhir(
              406,
              outcome(406, `Binary/${id!} is ${own ?? 'bytes'}; Accept named neither it nor FHIR JSON`),
            );
          }
          const raw =
            chosen !== undefined
              ? !/json/.test(chosen) || chosen === own
              : !/json/.test(req.headers.accept ?? '');
          if (type === 'Binary' && raw && !wrongJson) {
            // Raw bytes, the way a browser or a PDF viewer fetches a document. (The two faults
            // above answer the Binary resource as broken JSON instead, whatever was asked.)
            const data = stored.resource[options.fhirVersion === 'R4' ? 'data' : 'content'];
            const bytes = Buffer.from(typeof data === 'string' ? data : '', 'base64');
            const contentType = stored.resource.contentType;
            return answer(
              200,
              {
                'content-type': typeof contentType === 'string' ? contentType : 'application/octet-stream',
                ...headers,
              },
              bytes,
            );
          }
        }
      }

      if (status === 200 && fault?.kind === 'bad-resource') {
        json = json.resourceType === 'Bundle' ? breakFirstEntry(json) : { ...json, id: 12345, code: 42 };
      }
      if (status === 200 && fault?.kind === 'foreign-next' && page) {
        // The real next link (or, on the last page, one that would follow it) on another origin.
        const links = (json.link as Json[]).filter((l) => l.relation !== 'next');
        const real = (json.link as Json[]).find((l) => l.relation === 'next')?.url;
        const next = new URL(
          typeof real === 'string'
            ? real
            : `${base}${type}?_getpages=${encodeState({ ...page, n: page.n + 1 })}`,
        );
        const foreign = fault.url ?? `http://127.0.0.2:9${next.pathname}${next.search}`;
        json = { ...json, link: [...links, { relation: 'next', url: foreign }] };
      }
      if (status === 200 && fault?.kind === 'malformed-json') {
        const whole = JSON.stringify(json);
        return answer(200, { 'content-type': mediaType }, whole.slice(0, whole.length >> 1));
      }
      return fhir(status, json, headers);
    })().catch((error: unknown) => fhir(500, outcome(500, String(error))));
  });
  return state;
}

/**
 * Loads a fixture bundle (R4, STU3 or DSTU2 JSON) as the resource list: every resource gets an id
 * (its urn:uuid fullUrl's, else one from its type and position, so it is the same on every run),
 * references to other entries' fullUrls become `Type/id`, and the patient references point at the
 * Patient's id.
 */
export function resourcesFromBundle(path: string): object[] {
  const bundle = JSON.parse(readFileSync(path, 'utf8')) as {
    entry?: { fullUrl?: string; resource?: Json }[];
  };
  const entries = (bundle.entry ?? []).filter((e): e is { fullUrl?: string; resource: Json } =>
    isObject(e.resource),
  );
  const targets = new Map<string, string>();
  entries.forEach((entry, index) => {
    const resource = entry.resource;
    const type = String(resource.resourceType);
    if (typeof resource.id !== 'string' || !resource.id) {
      const uuid = /^urn:uuid:(.+)$/.exec(entry.fullUrl ?? '')?.[1];
      resource.id = uuid ?? `${type.toLowerCase()}-${index}`;
    }
    if (entry.fullUrl) targets.set(entry.fullUrl, `${type}/${String(resource.id)}`);
  });
  const patient = entries.find((e) => e.resource.resourceType === 'Patient')?.resource;
  const patientReference = patient ? `Patient/${String(patient.id)}` : null;

  const rewrite = (value: unknown, key: string | null): void => {
    if (Array.isArray(value)) {
      for (const item of value) rewrite(item, key);
      return;
    }
    if (!isObject(value)) return;
    if (typeof value.reference === 'string') {
      const target = targets.get(value.reference);
      if (target) value.reference = target;
      if (
        patientReference &&
        key !== null &&
        (PATIENT_ELEMENTS as readonly string[]).includes(key) &&
        patientOf(value.reference) !== null
      ) {
        value.reference = patientReference;
      }
    }
    for (const [name, child] of Object.entries(value)) if (typeof child === 'object') rewrite(child, name);
  };
  for (const { resource } of entries) rewrite(resource, null);
  return entries.map((e) => e.resource);
}

export type DocumentOptions = {
  /** The Binary's id; the DocumentReference is `${id}-doc` unless documentId says otherwise. */
  id: string;
  contentType: string;
  bytes: Buffer | Uint8Array | string;
  title: string;
  documentId?: string;
  /** Default R4; the DocumentReference and Binary take that version's shape. */
  fhirVersion?: FhirVersionName;
  /** When the document was written; default 2024-01-15T10:00:00Z, so output never depends on today. */
  date?: string;
};

/**
 * A document for a patient as an EHR serves it: [DocumentReference, Binary], the reference's
 * attachment pointing at `Binary/{id}` (relative, resolved against the FHIR base) with its size
 * and SHA-1, the bytes only in the Binary. For HTML, PDF, C-CDA XML and oversized documents.
 */
export function documentWithAttachment(patientId: string, options: DocumentOptions): [object, object] {
  const version = options.fhirVersion ?? 'R4';
  const bytes =
    typeof options.bytes === 'string' ? Buffer.from(options.bytes, 'utf8') : Buffer.from(options.bytes);
  const date = options.date ?? '2024-01-15T10:00:00Z';
  const attachment = {
    contentType: options.contentType,
    url: `Binary/${options.id}`,
    size: bytes.length,
    hash: createHash('sha1').update(bytes).digest('base64'),
    title: options.title,
  };
  const document = {
    resourceType: 'DocumentReference',
    id: options.documentId ?? `${options.id}-doc`,
    status: 'current',
    type: {
      coding: [{ system: 'http://loinc.org', code: '34133-9', display: 'Summary of episode note' }],
      text: options.title,
    },
    subject: { reference: `Patient/${patientId}` },
    // R4 renamed `indexed` (when the reference was made, required before) to `date` (optional).
    ...(version === 'R4'
      ? {
          category: [
            {
              coding: [
                {
                  system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
                  code: 'clinical-note',
                },
              ],
            },
          ],
          date,
        }
      : { indexed: date }),
    description: options.title,
    content: [{ attachment }],
  };
  // Binary's bytes are `data` from R4 on, `content` before.
  const binary = {
    resourceType: 'Binary',
    id: options.id,
    contentType: options.contentType,
    [version === 'R4' ? 'data' : 'content']: bytes.toString('base64'),
  };
  return [document, binary];
}
