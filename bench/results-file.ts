import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * bench/results.md is written by several benchmarks, each owning its own `## ` sections (the
 * storage bench its title and tables, the sync bench "Sync", the renderer bench "Renderer"). Each
 * puts its sections in place of its previous ones and leaves the others as they are, so running one
 * benchmark alone never drops another's figures.
 */

/** The text before the first `## ` heading, then each `## ` section with its heading. */
function split(markdown: string): { head: string; sections: { heading: string; text: string }[] } {
  const parts = markdown.split(/\n(?=## )/);
  const first = parts[0] ?? '';
  const headIsSection = first.startsWith('## ');
  const sections = (headIsSection ? parts : parts.slice(1)).map((text) => ({
    heading: text.split('\n', 1)[0]!.trim(),
    text: text.trimEnd(),
  }));
  return { head: headIsSection ? '' : first.trimEnd(), sections };
}

/**
 * Writes `markdown` into the results file at `path`: its sections replace those of the same
 * heading where they are, new ones go at the end; its text before the first section, if any,
 * replaces the file's.
 */
export function writeResults(path: string, markdown: string): void {
  const old = split(existsSync(path) ? readFileSync(path, 'utf8') : '');
  const next = split(markdown);
  const replaced = new Map(next.sections.map((s) => [s.heading, s.text]));
  const sections = old.sections.map((s) => replaced.get(s.heading) ?? s.text);
  const known = new Set(old.sections.map((s) => s.heading));
  sections.push(...next.sections.filter((s) => !known.has(s.heading)).map((s) => s.text));
  const head = next.head || old.head;
  writeFileSync(path, `${[head, ...sections].filter((t) => t !== '').join('\n\n')}\n`);
}
