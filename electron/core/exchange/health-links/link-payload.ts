import { z } from 'zod';
import { VaultError } from '../../errors.js';
import { checkedAddress } from '../../smart/addresses.js';

/**
 * A SMART Health Link as a person is handed it: `shlink:/` and its payload (base64url JSON), alone
 * or after a viewer's address (`https://viewer.example/#shlink:/…`), typed, pasted or read from a
 * QR code. The payload names the manifest's address, the key the files are encrypted with, and
 * how the link is to be opened (flags: L long-lived, P passcode, U one file fetched directly).
 */

/** A payload is a few hundred characters; a QR code cannot hold more than about 4,000. */
const MAX_LINK_CHARS = 8 * 1024;

export type LinkFlag = 'L' | 'P' | 'U';

export type HealthLink = {
  /** The manifest's address (with U: the one file's). */
  url: URL;
  /** The 256-bit key every file of the link is encrypted with (JWE, dir, A256GCM). */
  key: Uint8Array;
  /** When the link stops working, if its sender said. */
  expiresAt: Date | null;
  flags: ReadonlySet<LinkFlag>;
  /** What its sender called it ("Vaccination record"), at most 80 characters. */
  label: string | null;
};

const Payload = z.object({
  url: z.string().min(1).max(2048),
  key: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  exp: z.number().finite().positive().optional(),
  flag: z
    .string()
    .regex(/^[LPU]{0,3}$/)
    .optional(),
  label: z.string().max(80).optional(),
  v: z.number().int().optional(),
});

const badLink = (why: string) => new VaultError('bad-link', why);

/** The link's text alone, from what was pasted: the payload may follow a viewer's address. */
function linkText(raw: string): string {
  const text = raw.replace(/^\uFEFF/, '').trim();
  if (text.length > MAX_LINK_CHARS) throw badLink('This text is far longer than a health link.');
  const at = text.indexOf('shlink:/');
  if (at < 0) throw badLink('This text holds no health link (shlink:/…).');
  if (at > 0) {
    // A viewer's address carries the link after its `#`, where the browser never sends it.
    const before = text.slice(0, at);
    if (!/^https?:\/\/[^\s#]+#$/.test(before)) throw badLink('This text holds more than a health link.');
  }
  const link = text.slice(at);
  if (/\s/.test(link)) throw badLink('This health link is broken by a space or a line break.');
  return link;
}

/** Reads a pasted, typed or scanned link; refused (bad-link) when it is not one. */
export function readHealthLink(raw: string): HealthLink {
  const encoded = linkText(raw).slice('shlink:/'.length);
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(encoded)) throw badLink('This health link has been cut or changed.');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw badLink('This health link has been cut or changed.');
  }
  const parsed = Payload.safeParse(json);
  if (!parsed.success) throw badLink('This health link is missing what it needs to be opened.');
  const payload = parsed.data;
  if (payload.v !== undefined && payload.v !== 1)
    throw badLink('This health link was made for a newer version of the standard.');
  const flags = new Set((payload.flag ?? '').split('') as LinkFlag[]);
  // The standard forbids both: a file fetched directly has no manifest to send a passcode to.
  if (flags.has('U') && flags.has('P'))
    throw badLink('This health link asks for two things that cannot go together.');
  const key = Buffer.from(payload.key, 'base64url');
  if (key.length !== 32) throw badLink('This health link’s key has been cut or changed.');
  return {
    url: linkAddress(payload.url),
    key,
    expiresAt: payload.exp === undefined ? null : new Date(payload.exp * 1000),
    flags,
    label: payload.label?.trim() || null,
  };
}

/** The manifest's address: https, or plain http on loopback (tests), like every address the app uses. */
function linkAddress(raw: string): URL {
  try {
    return checkedAddress(raw, 'The health link’s address');
  } catch (error) {
    if (error instanceof VaultError && error.kind === 'insecure-address') throw error;
    throw badLink('This health link’s address is not a web address.');
  }
}

/** Whether a text is meant as a health link (it may still be a broken one). */
export function looksLikeHealthLink(text: string): boolean {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  return /^shlink:\//.test(t) || /^https?:\/\/[^\s#]+#shlink:\//.test(t);
}
