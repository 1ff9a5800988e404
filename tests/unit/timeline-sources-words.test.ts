import { describe, expect, it } from 'vitest';
import { sourcesWords } from '../../renderer/src/lib/timeline-rows.js';

describe('a record several sources sent', () => {
  it('says how many, and nothing for a record one source sent', () => {
    expect(sourcesWords({ sources: 1 })).toBeNull();
    expect(sourcesWords({ sources: 2 })).toBe('from 2 sources');
    expect(sourcesWords({ sources: 3 })).toBe('from 3 sources');
  });
});
