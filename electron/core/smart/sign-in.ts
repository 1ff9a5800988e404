import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { JWK } from 'jose';
import { VaultError } from '../errors.js';
import { checkedAddress, sameOrigin } from './addresses.js';
import { discoverServer, patientScopes, requireS256, type ServerSecurity } from './discovery.js';
import { smartApi, ScratchStorage, type ClientState } from './fhirclient-adapter.js';
import { finishPage, LoopbackRedirect } from './loopback-redirect.js';
import { tokenFailure } from './token-errors.js';
import { ask, jsonOrNull } from './server-http.js';

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
/** fhirclient's token request has no time limit of its own. */
const TOKEN_TIMEOUT_MS = 30_000;

function withinTime<T>(work: Promise<T>, ms: number, url: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new VaultError('server-timeout', `${new URL(url).host} did not answer in time.`)),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** ≥122 bits, as the issue asks: 32 random bytes, far past fhirclient's default 16 characters (~95 bits). */
function newStateKey(): string {
  return randomBytes(32).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * One SMART standalone-launch sign-in, as a native app does it (RFC 8252): discover, open the
 * system browser at the authorize address, wait for the single callback on a loopback listener,
 * check `state` exactly, exchange the code with PKCE (fhirclient), read the Patient. Nothing is
 * stored here: the caller decides where the tokens go (only ever the vault).
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
        ...(request.privateJwk ? { clientPrivateJwk: request.privateJwk as never } : {}),
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
    request.onStep?.('waiting-for-browser', authorizeUrl);
    const waiting = redirect.next(request.timeoutMs ?? SIGN_IN_TIMEOUT_MS, request.signal);
    // Not awaited: a browser "opened" by a test only returns once the callback was answered.
    void Promise.resolve()
      .then(() => request.openBrowser(authorizeUrl))
      .catch(() => {
        // No browser to open (a server, a terminal): the address was shown, the user can open it.
      });
    const callback = await waiting;
    const params = callback.url.searchParams;
    try {
      if (!sameSecret(params.get('state') ?? '', stateKey)) {
        throw new VaultError(
          'sign-in-failed',
          'The answer from the sign-in page did not belong to this sign-in.',
        );
      }
      const error = params.get('error');
      if (error === 'access_denied') throw new VaultError('sign-in-denied');
      if (error) throw new VaultError('sign-in-failed', 'The sign-in page reported a problem.');
      if (!params.get('code')) throw new VaultError('sign-in-failed', 'The sign-in page sent no code.');

      request.onStep?.('exchanging-code');
      let state: ClientState;
      try {
        const client = await withinTime(
          smartApi(storage, callback.request, callback.response).ready(),
          TOKEN_TIMEOUT_MS,
          security.tokenUri,
        );
        state = structuredClone(client.state);
      } catch (e) {
        const failure = await tokenFailure(e, security.tokenUri);
        // A refused code is a failed sign-in, not an old connection needing a new one.
        throw failure.kind === 'needs-sign-in'
          ? new VaultError('sign-in-failed', 'The health system refused to finish the sign-in.')
          : failure;
      }
      const patientId = state.tokenResponse?.patient;
      if (typeof patientId !== 'string' || !patientId) {
        throw new VaultError('sign-in-failed', 'The server did not say whose records these are.');
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
  const url = new URL(`Patient/${encodeURIComponent(patientId)}`, fhirBase);
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
