import { VaultError } from '../errors.js';
import {
  forgetTokens,
  readSmartAuth,
  replaceTokens,
  setConnectionState,
  type SmartConnectionAuth,
} from '../vault/connections.js';
import type { VaultDatabase } from '../vault/database.js';
import { checkedAddress, normalFhirBase, sameOrigin } from './addresses.js';
import { clientAssertion } from './client-assertion.js';
import type { ClientState } from './fhirclient-adapter.js';
import { installKey, type AssertionAlg } from './install-key.js';
import { ask, DEFAULT_TIMEOUT_MS, jsonOrNull } from './server-http.js';
import { expiryOf, postForm, requestTokens } from './token-endpoint.js';
import { tokenFailure } from './token-errors.js';

/**
 * Refresh this long before the access token runs out, so a page fetch never races the expiry; a
 * fifth of a shorter lifetime, so a token of a minute or less is not renewed before every request.
 */
export const REFRESH_MARGIN_SECONDS = 60;

function refreshMargin(tokenResponse: { expires_in?: unknown } | undefined): number {
  const lifetime = tokenResponse?.expires_in;
  return typeof lifetime === 'number' && lifetime > 0
    ? Math.min(REFRESH_MARGIN_SECONDS, lifetime / 5)
    : REFRESH_MARGIN_SECONDS;
}

type Endpoints = {
  tokenUri?: string;
  revokeUri?: string | null;
  auth?: 'public' | 'private_key_jwt';
  /** The key the sign-in signed with; absent for connections made when there was only ES384. */
  assertionAlg?: AssertionAlg;
};

/**
 * Everything that uses a connection's tokens, in the core only. One refresh in flight per
 * connection (sync fetches pages in parallel; a second refresh with a rotated-away token would be
 * answered invalid_grant and lose the connection). Tokens are read from the vault on each use and
 * written back only when a refresh succeeded.
 */
export class ConnectionAccess {
  readonly #refreshing = new Map<number, Promise<string>>();

  constructor(
    private readonly db: () => VaultDatabase,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {}

  #auth(id: number): SmartConnectionAuth {
    const auth = readSmartAuth(this.db(), id);
    if (!auth) throw new VaultError('not-found');
    if (auth.state === 'needs-sign-in' || auth.state === 'disconnected' || !auth.authState) {
      throw new VaultError('needs-sign-in');
    }
    return auth;
  }

  /** A valid access token, refreshed first when it is about to run out. */
  async accessToken(id: number): Promise<string> {
    const auth = this.#auth(id);
    const tokenResponse = auth.authState?.tokenResponse as
      { access_token?: string; expires_in?: unknown } | undefined;
    const token = tokenResponse?.access_token;
    const expiresAt = auth.tokenExpiresAt;
    if (token && (expiresAt === null || expiresAt - refreshMargin(tokenResponse) > this.now())) return token;
    return this.refresh(id);
  }

  refresh(id: number): Promise<string> {
    const running = this.#refreshing.get(id);
    if (running) return running;
    const task = this.#refreshOnce(id).finally(() => this.#refreshing.delete(id));
    this.#refreshing.set(id, task);
    return task;
  }

  async #refreshOnce(id: number): Promise<string> {
    const auth = this.#auth(id);
    const state = auth.authState as unknown as ClientState;
    const endpoints = auth.endpoints as Endpoints;
    if (!state.tokenResponse?.refresh_token) {
      forgetTokens(this.db(), id, 'needs-sign-in', 'The sign-in has expired.');
      throw new VaultError('needs-sign-in');
    }
    let next: ClientState;
    try {
      next = await this.#refreshed(state, endpoints);
    } catch (error) {
      const failure = tokenFailure(error, String(state.tokenUri), 'refresh');
      if (failure.kind === 'needs-sign-in') {
        // The server has withdrawn the grant: tokens go, the connection and its records stay.
        forgetTokens(this.db(), id, 'needs-sign-in', 'The health system ended this sign-in.');
      } else if (failure.kind === 'sign-in-failed') {
        setConnectionState(this.db(), id, 'error', failure.message);
      }
      throw failure;
    }
    const token = next.tokenResponse?.access_token;
    if (!token) throw new VaultError('server-error', 'The health system sent no new access.');
    replaceTokens(this.db(), id, next as unknown as Record<string, unknown>, next.expiresAt ?? null);
    return token;
  }

  /**
   * One refresh_token grant (SMART App Launch §7.2): a public client names itself, a
   * private_key_jwt client signs an assertion for exactly this token endpoint. A rotated refresh
   * token in the answer replaces the old; an answer without one keeps it.
   */
  async #refreshed(state: ClientState, endpoints: Endpoints): Promise<ClientState> {
    // As the server advertised it, character for character: it is the assertion's `aud`, which
    // servers compare as a string (postForm checks the address before anything is sent).
    const tokenUri = String(state.tokenUri);
    const clientId = String(state.clientId);
    const refreshToken = String(state.tokenResponse?.refresh_token);
    const clientAuth =
      endpoints.auth === 'private_key_jwt'
        ? await clientAssertion(await installKey(this.db(), endpoints.assertionAlg), clientId, tokenUri)
        : { client_id: clientId };
    const answer = await requestTokens(
      tokenUri,
      { grant_type: 'refresh_token', refresh_token: refreshToken, ...clientAuth },
      [refreshToken, (clientAuth as { client_assertion?: string }).client_assertion],
    );
    return {
      ...state,
      tokenResponse: { ...state.tokenResponse, ...answer },
      expiresAt: expiryOf(answer, this.now()),
    } as ClientState;
  }

  /**
   * GETs a URL on the connection's FHIR server with its token and answers the raw response, for
   * callers that decide themselves what a status means (sync honours 429 and Retry-After).
   * Refuses, before anything is sent, a URL whose origin is not the FHIR base's: a Bundle's next
   * link is data from the server and may point anywhere. Redirects are not followed for the same
   * reason. A 401 refreshes once and retries.
   */
  async fetchFromServer(
    id: number,
    url: string,
    options: { signal?: AbortSignal; timeoutMs?: number; accept?: string } = {},
  ): Promise<Response> {
    const { fhirBase } = this.#auth(id);
    let target: URL;
    try {
      target = new URL(url, normalFhirBase(fhirBase));
    } catch {
      throw new VaultError('foreign-origin');
    }
    if (!sameOrigin(target, fhirBase)) throw new VaultError('foreign-origin');
    checkedAddress(target.href);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const get = async (token: string) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      return ask(
        target,
        {
          headers: { accept: options.accept ?? 'application/fhir+json', authorization: `Bearer ${token}` },
          redirect: 'manual',
          signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
        },
        timeoutMs,
      );
    };
    let response = await get(await this.accessToken(id));
    if (response.status === 401) {
      await response.body?.cancel();
      response = await get(await this.refresh(id));
    }
    return response;
  }

  /** GETs a FHIR resource as JSON; any answer but a 2xx with JSON is an error. */
  async fetchFhir(id: number, url: string): Promise<unknown> {
    const response = await this.fetchFromServer(id, url);
    if (response.status >= 300 && response.status < 400) {
      throw new VaultError('server-error', 'The server sent PHR Vault elsewhere; it did not follow.');
    }
    if (!response.ok) {
      throw new VaultError('server-error', `The server answered ${response.status}.`);
    }
    const body = await jsonOrNull(response);
    if (body === null) throw new VaultError('not-a-fhir-server');
    return body;
  }

  /**
   * Ends a connection: revokes the refresh token where the server offers revocation (RFC 7009),
   * forgets the tokens either way. Whether the records stay is the caller's choice.
   */
  async revoke(id: number): Promise<boolean> {
    const auth = readSmartAuth(this.db(), id);
    if (!auth) throw new VaultError('not-found');
    const endpoints = auth.endpoints as Endpoints;
    const tokenResponse = (auth.authState?.tokenResponse ?? {}) as {
      refresh_token?: string;
      access_token?: string;
    };
    const token = tokenResponse.refresh_token ?? tokenResponse.access_token;
    let revoked = false;
    if (endpoints.revokeUri && token) {
      try {
        const revokeUri = endpoints.revokeUri;
        const clientAuth =
          endpoints.auth === 'private_key_jwt'
            ? await clientAssertion(
                await installKey(this.db(), endpoints.assertionAlg),
                auth.clientId,
                revokeUri,
              )
            : {};
        // A redirect is a failure here too: the token is not sent on to wherever it pointed.
        const response = await postForm(
          revokeUri,
          {
            token,
            token_type_hint: tokenResponse.refresh_token ? 'refresh_token' : 'access_token',
            client_id: auth.clientId,
            ...clientAuth,
          },
          'The revocation address',
          10_000,
        );
        await response.body?.cancel();
        revoked = response.ok;
      } catch {
        // Unreachable: the tokens are still forgotten below; they expire on their own.
      }
    }
    forgetTokens(this.db(), id, 'disconnected', null);
    return revoked;
  }
}
