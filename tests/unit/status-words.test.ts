import { describe, expect, it } from 'vitest';
import { statusWords } from '../../renderer/src/lib/words.js';

describe('a record’s status', () => {
  it('reads the same whether the source sent the code or its display', () => {
    expect(statusWords('active')).toBe('active');
    expect(statusWords('Active')).toBe('active');
    expect(statusWords('entered-in-error')).toBe('entered in error');
    expect(statusWords('Entered-In-Error')).toBe('entered in error');
  });

  it('leaves a source’s own wording alone', () => {
    expect(statusWords('Active, under treatment')).toBe('Active, under treatment');
    expect(statusWords('in remission (since 2019)')).toBe('in remission (since 2019)');
  });
});
