import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, nestHeadings, replaceBenchSection } from '../bench/docs-section.js';

describe('the generated section of docs/performance.md', () => {
  it('replaces only what lies between the markers, keeping the hand-written text around them', () => {
    const doc = `# Performance\n\nMethod.\n\n${BEGIN}\nold run\n${END}\n\n## Causes\n`;
    const next = replaceBenchSection(doc, '## Targets\n\nnew run\n');
    expect(next).toBe(`# Performance\n\nMethod.\n\n${BEGIN}\n## Targets\n\nnew run\n${END}\n\n## Causes\n`);
    // A second run replaces the first run's section, not adds to it.
    expect(replaceBenchSection(next, 'third')).toBe(
      `# Performance\n\nMethod.\n\n${BEGIN}\nthird\n${END}\n\n## Causes\n`,
    );
  });

  it('refuses a page whose markers are missing, repeated or out of order', () => {
    expect(() => replaceBenchSection('no markers', 'x')).toThrow(/has no/);
    expect(() => replaceBenchSection(`${BEGIN}${END}${BEGIN}${END}`, 'x')).toThrow(/more than one/);
    expect(() => replaceBenchSection(`${END} ${BEGIN}`, 'x')).toThrow(/before/);
  });

  it('nests every topic heading one level deeper and collapses blank-line runs', () => {
    expect(nestHeadings('## Scale\n\n\n\n### Targets\n| a |\n#not a heading')).toBe(
      '### Scale\n\n#### Targets\n| a |\n#not a heading',
    );
  });

  it('is present exactly once in the page the bench writes to', () => {
    const page = readFileSync(new URL('../../docs/performance.md', import.meta.url), 'utf8');
    expect(() => replaceBenchSection(page, 'x')).not.toThrow();
  });
});
