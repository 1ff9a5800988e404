import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeResults } from '../../bench/results-file.js';
import { tempDir } from '../support/temp-dir.js';

/** bench/results.md is shared by the storage, sync and renderer benchmarks: none may drop another's figures. */
describe('the benchmark results file', () => {
  const storage = (figure: string) =>
    [
      '# PHR Vault benchmark',
      '',
      `Run at ${figure}.`,
      '',
      '## Ingest',
      '',
      `| ${figure} |`,
      '',
      '## Targets',
      '',
      '- ok',
      '',
    ].join('\n');

  it('keeps the other benchmarks’ sections when one benchmark writes its own', () => {
    const path = join(tempDir(), 'results.md');
    writeResults(path, storage('10:00'));
    writeResults(path, '## Sync\n\nsync at 10:05\n');
    writeResults(path, '## Renderer\n\nrenderer at 10:10\n');
    // The storage benchmark again: its title and sections change, Sync and Renderer stay.
    writeResults(path, storage('11:00'));
    expect(readFileSync(path, 'utf8')).toBe(
      [
        '# PHR Vault benchmark',
        '',
        'Run at 11:00.',
        '',
        '## Ingest',
        '',
        '| 11:00 |',
        '',
        '## Targets',
        '',
        '- ok',
        '',
        '## Sync',
        '',
        'sync at 10:05',
        '',
        '## Renderer',
        '',
        'renderer at 10:10',
        '',
      ].join('\n'),
    );
    // One section rewritten in its place, the rest untouched.
    writeResults(path, '## Sync\n\nsync at 12:00\n');
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('## Sync\n\nsync at 12:00\n\n## Renderer\n\nrenderer at 10:10\n');
    expect(text).not.toContain('10:05');
    expect(text.startsWith('# PHR Vault benchmark\n\nRun at 11:00.')).toBe(true);
  });

  it('starts a file that is not there yet', () => {
    const path = join(tempDir(), 'results.md');
    writeResults(path, '## Sync\n\nfirst\n');
    expect(readFileSync(path, 'utf8')).toBe('## Sync\n\nfirst\n');
    writeFileSync(path, '');
    writeResults(path, '## Renderer\n\nr\n');
    expect(readFileSync(path, 'utf8')).toBe('## Renderer\n\nr\n');
  });
});
