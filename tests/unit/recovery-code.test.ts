import { describe, expect, it } from 'vitest';
import {
  formatRecoveryCode,
  newRecoveryCode,
  parseRecoveryCode,
} from '../../electron/core/vault/recovery-code.js';

describe('recovery code', () => {
  it('is 160 random bits in eight groups of four', () => {
    const { code, bytes } = newRecoveryCode();
    expect(bytes).toHaveLength(20);
    expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(newRecoveryCode().code).not.toBe(code);
  });

  it('reads back what it wrote, forgiving case, spaces and look-alike letters', () => {
    const { code, bytes } = newRecoveryCode();
    expect(parseRecoveryCode(code)).toEqual(bytes);
    expect(parseRecoveryCode(code.toLowerCase().replace(/-/g, ' '))).toEqual(bytes);
    const zeros = formatRecoveryCode(Buffer.alloc(20));
    expect(parseRecoveryCode(zeros.replace(/0/g, 'O'))).toEqual(Buffer.alloc(20));
    const ones = formatRecoveryCode(Buffer.from('0842108421084210842108421084210842108421', 'hex'));
    expect(parseRecoveryCode(ones.replace(/1/g, 'l'))).toEqual(parseRecoveryCode(ones));
  });

  it('refuses what cannot be a code', () => {
    expect(parseRecoveryCode('')).toBeNull();
    expect(parseRecoveryCode('ABCD-EFGH')).toBeNull();
    expect(parseRecoveryCode(`${newRecoveryCode().code}X`)).toBeNull();
    expect(parseRecoveryCode('UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU')).toBeNull();
  });
});
