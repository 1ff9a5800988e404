import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { VaultError } from '../errors.js';
import { checkedAddress, normalFhirBase, sameOrigin } from './addresses.js';
import { clientAssertion } from './client-assertion.js';
import { discoverServer, patientScopes, requireS256, type ServerSecurity } from './discovery.js';
import { smartApi, ScratchStorage, type ClientState } from './fhirclient-adapter.js';
import { checkIdToken } from './id-token.js';
import { finishPage, LoopbackRedirect } from './loopback-redirect.js';
import { ask, jsonOrNull } from './server-http.js';
import { serverWords } from './server-words.js';
import { expiryOf, requestTokens } from './token-endpoint.js';
import { tokenFailure } from './token-errors.js';

export type SignInStep = 'discovering' | 'waiting-for-browser' | 'exchanging-code' | 'reading-patient';

export type SignInRequest = {
  fhirBase: string;
  clientId: string;
  /** Set for a confidential asymmetric client: the vault's own private key, never a shipped secret. */
  privateJwk?: (JWK & { kid: string; alg: string }) | undefined;
  scope?: string | undefined;
  /** Opens the address in the user's own browser (a port: Electron's shell, the CLI, or a test). */
  openBrowser: (url: string) => void | Promise<void>;
  onStep?: ((step: SignInStep, authorizeUrl?: string) => void) | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Already discovered (add-by-address shows the server before signing in). */
  security?: ServerSecurity | undefined;
};

export type SignedIn = {
  security: ServerSecurity;
  /** fhirclient's state with the tokens: kept only in memory until it is written into the vault. */
  state: ClientState;
  patientId: string;
  patient: Record<string, unknown>;
};

export const SIGN_IN_TIMEOUT_MS = 5 * 60_000;
/** ≥122 bits, as the issue asks: 32 random bytes, far past fhirclient's default 16 characters (~95 bits). */
function newStateKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * One SMART standalone-launch sign-in, as a native app does it (RFC 8252): discover, open the
 * system browser at the authorize address (built by fhirclient, with PKCE and `aud` the FHIR base
 * exactly as the server names itself), wait on a loopback listener for the callback carrying this
 * sign-in's `state`, exchange the code, read the Patient. Nothing is stored here: the caller
 * decides where the tokens go (only ever the vault).
 */
export async function signIn(request: SignInRequest): Promise<SignedIn> {
  request.onStep?.('discovering');
  const security = request.security ?? (await discoverServer(request.fhirBase));
  requireS256(security);
  const scope = request.scope ?? patientScopes(security);
  const redirect = await LoopbackRedirect.open();
  try {
    const storage = new ScratchStorage();
    const stateKey = newStateKey();
    let authorizeUrl: string;
    try {
      authorizeUrl = (await smartApi(storage).authorize({
        iss: security.fhirBase,
        clientId: request.clientId,
        scope,
        redirectUri: redirect.redirectUri,
        noRedirect: true,
        pkceMode: 'required',
        stateKey,
        // No clientPrivateJwk: the code exchange is the app's own, and the key stays out of the
        // state that is stored with the tokens.
      })) as string;
    } catch (error) {
      if (/PKCE/i.test(String((error as Error)?.message))) throw new VaultError('no-pkce');
      throw new VaultError('sign-in-failed', 'The server’s sign-in details could not be read.', {
        cause: error,
      });
    }
    // fhirclient discovers on its own; what it found must be what we checked.
    const target = checkedAddress(authorizeUrl, 'The sign-in address');
    if (!sameOrigin(target, security.authorizeUri) || !target.searchParams.get('code_challenge')) {
      throw new VaultError('sign-in-failed', 'The sign-in address changed while connecting.');
    }
    // OpenID Connect's nonce ties the id_token to this very sign-in (checked in checkIdToken):
    // fhirclient sends none, so it is added to the address fhirclient built.
    const nonce = randomBytes(32).toString('base64url');
    target.searchParams.set('nonce', nonce);
    authorizeUrl = target.href;
    request.onStep?.('waiting-for-browser', authorizeUrl);
    const waiting = redirect.next(stateKey, request.timeoutMs ?? SIGN_IN_TIMEOUT_MS, request.signal);
    // Not awaited: a browser "opened" by a test only returns once the callback was answered.
    void Promise.resolve()
      .then(() => request.openBrowser(authorizeUrl))
      .catch(() => {
        // No browser to open (a server, a terminal): the address was shown, the user can open it.
      });
    const callback = await waiting;
    const params = callback.url.searchParams;
    try {
      // RFC 9207: an authorization server that names itself in its answer must be the one this
      // sign-in went to, compared as a string like `aud`; another one's answer is a mix-up.
      const iss = params.get('iss');
      if (iss !== null && security.issuer !== null && iss !== security.issuer) {
        throw new VaultError(
          'sign-in-failed',
          'The answer came from another sign-in server than this health system’s.',
        );
      }
      const error = params.get('error');
      if (error === 'access_denied') throw new VaultError('sign-in-denied');
      if (error) {
        // The server's own words say what it refused ("Bad audience value …"); they are all the
        // user or the health system's help desk have to go on.
        const said = serverWords(params.get('error_description')) ?? serverWords(error.slice(0, 64));
        throw new VaultError('sign-in-refused', said ? `The sign-in page said: “${said}”.` : undefined);
      }
      const code = params.get('code');
      if (!code) throw new VaultError('sign-in-failed', 'The sign-in page sent no code.');

      request.onStep?.('exchanging-code');
      let state: ClientState;
      try {
        state = await exchangeCode(storage, stateKey, code, request.privateJwk);
      } catch (e) {
        throw tokenFailure(e, security.tokenUri, 'sign-in');
      }
      const patientId = state.tokenResponse?.patient;
      if (typeof patientId !== 'string' || !patientId) {
        throw new VaultError('sign-in-failed', 'The server did not say whose records these are.');
      }
      // Who signed in, as the authorization server signed it: checked before any record is read.
      const idToken = state.tokenResponse?.id_token;
      if (typeof idToken === 'string' && idToken) {
        await checkIdToken({
          idToken,
          issuer: security.issuer,
          jwksUri: security.jwksUri,
          clientId: request.clientId,
          nonce,
          patientId,
        });
      }
      request.onStep?.('reading-patient');
      const patient = await readPatient(
        security.fhirBase,
        patientId,
        String(state.tokenResponse?.access_token),
      );
      finishPage(callback.response, true, 'PHR Vault is connected.');
      return { security, state, patientId, patient };
    } catch (error) {
      const failure =
        error instanceof VaultError ? error : new VaultError('sign-in-failed', undefined, { cause: error });
      if (!callback.response.headersSent) finishPage(callback.response, false, failure.message);
      throw failure;
    }
  } finally {
    redirect.close();
  }
}

async function readPatient(
  fhirBase: string,
  patientId: string,
  accessToken: string,
): Promise<Record<string, unknown>> {
  const url = new URL(`Patient/${encodeURIComponent(patientId)}`, normalFhirBase(fhirBase));
  const response = await ask(url, {
    headers: { accept: 'application/fhir+json', authorization: `Bearer ${accessToken}` },
    redirect: 'manual',
  });
  const body = response.ok ? await jsonOrNull(response) : null;
  if (!body || (body as { resourceType?: unknown }).resourceType !== 'Patient') {
    throw new VaultError(
      response.status >= 500 ? 'server-error' : 'sign-in-failed',
      'The signed-in patient’s details could not be read.',
    );
  }
  return body as Record<string, unknown>;
}

/**
 * The authorization_code grant, with what fhirclient kept when it built the authorize address
 * (verifier, redirect, token endpoint). fhirclient's own exchange is not used: it follows
 * redirects with the code and a client assertion (see token-endpoint.ts).
 */
async function exchangeCode(
  storage: ScratchStorage,
  stateKey: string,
  code: string,
  privateJwk: SignInRequest['privateJwk'],
): Promise<ClientState> {
  const kept = (await storage.get(stateKey)) as ClientState | undefined;
  if (!kept?.tokenUri || !kept.codeVerifier || !kept.redirectUri || !kept.clientId) {
    throw new VaultError('sign-in-failed', 'The sign-in could not be finished.');
  }
  // As advertised, not re-spelled by URL parsing: it is the client assertion's `aud`.
  const tokenUri = kept.tokenUri;
  const clientAuth = privateJwk
    ? await clientAssertion({ kid: privateJwk.kid, alg: privateJwk.alg, privateJwk }, kept.clientId, tokenUri)
    : { client_id: kept.clientId };
  const answer = await requestTokens(
    tokenUri,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: kept.redirectUri,
      code_verifier: kept.codeVerifier,
      ...clientAuth,
    },
    [code, kept.codeVerifier, (clientAuth as { client_assertion?: string }).client_assertion],
  );
  return {
    ...structuredClone(kept),
    tokenResponse: answer,
    expiresAt: expiryOf(answer, Date.now() / 1000),
  } as ClientState;
}
