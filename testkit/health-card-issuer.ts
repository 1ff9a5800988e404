import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { CompactSign, importJWK, type JWK } from 'jose';
import { fixtures } from './fixture-paths.js';

/**
 * A SMART Health Card issuer on 127.0.0.1, as the standard has one publish its keys: the spec's
 * example issuer key set at `/issuer/.well-known/jwks.json` and its revocation list at
 * `/issuer/.well-known/crl/<kid>.json`, only on GET, JSON with the right type. `behaviour`
 * makes it answer as a slow or a misdirecting issuer does.
 */

export const SHC = `${fixtures}shc/`;
export const SPEC_ISS = 'https://spec.smarthealth.cards/examples/issuer';
export const SPEC_ISSUER_NAME = 'SMART Health Card specification example issuer';
export const specPublicKeys = () =>
  (JSON.parse(readFileSync(`${SHC}spec-issuer-keys/jwks.public.json`, 'utf8')) as { keys: JWK[] }).keys;
export const specPrivateKeys = () =>
  (JSON.parse(readFileSync(`${SHC}spec-issuer-keys/issuer.jwks.private.json`, 'utf8')) as { keys: JWK[] })
    .keys;
export const specRevocations = () =>
  JSON.parse(
    readFileSync(
      `${SHC}spec-examples/issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json`,
      'utf8',
    ),
  ) as { kid: string; ctr: number; rids: string[] };

/** The spec example issuer in the VCI snapshot's format, as an issuer directory file of one's own. */
export function specDirectoryText(options: { withKeys?: boolean; withRevocations?: boolean } = {}): string {
  return JSON.stringify({
    issuerInfo: [
      {
        issuer: { iss: SPEC_ISS, name: SPEC_ISSUER_NAME },
        keys: options.withKeys === false ? [] : specPublicKeys(),
        ...(options.withRevocations ? { crls: [specRevocations()] } : {}),
      },
    ],
  });
}

/** Signs a card's payload as an issuer does: deflated, ES256, the key's id in the header. */
export async function signCard(
  payload: unknown,
  key: JWK,
  header: Record<string, unknown> = {},
): Promise<string> {
  const compressed = deflateRawSync(Buffer.from(JSON.stringify(payload)));
  return new CompactSign(compressed)
    .setProtectedHeader({ zip: 'DEF', alg: 'ES256', kid: key.kid!, ...header } as never)
    .sign(await importJWK(key, 'ES256'));
}

/** The payload of a spec example (its expanded form), with what the test changes. */
export function specPayload(example: '00' | '01' | '02' | '03', changes: Record<string, unknown> = {}) {
  const payload = JSON.parse(
    readFileSync(`${SHC}spec-examples/example-${example}-b-jws-payload-expanded.json`, 'utf8'),
  ) as Record<string, unknown>;
  return { ...payload, ...changes };
}

export type IssuerBehaviour = 'plain' | 'slow' | 'redirect-elsewhere' | 'redirect-here';

export type TestIssuer = {
  iss: string;
  requests: string[];
  behaviour: IssuerBehaviour;
  /** Where 'redirect-elsewhere' sends its callers. */
  elsewhere: string;
  /** The key set it publishes, when not the spec's (or the `folder`'s). */
  keys?: unknown;
  close: () => Promise<void>;
};

/**
 * `folder`: an issuer's published files instead of the spec's (its `.well-known/jwks.json` and
 * `.well-known/crl/<kid>.json`), as the validation SDK's test issuers lay them out.
 */
export async function startIssuer(
  behaviour: IssuerBehaviour = 'plain',
  folder?: string,
): Promise<TestIssuer> {
  const requests: string[] = [];
  const held: (() => void)[] = [];
  const state: TestIssuer = {
    iss: '',
    requests,
    behaviour,
    elsewhere: '',
    close: () =>
      new Promise((resolve) => {
        for (const release of held.splice(0)) release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (state.behaviour === 'slow') {
      // Never answers until the test ends: only the caller's time limit ends its wait.
      held.push(() => res.destroy());
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (state.behaviour === 'redirect-elsewhere') {
      res.writeHead(302, { location: `${state.elsewhere}${url.pathname}` }).end();
      return;
    }
    if (state.behaviour === 'redirect-here' && !url.pathname.startsWith('/moved/')) {
      res.writeHead(301, { location: `/moved${url.pathname}` }).end();
      return;
    }
    const path = url.pathname.replace(/^\/moved/, '');
    const send = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (folder && path.startsWith('/issuer/.well-known/')) {
      const file = `${folder}/${path.slice('/issuer/'.length)}`;
      if (/^[\w./-]+$/.test(path) && !path.includes('..') && existsSync(file))
        return send(JSON.parse(readFileSync(file, 'utf8')) as unknown);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (path === '/issuer/.well-known/jwks.json') return send(state.keys ?? { keys: specPublicKeys() });
    if (path === `/issuer/.well-known/crl/${specRevocations().kid}.json`) return send(specRevocations());
    res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.iss = `http://127.0.0.1:${(server.address() as AddressInfo).port}/issuer`;
  return state;
}
