import { describe, expect, it } from 'vitest';
import { groupByMonthAndDay, highlightParts, type FoundEntry } from '../../renderer/src/lib/timeline-rows.js';
import { readingWords } from '../../renderer/src/lib/words.js';

function entry(id: number, date: string | null): FoundEntry {
  return {
    id,
    personId: 1,
    resourceType: 'Observation',
    category: 'labs',
    date,
    title: `Record ${id}`,
    value: null,
    unit: null,
    abnormal: false,
    status: 'final',
    source: { connectionId: 1, label: 'Example Clinic' },
    sources: 1,
  };
}

describe('timeline rows', () => {
  it('puts a heading before each month and the day on its first record only', () => {
    const rows = groupByMonthAndDay([
      entry(5, '2024-03-04T10:00:00.000Z'),
      entry(4, '2024-03-04T08:00:00.000Z'),
      entry(3, '2024-03-01T08:00:00.000Z'),
      entry(2, '2024-02-27T08:00:00.000Z'),
      entry(1, null),
    ]);
    expect(
      rows.map((r) => (r.kind === 'month' ? `# ${r.label}` : `${r.entry.id} ${r.day ?? ''}`.trim())),
    ).toEqual([
      `# ${new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(2024, 2))}`,
      expect.stringMatching(/^5 .*4/),
      '4',
      expect.stringMatching(/^3 .*1/),
      expect.stringMatching(/^# .*2024/),
      expect.stringMatching(/^2 .*27/),
      '# No date',
      '1',
    ]);
  });

  it('continues the month and day of the page before', () => {
    const rows = groupByMonthAndDay(
      [entry(3, '2024-03-04T07:00:00.000Z')],
      entry(4, '2024-03-04T08:00:00.000Z'),
    );
    expect(rows).toEqual([
      { kind: 'entry', key: 'e3', entry: expect.objectContaining({ id: 3 }), day: null },
    ]);
  });

  it('splits search highlights into text and matches, never HTML', () => {
    expect(highlightParts('\u0002Hemo\u0003globin <b>A1c</b> \u0002x\u0003')).toEqual([
      { text: 'Hemo', match: true },
      { text: 'globin <b>A1c</b> ', match: false },
      { text: 'x', match: true },
    ]);
    expect(highlightParts('no match')).toEqual([{ text: 'no match', match: false }]);
  });
});

describe('numbers in words', () => {
  it('prints measured numbers as a lab report does', () => {
    expect(readingWords(5.994941401945218)).toBe('5.995');
    expect(readingWords(120)).toBe('120');
    expect(readingWords(0.012345)).toBe('0.01235');
  });
});
