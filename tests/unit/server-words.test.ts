import { describe, expect, it } from 'vitest';
import { serverWords } from '../../electron/core/smart/server-words.js';

describe('serverWords: what a refusing server said, fit to show', () => {
  it('keeps ordinary words as they are, quotes and addresses included', () => {
    expect(
      serverWords('Bad audience value "http://127.0.0.1:9/v/r4/sim/eyJoIjoiMSJ9/fhir/". Expected "x"'),
    ).toBe('Bad audience value "http://127.0.0.1:9/v/r4/sim/eyJoIjoiMSJ9/fhir/". Expected "x"');
  });

  it('cuts out the secrets of the request and anything shaped like a JWT', () => {
    const refresh = 'rt-1234567890abcdef';
    const jwt = 'eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl';
    expect(serverWords(`refresh token ${refresh} is spent; assertion ${jwt} too`, [refresh])).toBe(
      'refresh token … is spent; assertion … too',
    );
  });

  it('makes one line of plain text: no markup, control or direction characters', () => {
    expect(serverWords('<h1>No</h1>\n\tnot\u202Eallowed\u0007 here')).toBe('No not allowed here');
  });

  it('is bounded, and says nothing for nothing', () => {
    const long = serverWords('word '.repeat(500))!;
    expect(long.length).toBeLessThanOrEqual(300);
    expect(long.endsWith('…')).toBe(true);
    expect(serverWords(undefined)).toBeNull();
    expect(serverWords(42)).toBeNull();
    expect(serverWords(' \n ')).toBeNull();
  });
});
