import { describe, expect, it } from 'vitest';
import { newWords } from '../../renderer/src/lib/timeline-rows.js';
import { lookedWords, newKindsWords, newSinceWords } from '../../renderer/src/lib/whats-new-words.js';

describe('what is new, in words', () => {
  const now = new Date(2026, 10, 21, 15, 0);

  it('says when the person last looked, in their own day', () => {
    expect(lookedWords(new Date(2026, 10, 21, 9, 30).toISOString(), now)).toBe('earlier today');
    expect(lookedWords(new Date(2026, 10, 20, 23, 59).toISOString(), now)).toMatch(/^on Nov 20$/);
    expect(lookedWords(new Date(2025, 10, 20, 12, 0).toISOString(), now)).toMatch(/^on Nov 20, 2025$/);
    expect(newSinceWords(12, new Date(2026, 10, 20).toISOString(), now)).toBe(
      '12 new records since you last looked on Nov 20',
    );
    expect(newSinceWords(1, new Date(2026, 10, 21, 8).toISOString(), now)).toBe(
      '1 new record since you last looked earlier today',
    );
  });

  it('names the largest kinds and where they came from', () => {
    expect(newKindsWords({ labs: 8, visits: 3, documents: 1 }, ['Example Hospital'])).toBe(
      '8 lab results, 3 visits and 1 document, from Example Hospital',
    );
    expect(
      newKindsWords({ labs: 8, visits: 3, documents: 1, allergies: 1, vitals: 2 }, ['A', 'B', 'C', 'D']),
    ).toBe('8 lab results, 3 visits, 2 vital signs and 2 other records, from A, B and 2 other sources');
    expect(newKindsWords({ immunizations: 1 }, [])).toBe('1 immunization');
  });

  it('tags a record that arrived since the last look, and only that', () => {
    expect(newWords({ isNew: true })).toBe('New');
    expect(newWords({ isNew: false })).toBeNull();
    expect(newWords({})).toBeNull();
  });
});
