/**
 * How sync waits when a server is busy or failing. Pure functions, so the rules are tested
 * without a clock: a server that says when to come back (429/503 with Retry-After) is believed
 * up to a bound; anything else transient backs off exponentially with full jitter (AWS's
 * "exponential backoff and jitter"), so many clients that failed together do not return together.
 */
export type RetryPolicy = {
  /** Tries per request, the first included. */
  attempts: number;
  /** First backoff ceiling; doubles each try. */
  baseDelayMs: number;
  /** No single backoff waits longer than this. */
  maxDelayMs: number;
  /** A Retry-After longer than this ends the request instead: the server is not coming back soon. */
  maxRetryAfterMs: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 5 * 60_000,
};

/**
 * Retry-After as milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Null when absent or unreadable; a date in the past means "now" (0).
 */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Every HTTP date form names its month in letters; Date.parse would read "-5" as a year.
  if (!/[A-Za-z]{3}/.test(value)) return null;
  const when = Date.parse(value);
  if (Number.isNaN(when)) return null;
  return Math.max(0, when - now);
}

/** The wait before try number `attempt + 1` (attempt counts from 1), with full jitter. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * random());
}

/** Statuses worth another try: the server is busy or briefly broken, not refusing. */
export function isTransientStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504
  );
}

/** Waits, or stops early when the sync is cancelled. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
