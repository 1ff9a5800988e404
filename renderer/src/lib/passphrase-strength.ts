import { userMessage } from '../../../shared/errors.js';

/**
 * A hint, not a rule: the core only insists on 8 characters. A full estimator such as zxcvbn
 * ships megabytes of word lists to a screen shown once, so this counts what matters most
 * (length, variety, separate words) and names the obvious traps.
 */
export const MIN_PASSPHRASE_LENGTH = 8;

export type Strength = { level: 'too-short' | 'weak' | 'fair' | 'good' | 'strong'; words: string };

const OBVIOUS = /^(?:password|passphrase|qwerty|letmein|iloveyou|welcome|admin|abc123|12345)/i;

export function passphraseStrength(passphrase: string): Strength {
  const chars = [...passphrase.normalize('NFC')];
  if (chars.length < MIN_PASSPHRASE_LENGTH) {
    const missing = MIN_PASSPHRASE_LENGTH - chars.length;
    return {
      level: 'too-short',
      words: `${missing} more ${missing === 1 ? 'character' : 'characters'} needed.`,
    };
  }
  if (new Set(chars).size <= 3 || OBVIOUS.test(passphrase) || /^\d+$/.test(passphrase)) {
    return { level: 'weak', words: 'Easy to guess. Try a few unrelated words.' };
  }
  let pool = 0;
  if (/[a-z]/.test(passphrase)) pool += 26;
  if (/[A-Z]/.test(passphrase)) pool += 26;
  if (/\d/.test(passphrase)) pool += 10;
  if (/[^a-zA-Z\d]/.test(passphrase)) pool += 33;
  const bits = chars.length * Math.log2(Math.max(pool, 10));
  const words = passphrase.split(/[\s\-_.]+/).filter((w) => w.length >= 3).length;
  if (bits >= 80 || words >= 4) return { level: 'strong', words: 'Strong.' };
  if (bits >= 60 || words >= 3)
    return { level: 'good', words: 'Good. A little longer makes it stronger still.' };
  return { level: 'fair', words: 'Fair. Longer is stronger: try a few unrelated words.' };
}

/** What is wrong with a new passphrase and its confirmation, in the words the forms show. */
export function newPassphraseProblem(
  passphrase: string,
  confirmation: string,
): { field: 'passphrase' | 'confirmation'; message: string } | null {
  if ([...passphrase.normalize('NFC')].length < MIN_PASSPHRASE_LENGTH) {
    return { field: 'passphrase', message: userMessage('weak-passphrase') };
  }
  if (passphrase !== confirmation) {
    return {
      field: 'confirmation',
      message: 'The two passphrases are not the same. Type the same passphrase in both boxes.',
    };
  }
  return null;
}
