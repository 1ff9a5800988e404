import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { VaultError } from '../../errors.js';

/**
 * A health link's files come encrypted as compact JWE with the link's own key (`dir`, A256GCM),
 * optionally deflated (`zip: DEF`). jose decrypts them; only that pair of algorithms is accepted,
 * and what is inflated is bounded, so a small file cannot unpack into gigabytes.
 */

/** Larger than any health card or patient summary; a whole record history comes through a portal. */
export const MAX_DECRYPTED_BYTES = 32 * 1024 * 1024;

const JWE_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const garbled = (why: string) => new VaultError('link-bad-answer', why);

export type DecryptedFile = { bytes: Buffer; contentType: string | null };

export async function decryptLinkFile(
  jwe: string,
  key: Uint8Array,
  maxBytes = MAX_DECRYPTED_BYTES,
): Promise<DecryptedFile> {
  if (!JWE_SHAPE.test(jwe)) throw garbled('A file of the link is not an encrypted file.');
  let cty: unknown;
  try {
    cty = decodeProtectedHeader(jwe).cty;
  } catch {
    throw garbled('A file of the link is not an encrypted file.');
  }
  try {
    const { plaintext } = await compactDecrypt(jwe, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      maxDecompressedLength: maxBytes,
    });
    if (plaintext.byteLength > maxBytes) throw tooLarge();
    return {
      bytes: Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength),
      contentType: typeof cty === 'string' ? cty : null,
    };
  } catch (error) {
    if (error instanceof VaultError) throw error;
    const code = (error as { code?: unknown }).code;
    if (/exceeded the configured limit/.test(String((error as Error).message))) throw tooLarge();
    if (code === 'ERR_JWE_DECRYPTION_FAILED')
      throw garbled(
        'A file of the link does not open with the link’s key: it was changed, or belongs to another link.',
      );
    if (code === 'ERR_JOSE_ALG_NOT_ALLOWED' || code === 'ERR_JOSE_NOT_SUPPORTED')
      throw garbled('A file of the link is encrypted in a way the standard does not allow.');
    throw garbled('A file of the link is damaged.');
  }
}

const tooLarge = () =>
  new VaultError(
    'link-bad-answer',
    `The link’s files unpack to more than ${MAX_DECRYPTED_BYTES / 1024 / 1024} MB, far more than a health link holds.`,
  );
