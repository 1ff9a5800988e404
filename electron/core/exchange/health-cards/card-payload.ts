import { inflateRawSync } from 'node:zlib';
import { VaultError } from '../../errors.js';
import { isObject, type Json } from '../../records/fhir-values.js';

/**
 * A card's JWS taken apart, before anyone vouches for it: the header, the inflated payload, and
 * the FHIR bundle inside. Every step is bounded, so a card built to exhaust memory (a few
 * kilobytes that inflate to gigabytes) is refused after inflating at most MAX_PAYLOAD_BYTES.
 */

/** A health card's JWS is a few kilobytes (one QR code holds 1195 characters); a file of them more. */
export const MAX_JWS_CHARS = 256 * 1024;
/** The inflated payload: a card of a hundred records is tens of kilobytes; this leaves room, no more. */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export type CardParts = {
  jws: string;
  header: Json;
  payload: Json;
  bundle: Json;
};

const refuse = (why: string) => new VaultError('bad-input', `This health card ${why}.`);

function base64url(part: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw refuse('holds characters a health card never has');
  return Buffer.from(part, 'base64url');
}

function parseJson(bytes: Buffer, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw refuse(`has ${what} not readable JSON`);
  }
  if (!isObject(value)) throw refuse(`has ${what} not a JSON object`);
  return value;
}

export function inflatePayload(compressed: Buffer): Buffer {
  try {
    return inflateRawSync(compressed, { maxOutputLength: MAX_PAYLOAD_BYTES });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw refuse(
        `unpacks to more than ${MAX_PAYLOAD_BYTES / 1024 / 1024} MB, far more than any card holds, so it was not read`,
      );
    throw refuse('could not be unpacked (it is not compressed as health cards are)');
  }
}

export function takeApart(jws: string): CardParts {
  if (jws.length > MAX_JWS_CHARS) throw refuse('is far longer than any health card');
  const pieces = jws.split('.');
  if (pieces.length !== 3) throw refuse('is not a signed health card (it does not have three parts)');
  const header = parseJson(base64url(pieces[0]!), 'a header that is');
  const payload = parseJson(inflatePayload(base64url(pieces[1]!)), 'contents that are');
  const vc = isObject(payload.vc) ? payload.vc : undefined;
  const subject = vc && isObject(vc.credentialSubject) ? vc.credentialSubject : undefined;
  const bundle = subject && isObject(subject.fhirBundle) ? subject.fhirBundle : undefined;
  if (!bundle || bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.entry))
    throw refuse('holds no FHIR bundle of records');
  return { jws, header, payload, bundle };
}
