import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider, { errors, type Configuration, type KoaContext } from 'oidc-provider';

/**
 * A real OAuth 2 / OpenID authorization server (oidc-provider) playing a SMART EHR's sign-in, on
 * 127.0.0.1. The "patient" is approved automatically: every interaction logs in the test user and
 * grants what was asked, so a test can follow the authorize address like a browser would.
 *
 * As strict as SMART's reference launcher (smart-on-fhir/smart-launcher-v2) and the EHRs it
 * stands for: `aud` must be the FHIR base exactly as the server names itself (a slash more or
 * less is refused, back to the app as invalid_request "Bad audience value …"); the redirect must
 * be the registered loopback address exactly, on any port; PKCE S256 for every client; `state`
 * echoed; a `patient` in the token answer and an id_token with `fhirUser`; refresh tokens rotate
 * on every use; a confidential asymmetric client signs with ES384 or RS384, its assertion's `aud`
 * exactly the endpoint it was sent to, `exp` at most five minutes ahead, a `jti` never seen before.
 */
export type SmartServerOptions = {
  clientId?: string;
  /** A confidential asymmetric client instead of a public one: its registered JWKS. */
  jwks?: { keys: object[] };
  patientId: string;
  /** The FHIR base the server names itself by: the only `aud` it accepts. */
  audience: string;
  accessTokenTtlSeconds?: number;
  /** The user presses "Deny" on the consent page. */
  deny?: boolean;
  /**
   * The scopes the portal grants, whatever was asked, as the token response's `scope` says them:
   * Epic grants what the app's registration lists, and a patient may untick kinds of record or
   * lasting access. Without `offline_access` among them, no refresh token is issued at all.
   */
  grantedScope?: string;
  /** The algorithms accepted for client assertions (default: ES384 and RS384, the two SMART requires). */
  assertionAlgs?: string[];
  /** The signed-in user as the id_token names them (default: `Patient/<patientId>`). */
  fhirUser?: string;
  /**
   * Makes the id_token in the token answer a bad one: these claims changed, and/or signed with a
   * key that is not in the server's key set (under the same `kid`), as a forged one would be.
   */
  idTokenFault?: { claims?: Record<string, unknown>; otherKey?: boolean };
};

/** SMART App Launch: a client assertion's `exp` is no more than five minutes in the future. */
const ASSERTION_MAX_SECONDS = 300;

export type TokenFault = {
  status: number;
  body: Record<string, unknown>;
  grantType?: 'authorization_code' | 'refresh_token';
};

export type SmartServer = {
  issuer: string;
  provider: Provider;
  /** What the last authorize request asked for, to check aud, scope and PKCE. */
  lastAuthorize: Record<string, string> | null;
  tokenRequests: { grantType: string }[];
  /** Makes the token endpoint answer this instead (once per call until cleared). */
  tokenFault: TokenFault | null;
  /** Makes the token and revocation endpoints answer 307 to this address (until cleared). */
  redirectTo: string | null;
  /** Client assertions the server accepted, decoded: what the app signed. */
  assertions: { header: Record<string, unknown>; claims: Record<string, unknown> }[];
  isValidToken(token: string): Promise<boolean>;
  close(): Promise<void>;
};

export async function startSmartServer(options: SmartServerOptions): Promise<SmartServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = options.clientId ?? 'phr-vault-test';
  // Its own signing key, so the provider does not fall back to (and warn about) its dev keys.
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const forger = options.idTokenFault?.otherKey
    ? (await generateKeyPair('RS256', { extractable: true })).privateKey
    : privateKey;
  const configuration: Configuration = {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-signing' }] },
    clients: [
      {
        client_id: clientId,
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        ...(options.jwks
          ? { token_endpoint_auth_method: 'private_key_jwt', jwks: options.jwks }
          : { token_endpoint_auth_method: 'none' }),
      },
    ],
    scopes: ['openid', 'offline_access', 'fhirUser', 'launch/patient', 'patient/*.read', 'patient/*.rs'],
    claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
    // The fhirUser claim goes into the id_token itself, as SMART asks, not only to userinfo.
    conformIdTokenClaims: false,
    extraParams: {
      aud: (_ctx: KoaContext, aud: unknown) => {
        // Compared as a string, as the reference launcher does: no slash is forgiven.
        if (aud !== options.audience) {
          throw new errors.InvalidRequest(
            `Bad audience value "${String(aud ?? '')}". Expected "${options.audience}"`,
          );
        }
      },
      launch: null,
    },
    pkce: { required: () => true },
    rotateRefreshToken: () => true,
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The two algorithms SMART requires servers to accept for client assertions, and no others.
    enabledJWA: { clientAuthSigningAlgValues: options.assertionAlgs ?? ['ES384', 'RS384'] },
    assertJwtClientAuthClaimsAndHeader: (
      ctx: KoaContext,
      claims: Record<string, unknown>,
      header: Record<string, unknown>,
    ) => {
      const endpoint = `${issuer}${ctx.path}`;
      if (claims.aud !== endpoint) {
        throw new errors.InvalidClientAuth(`aud must be exactly ${endpoint}`);
      }
      if (typeof claims.exp !== 'number' || claims.exp - Date.now() / 1000 > ASSERTION_MAX_SECONDS) {
        throw new errors.InvalidClientAuth('exp must be at most five minutes in the future');
      }
      if (claims.iss !== claims.sub) throw new errors.InvalidClientAuth('sub must be the client_id');
      state.assertions.push({ header, claims });
    },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 3600,
      AuthorizationCode: 60,
      Interaction: 300,
      Session: 300,
      Grant: 3600,
      RefreshToken: 86400,
      IdToken: 3600,
    },
    cookies: { keys: ['phr-vault-test-cookie-key'] },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, fhirUser: options.fhirUser ?? `Patient/${options.patientId}` }),
    }),
  };
  const provider = new Provider(issuer, configuration);
  const state: SmartServer = {
    issuer,
    provider,
    lastAuthorize: null,
    tokenRequests: [],
    tokenFault: null,
    redirectTo: null,
    assertions: [],
    async isValidToken(token) {
      const found = await provider.AccessToken.find(token);
      return !!found && !found.isExpired;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth' && ctx.method === 'GET') {
      state.lastAuthorize = { ...(ctx.query as Record<string, string>) };
      // oidc-provider grants offline_access only with prompt=consent (OpenID Core); EHRs do not ask
      // for it, so the test server adds it rather than the app sending a non-SMART parameter.
      ctx.query = { ...ctx.query, prompt: 'consent' };
    }
    if (ctx.path.startsWith('/token') && ctx.method === 'POST' && state.redirectTo) {
      ctx.status = 307;
      ctx.redirect(state.redirectTo);
      return;
    }
    if (ctx.path === '/token' && ctx.method === 'POST') {
      const fault = state.tokenFault;
      if (fault) {
        ctx.status = fault.status;
        ctx.body = fault.body;
        ctx.type = 'application/json';
        return;
      }
      await next();
      const body = ctx.body as Record<string, unknown> | undefined;
      // The body is parsed inside the provider, so the grant type is known only after it ran.
      const grantType = String(
        (ctx as { oidc?: { params?: { grant_type?: unknown } } }).oidc?.params?.grant_type ?? '',
      );
      state.tokenRequests.push({ grantType });
      if (ctx.status === 200 && body?.access_token) {
        const fault = options.idTokenFault;
        const idToken =
          fault && typeof body.id_token === 'string'
            ? await new SignJWT({ ...decodeJwt(body.id_token), ...fault.claims })
                .setProtectedHeader({ alg: 'RS256', kid: 'test-signing', typ: 'JWT' })
                .sign(forger)
            : body.id_token;
        ctx.body = {
          ...body,
          ...(idToken === undefined ? {} : { id_token: idToken }),
          patient: options.patientId,
          ...(options.grantedScope === undefined ? {} : { scope: options.grantedScope }),
        };
      }
      return;
    }
    await next();
  });

  const handler = provider.callback();
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return handler(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (options.deny) {
          await provider.interactionFinished(
            req,
            res,
            { error: 'access_denied', error_description: 'The patient said no.' },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        if (details.prompt.name === 'login') {
          await provider.interactionFinished(
            req,
            res,
            { login: { accountId: 'test-patient-user' } },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({
              accountId: details.session!.accountId,
              clientId: String(details.params.client_id),
            });
        const missing = details.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        const refused =
          options.grantedScope !== undefined && !options.grantedScope.split(' ').includes('offline_access')
            ? ['offline_access']
            : [];
        const approved = (missing.missingOIDCScope ?? []).filter((scope) => !refused.includes(scope));
        if (approved.length > 0) grant!.addOIDCScope(approved.join(' '));
        // Refused rather than left out, or the provider would ask for consent again and again.
        // (rejectOIDCScope is in oidc-provider's Grant, not in its published types.)
        if (refused.length > 0)
          (grant as unknown as { rejectOIDCScope(scope: string): void }).rejectOIDCScope(refused.join(' '));
        if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
          grant!.addResourceScope(indicator, scopes.join(' '));
        }
        const grantId = await grant!.save();
        await provider.interactionFinished(
          req,
          res,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    })();
  });
  return state;
}

/**
 * Follows an authorize address as a browser would (cookies kept, redirects followed) until it
 * is sent to the app's loopback redirect, and returns that last address without opening it,
 * so a test can deliver it as is or tampered with.
 */
export async function followToRedirect(
  authorizeUrl: string,
  redirectPrefix = 'http://127.0.0.1',
): Promise<string> {
  const cookies = new Map<string, string>();
  let url = authorizeUrl;
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`the sign-in stopped at ${response.status} without a redirect`);
    const next = new URL(location, url).href;
    const nextUrl = new URL(next);
    if (next.startsWith(redirectPrefix) && nextUrl.pathname === '/callback') return next;
    url = next;
  }
  throw new Error('too many redirects');
}

/** Follows the authorize address all the way, delivering the callback to the app. */
export async function approveInBrowser(authorizeUrl: string): Promise<number> {
  const callback = await followToRedirect(authorizeUrl);
  const response = await fetch(callback);
  await response.text();
  return response.status;
}
