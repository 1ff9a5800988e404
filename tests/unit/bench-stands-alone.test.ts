import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The benchmarks must run from a checkout without the tests, and a change to a test's helper must
 * not move a benchmark's numbers: bench/ and the generators it shares with the tests (testkit/)
 * import nothing from tests/. The lint rule sees static imports; this also sees `import('…')`,
 * which the benchmarks use to load a generator only when its size is asked for.
 */

const repo = fileURLToPath(new URL('../..', import.meta.url));
const testsDir = join(repo, 'tests') + sep;

function sources(dir: string): string[] {
  return readdirSync(join(repo, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mts|cts|js|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Every module specifier a file names: `from '…'`, `import '…'`, `import('…')`, `require('…')`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"`])([^'"`]+)\1/g,
  )) {
    found.push(m[2]!);
  }
  return found;
}

describe('bench/ and testkit/ stand alone', () => {
  it('finds static and dynamic imports alike', () => {
    expect(
      specifiers(
        `import a from '../tests/x.js';\nconst { b } = await import("../tests/y.js");\nimport './z.js';`,
      ),
    ).toEqual(['../tests/x.js', '../tests/y.js', './z.js']);
  });

  it.each(['bench', 'testkit'])('%s/ imports nothing from tests/', (dir) => {
    const files = sources(dir);
    expect(files.length).toBeGreaterThan(0);
    const reaching: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(file, '..', spec);
        if (target.startsWith(testsDir)) reaching.push(`${relative(repo, file)} → ${spec}`);
      }
    }
    expect(reaching).toEqual([]);
  });
});
