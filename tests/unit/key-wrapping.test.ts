import { describe, expect, it } from 'vitest';
import {
  deriveRecoveryKey,
  derivePassphraseKey,
  newDataKey,
  newHkdfParams,
  newScryptParams,
  unwrapKey,
  wrapKey,
} from '../../electron/core/vault/key-wrapping.js';
import { FAST_SCRYPT } from '../support/temp-dir.js';

describe('key wrapping', () => {
  it('unwraps with the same passphrase and refuses another', async () => {
    const dataKey = newDataKey();
    const params = newScryptParams(FAST_SCRYPT);
    const key = await derivePassphraseKey('correct horse battery', params);
    const wrapped = wrapKey(dataKey, key, 'phr-vault:x:passphrase');
    expect(Buffer.from(wrapped.ciphertext, 'base64').equals(dataKey)).toBe(false);
    expect(
      unwrapKey(
        wrapped,
        await derivePassphraseKey('correct horse battery', params),
        'phr-vault:x:passphrase',
      ),
    ).toEqual(dataKey);
    expect(
      unwrapKey(
        wrapped,
        await derivePassphraseKey('correct horse batterY', params),
        'phr-vault:x:passphrase',
      ),
    ).toBeNull();
  });

  it('binds a wrap to its vault and purpose, so wraps cannot be swapped', async () => {
    const dataKey = newDataKey();
    const key = deriveRecoveryKey(Buffer.alloc(20, 7), newHkdfParams());
    const wrapped = wrapKey(dataKey, key, 'phr-vault:a:recovery');
    expect(unwrapKey(wrapped, key, 'phr-vault:b:recovery')).toBeNull();
    expect(unwrapKey(wrapped, key, 'phr-vault:a:passphrase')).toBeNull();
    expect(
      unwrapKey({ ...wrapped, tag: Buffer.alloc(16).toString('base64') }, key, 'phr-vault:a:recovery'),
    ).toBeNull();
  });

  it('treats the same words in another Unicode form as the same passphrase', async () => {
    const params = newScryptParams(FAST_SCRYPT);
    const composed = await derivePassphraseKey('café au lait', params);
    const decomposed = await derivePassphraseKey('cafe\u0301 au lait', params);
    expect(composed).toEqual(decomposed);
  });

  it('uses fresh salts every time', () => {
    expect(newScryptParams().salt).not.toBe(newScryptParams().salt);
    expect(newScryptParams().N).toBeGreaterThanOrEqual(2 ** 17);
  });
});
