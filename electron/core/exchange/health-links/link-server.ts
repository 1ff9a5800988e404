import { z } from 'zod';
import { VaultError } from '../../errors.js';
import { checkedAddress } from '../../smart/addresses.js';
import { networkFailure } from '../../smart/server-http.js';
import type { HealthLink } from './link-payload.js';

/**
 * Talking to a health link's server as the standard says a receiving app does: the manifest asked
 * for with a POST (who is asking, the passcode when the link has one), each file fetched from the
 * address the manifest gives, a U link's one file fetched directly. Every answer is bounded in
 * size, the whole link in time; a redirect is followed only within the server's own origin, and
 * only https (plain http on loopback, for tests) is ever spoken.
 */

export type LinkLimits = {
  /** The whole link: manifest and every file. */
  timeoutMs?: number;
  /** One answer's body (a manifest with embedded files, or one file), as sent. */
  maxAnswerBytes?: number;
};

/** A link server that has not finished in this long is treated as not answering. */
export const LINK_TIMEOUT_MS = 60_000;
/** A manifest embedding a hundred cards, or one large FHIR bundle, encrypted. */
export const MAX_ANSWER_BYTES = 24 * 1024 * 1024;
const MAX_REDIRECTS = 3;
/** More than any sharing app puts behind one link; bounds the work one link can ask for. */
export const MAX_LINK_FILES = 100;
/** Files up to this long come inside the manifest; larger ones from their own address. */
const EMBEDDED_LENGTH_MAX = 100_000;

export const LinkFileEntry = z.object({
  contentType: z.string().max(200),
  embedded: z.string().optional(),
  location: z.string().max(4096).optional(),
});
export type LinkFileEntry = z.infer<typeof LinkFileEntry>;

const Manifest = z.object({ files: z.array(LinkFileEntry).max(MAX_LINK_FILES) });

type Answer = { status: number; text: string; url: URL };

async function boundedText(response: Response, limit: number, url: URL): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new VaultError('link-bad-answer', `${url.host} sent far more than a health link holds.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One request with its redirects, followed only within the first address's origin. */
async function ask(
  first: URL,
  init: { method: 'GET' | 'POST'; body?: string; accept: string },
  signal: AbortSignal,
  limits: LinkLimits,
): Promise<Answer> {
  let url = first;
  try {
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, {
        method: init.method,
        redirect: 'manual',
        signal,
        headers: {
          accept: init.accept,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: init.body }),
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (!location || hop >= MAX_REDIRECTS)
          throw new VaultError('link-bad-answer', `${url.host} sent the request around in circles.`);
        const next = new URL(location, url);
        // The link's sender chose this server; another one was chosen by nobody the person knows.
        if (next.origin !== first.origin)
          throw new VaultError(
            'link-refused',
            `${url.host} sent PHR Vault on to ${next.host}, which PHR Vault does not follow.`,
          );
        url = next;
        continue;
      }
      return {
        status: response.status,
        text: await boundedText(response, limits.maxAnswerBytes ?? MAX_ANSWER_BYTES, url),
        url,
      };
    }
  } catch (error) {
    throw networkFailure(error, url);
  }
}

function refusal(answer: Answer, passcode: string | undefined): VaultError {
  const host = answer.url.host;
  if (answer.status === 401) {
    if (passcode === undefined) return new VaultError('link-passcode-needed');
    const remaining = remainingAttempts(answer.text);
    if (remaining === 0) return new VaultError('link-unavailable', 'No passcode attempts are left.');
    return new VaultError(
      'link-wrong-passcode',
      remaining === null
        ? undefined
        : `${remaining} ${remaining === 1 ? 'attempt is' : 'attempts are'} left before the link stops working.`,
    );
  }
  if (answer.status === 404 || answer.status === 410) return new VaultError('link-unavailable');
  if (answer.status === 429) return new VaultError('link-refused', `${host} asked PHR Vault to wait.`);
  return new VaultError('link-refused', `${host} answered ${answer.status}.`);
}

function remainingAttempts(text: string): number | null {
  try {
    const value = (JSON.parse(text) as { remainingAttempts?: unknown } | null)?.remainingAttempts;
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
  } catch {
    return null;
  }
}

export type LinkRequest = {
  /** Who is opening the link, as the sender will see it in their log. */
  recipient: string;
  passcode?: string;
  signal: AbortSignal;
  limits: LinkLimits;
};

/** The manifest's list of files (P and L links, and links with no flag). */
export async function fetchManifest(link: HealthLink, request: LinkRequest): Promise<LinkFileEntry[]> {
  const body = JSON.stringify({
    recipient: request.recipient,
    ...(request.passcode === undefined ? {} : { passcode: request.passcode }),
    embeddedLengthMax: EMBEDDED_LENGTH_MAX,
  });
  const answer = await ask(
    link.url,
    { method: 'POST', body, accept: 'application/json' },
    request.signal,
    request.limits,
  );
  if (answer.status !== 200) throw refusal(answer, request.passcode);
  let value: unknown;
  try {
    value = JSON.parse(answer.text);
  } catch {
    throw new VaultError('link-bad-answer', `${answer.url.host} did not answer with a list of files.`);
  }
  const parsed = Manifest.safeParse(value);
  if (!parsed.success)
    throw new VaultError(
      'link-bad-answer',
      Array.isArray((value as { files?: unknown } | null)?.files) &&
        (value as { files: unknown[] }).files.length > MAX_LINK_FILES
        ? `${answer.url.host} listed more than ${MAX_LINK_FILES} files.`
        : `${answer.url.host} did not answer with a list of files.`,
    );
  return parsed.data.files;
}

function fileAddress(raw: string): URL {
  try {
    return checkedAddress(raw, 'A file’s address in the health link');
  } catch (error) {
    if (error instanceof VaultError && error.kind === 'insecure-address') throw error;
    throw new VaultError(
      'link-bad-answer',
      'The link’s list of files names a file by something that is not a web address.',
    );
  }
}

/** An encrypted file, from the address a manifest gave or (U links) the link's own. */
export async function fetchLinkFile(
  address: URL | string,
  request: Pick<LinkRequest, 'signal' | 'limits'> & { recipient?: string },
): Promise<string> {
  const url = typeof address === 'string' ? fileAddress(address) : new URL(address);
  if (request.recipient !== undefined) url.searchParams.set('recipient', request.recipient);
  const answer = await ask(
    url,
    { method: 'GET', accept: 'application/jose' },
    request.signal,
    request.limits,
  );
  // A passcode is only ever sent for the manifest: a file that asks for one is refused outright.
  if (answer.status === 401 || answer.status === 403)
    throw new VaultError('link-refused', `${answer.url.host} would not hand over a file of the link.`);
  if (answer.status !== 200) throw refusal(answer, undefined);
  return answer.text.trim();
}
