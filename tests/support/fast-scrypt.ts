import type { ScryptParams } from '../../electron/core/vault/key-wrapping.js';

/** Cheap scrypt for tests that unlock many times; the app and the CLI always use the default. */
export const FAST_SCRYPT: Omit<ScryptParams, 'salt'> = { name: 'scrypt', N: 2 ** 12, r: 8, p: 1 };
