import { randomBytes } from 'node:crypto';
import { RECOVERY_CODE_BYTES } from './key-wrapping.js';

/**
 * A recovery code is 160 random bits written in Crockford's base32 (no I, L, O or U, so it survives
 * being copied by hand) in groups of four: `7K3Q-....` (8 groups). Reading it back forgives case,
 * spaces, dashes and the letters people confuse with digits.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_BYTES = RECOVERY_CODE_BYTES;

export function newRecoveryCode(): { code: string; bytes: Buffer } {
  const bytes = randomBytes(CODE_BYTES);
  return { code: formatRecoveryCode(bytes), bytes };
}

export function formatRecoveryCode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join('-');
}

/** The code's bytes, or null when what was typed cannot be a recovery code. */
export function parseRecoveryCode(typed: string): Buffer | null {
  const clean = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (clean.length !== Math.ceil((CODE_BYTES * 8) / 5)) return null;
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) return null;
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out.length === CODE_BYTES ? Buffer.from(out) : null;
}
