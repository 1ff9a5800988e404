import { createHash } from 'node:crypto';
import { isVaultError, VaultError } from '../errors.js';
import type { ConnectionAccess } from '../smart/connection-access.js';
import {
  backoffMs,
  DEFAULT_RETRY_POLICY,
  isTransientStatus,
  pause,
  retryAfterMs,
  type RetryPolicy,
} from './retry-policy.js';

/** A sync was cancelled (by the user, or by locking the vault); not a failure. */
export class SyncCancelled extends Error {
  override readonly name = 'SyncCancelled';
}

export type ReaderOptions = {
  signal?: AbortSignal;
  /** Per request, from sending to the last byte. */
  timeoutMs?: number;
  policy?: RetryPolicy;
  /** Told when a wait starts (in the user's words) and when it is over (null). */
  onWait?: (message: string | null) => void;
  random?: () => number;
};

export type JsonAnswer = { body: unknown; text: string; serverDate: string | null };
export type Download =
  | { kind: 'stored'; bytes: Buffer; contentType: string | null; sha256: string }
  | { kind: 'too-large'; size: number | null };

/** Refusals that another try will not change: the request itself is the problem. */
function isFinal(error: unknown): boolean {
  return (
    isVaultError(error, 'foreign-origin') ||
    isVaultError(error, 'needs-sign-in') ||
    isVaultError(error, 'insecure-address') ||
    isVaultError(error, 'tls-error') ||
    isVaultError(error, 'sign-in-failed') ||
    isVaultError(error, 'not-found')
  );
}

/**
 * What sync asks of a FHIR server, with its patience: every request has a time limit; 429 and 503
 * wait as long as Retry-After says (seconds or a date), up to a bound; other transient failures
 * (5xx, timeouts, dropped connections, an answer cut short) back off with jitter; a 401 is
 * refreshed once by ConnectionAccess; anything else is final for that request.
 */
export class ServerReader {
  readonly #policy: RetryPolicy;

  constructor(
    private readonly access: ConnectionAccess,
    private readonly connectionId: number,
    private readonly options: ReaderOptions = {},
  ) {
    this.#policy = options.policy ?? DEFAULT_RETRY_POLICY;
  }

  #checkCancelled(): void {
    if (this.options.signal?.aborted) throw new SyncCancelled('cancelled');
  }

  async #wait(ms: number, message: string | null): Promise<void> {
    this.options.onWait?.(message);
    try {
      await pause(ms, this.options.signal);
    } catch {
      throw new SyncCancelled('cancelled');
    } finally {
      if (message) this.options.onWait?.(null);
    }
  }

  /**
   * Runs one request with retries. `read` turns a 2xx response into the answer, or throws a
   * VaultError that is worth another try (a body cut short) with `retry: true`.
   */
  async #withRetries<T>(url: string, accept: string, read: (response: Response) => Promise<T>): Promise<T> {
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= this.#policy.attempts; attempt++) {
      this.#checkCancelled();
      let response: Response;
      try {
        response = await this.access.fetchFromServer(this.connectionId, url, {
          signal: this.options.signal,
          timeoutMs: this.options.timeoutMs,
          accept,
        });
      } catch (error) {
        this.#checkCancelled();
        if (isFinal(error) || !isVaultError(error)) throw error;
        lastError = error;
        if (attempt < this.#policy.attempts)
          await this.#wait(backoffMs(attempt, this.#policy, this.options.random), null);
        continue;
      }
      if (response.ok) {
        try {
          return await read(response);
        } catch (error) {
          this.#checkCancelled();
          if (!(error instanceof RetryableAnswer)) throw error;
          lastError = error.failure;
          if (attempt < this.#policy.attempts)
            await this.#wait(backoffMs(attempt, this.#policy, this.options.random), null);
          continue;
        }
      }
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 300 && response.status < 400) {
        throw new VaultError('server-error', 'The server sent PHR Vault elsewhere; it did not follow.');
      }
      if (response.status === 401 || response.status === 403) {
        // The status goes with it: a 403 on a search is an institution not sharing a kind of record.
        throw Object.assign(
          new VaultError('server-error', `The server refused access (${response.status}).`),
          { status: response.status },
        );
      }
      if (!isTransientStatus(response.status)) {
        throw Object.assign(new VaultError('server-error', `The server answered ${response.status}.`), {
          status: response.status,
        });
      }
      const asked =
        response.status === 429 || response.status === 503
          ? retryAfterMs(response.headers.get('retry-after'), Date.now())
          : null;
      lastError =
        response.status === 429 || response.status === 503
          ? new VaultError('server-busy', `The server answered ${response.status} ${attempt} times.`)
          : new VaultError('server-error', `The server answered ${response.status} ${attempt} times.`);
      if (attempt === this.#policy.attempts) break;
      if (asked !== null) {
        if (asked > this.#policy.maxRetryAfterMs) {
          throw new VaultError(
            'server-busy',
            `The server asked PHR Vault to come back in ${Math.round(asked / 60_000)} minutes.`,
          );
        }
        await this.#wait(
          asked,
          `The server is busy and asked to wait ${Math.max(1, Math.round(asked / 1000))} s.`,
        );
      } else {
        await this.#wait(backoffMs(attempt, this.#policy, this.options.random), null);
      }
    }
    throw lastError instanceof Error ? lastError : new VaultError('server-error');
  }

  /** A FHIR JSON answer (a Bundle, a resource). */
  getJson(url: string): Promise<JsonAnswer> {
    return this.#withRetries(url, 'application/fhir+json', async (response) => {
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        this.#checkCancelled();
        throw new RetryableAnswer(
          new VaultError('server-error', 'The answer was cut short.', { cause: error }),
        );
      }
      try {
        return { body: JSON.parse(text) as unknown, text, serverDate: response.headers.get('date') };
      } catch {
        // Usually an answer cut short by a proxy or an overloaded server; worth another try.
        throw new RetryableAnswer(
          new VaultError('bad-server-answer', 'The server’s answer was not valid JSON.'),
        );
      }
    });
  }

  /**
   * An attachment's bytes, read no further than `maxBytes`. A server may answer a FHIR Binary
   * resource instead of the raw bytes (depending on Accept); both are understood.
   */
  download(url: string, accept: string, maxBytes: number): Promise<Download> {
    return this.#withRetries(url, `${accept}, application/fhir+json;q=0.1`, async (response) => {
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes * 1.4) {
        await response.body?.cancel();
        return { kind: 'too-large', size: declared };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const reader = response.body?.getReader();
      if (reader) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          // Base64 in a Binary resource is 4/3 the size; judge the decoded size below.
          if (size > maxBytes * 1.4 + 4096) {
            await reader.cancel();
            // Without a declared length, what was read says it is at least this large (as decoded
            // base64 at the least): enough to know a later, larger bound may fetch it.
            return {
              kind: 'too-large',
              size: Number.isFinite(declared) ? declared : Math.floor(size * 0.75),
            };
          }
          chunks.push(Buffer.from(value));
        }
      }
      let bytes: Buffer = Buffer.concat(chunks);
      let contentType = response.headers.get('content-type');
      if (contentType && /json/i.test(contentType)) {
        const binary = parseBinary(bytes);
        if (binary) {
          bytes = binary.bytes;
          contentType = binary.contentType ?? null;
        }
      }
      if (bytes.length > maxBytes) return { kind: 'too-large', size: bytes.length };
      return {
        kind: 'stored',
        bytes,
        contentType: contentType?.split(';')[0]?.trim() ?? null,
        sha256: createHash('sha256').update(bytes).digest('base64'),
      };
    });
  }
}

class RetryableAnswer extends Error {
  constructor(readonly failure: VaultError) {
    super(failure.message);
  }
}

function parseBinary(bytes: Buffer): { bytes: Buffer; contentType?: string } | null {
  try {
    const json = JSON.parse(bytes.toString('utf8')) as {
      resourceType?: unknown;
      data?: unknown;
      content?: unknown;
      contentType?: unknown;
    };
    // R4 carries the bytes in `data`; DSTU2 and STU3 in `content`.
    const data = typeof json.data === 'string' ? json.data : json.content;
    if (json.resourceType !== 'Binary' || typeof data !== 'string') return null;
    return {
      bytes: Buffer.from(data, 'base64'),
      contentType: typeof json.contentType === 'string' ? json.contentType : undefined,
    };
  } catch {
    return null;
  }
}
