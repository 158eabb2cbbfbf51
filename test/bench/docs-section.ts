/**
 * The generated part of docs/performance.md: `npm run bench -- --write-docs`
 * replaces everything between {@link BEGIN} and {@link END} with the run it
 * just made, so a real run reaches the page without hand copying. The
 * hand-written part around the markers (method, causes of unmet targets) is
 * left as it is.
 */

/** Opens the generated section. */
export const BEGIN = '<!-- bench:begin -->';
/** Closes the generated section. */
export const END = '<!-- bench:end -->';

/**
 * Returns `doc` with the text between its one pair of markers replaced by
 * `section`, the markers kept. Throws when the markers are missing, repeated
 * or out of order: a page that lost them must be fixed by hand, not guessed at.
 */
export function replaceBenchSection(doc: string, section: string): string {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin === -1 || end === -1) throw new Error(`the page has no ${BEGIN} … ${END} section`);
  if (doc.indexOf(BEGIN, begin + 1) !== -1 || doc.indexOf(END, end + 1) !== -1)
    throw new Error(`the page has more than one ${BEGIN} or ${END} marker`);
  if (end < begin) throw new Error(`${END} comes before ${BEGIN}`);
  return `${doc.slice(0, begin + BEGIN.length)}\n${section.trim()}\n${doc.slice(end)}`;
}

/**
 * A topic's printed Markdown, one heading level deeper, so it nests under the
 * section's own heading; the blank-line runs the topics print are collapsed.
 */
export function nestHeadings(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => (/^#{1,5} /.test(line) ? `#${line}` : line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}
