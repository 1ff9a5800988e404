import {
  createCipheriv,
  createDecipheriv,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';

/**
 * The data key that encrypts the database is random and never leaves memory unwrapped. It is
 * stored only wrapped (AES-256-GCM) by keys derived from what the user holds: the passphrase
 * (scrypt, memory-hard, built into Node so no native add-on is needed), the recovery code (already
 * 160 random bits, so HKDF is enough) and, in the desktop shell, the OS keychain.
 */

export const DATA_KEY_BYTES = 32;
/** A recovery code is 160 random bits (recovery-code.ts). */
export const RECOVERY_CODE_BYTES = 20;

export type ScryptParams = { name: 'scrypt'; N: number; r: number; p: number; salt: string };
export type HkdfParams = { name: 'hkdf-sha256'; salt: string };

export type WrappedKey = { iv: string; ciphertext: string; tag: string };

/** 2^17 × 8 × 128 bytes = 128 MiB and about half a second on a 2-core build machine. */
export const DEFAULT_SCRYPT: Omit<ScryptParams, 'salt'> = { name: 'scrypt', N: 2 ** 17, r: 8, p: 1 };

/**
 * The scrypt settings unlock accepts from a key file: what this app writes (DEFAULT_SCRYPT, the
 * only setting any release has written) and the cheaper powers of two that test builds write
 * (from 2^12), never more. The key file is not secret and can be altered: settings taken as found
 * made one unlock attempt ask for gigabytes of memory and run for minutes.
 */
export function acceptedScrypt(params: Omit<ScryptParams, 'salt'>): boolean {
  return (
    params.name === 'scrypt' &&
    params.r === DEFAULT_SCRYPT.r &&
    params.p === DEFAULT_SCRYPT.p &&
    Number.isInteger(params.N) &&
    params.N >= 2 ** 12 &&
    params.N <= DEFAULT_SCRYPT.N &&
    (params.N & (params.N - 1)) === 0
  );
}

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

export function newScryptParams(base: Omit<ScryptParams, 'salt'> = DEFAULT_SCRYPT): ScryptParams {
  return { ...base, salt: randomBytes(16).toString('base64') };
}

export function newHkdfParams(): HkdfParams {
  return { name: 'hkdf-sha256', salt: randomBytes(16).toString('base64') };
}

export function derivePassphraseKey(passphrase: string, params: ScryptParams): Promise<Buffer> {
  // readEnvelope refuses other settings already; checked again where the cost is paid.
  if (!acceptedScrypt(params)) return Promise.reject(new RangeError('scrypt settings not accepted'));
  const { N, r, p } = params;
  // The passphrase is normalised so the same words typed on another keyboard layout still unlock.
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  return new Promise((resolve, reject) => {
    scrypt(
      secret,
      Buffer.from(params.salt, 'base64'),
      32,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (err, key) => {
        secret.fill(0);
        if (err) reject(err);
        else resolve(key);
      },
    );
  });
}

export function deriveRecoveryKey(code: Buffer, params: HkdfParams): Buffer {
  return Buffer.from(
    hkdfSync('sha256', code, Buffer.from(params.salt, 'base64'), 'phr-vault recovery v1', 32),
  );
}

export function wrapKey(dataKey: Buffer, wrappingKey: Buffer, aad: string): WrappedKey {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** Returns null when the wrapping key is wrong (the GCM tag does not verify). */
export function unwrapKey(
  wrapped: WrappedKey,
  wrappingKey: Buffer,
  aad: string,
  bytes: number = DATA_KEY_BYTES,
): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey, Buffer.from(wrapped.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(wrapped.tag, 'base64'));
    const key = Buffer.concat([decipher.update(Buffer.from(wrapped.ciphertext, 'base64')), decipher.final()]);
    return key.length === bytes ? key : null;
  } catch {
    return null;
  }
}

export function sameKey(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
