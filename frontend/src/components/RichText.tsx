import type { ComponentChildren } from 'preact';

/**
 * The simple formatting organizers may use in a contest's description and rules (Thể lệ):
 * paragraphs separated by a blank line, **bold**, and lists whose lines start with "- " (or
 * "1. " for a numbered list). It is rendered as Preact elements from plain text, never as
 * HTML, so whatever an organizer types (including "<script>") shows as text: nothing else
 * is interpreted. The console's editor previews with the same component.
 */
export type Block =
  | { kind: 'p'; lines: string[] }
  | { kind: 'ul' | 'ol'; items: string[] };

const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBER = /^\s*\d{1,3}[.)]\s+(.*)$/;

/** The blocks of `text`: paragraphs and lists. */
export function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  for (const chunk of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const lines = chunk.split('\n').filter((l) => l.trim() !== '');
    let current: Block | null = null;
    for (const line of lines) {
      const bullet = BULLET.exec(line);
      const number = bullet ? null : NUMBER.exec(line);
      const kind = bullet ? 'ul' : number ? 'ol' : 'p';
      const body = (bullet?.[1] ?? number?.[1] ?? line).trim();
      if (current && current.kind === kind) {
        if (current.kind === 'p') current.lines.push(body);
        else current.items.push(body);
      } else if (current && current.kind !== 'p' && kind === 'p' && /^\s/.test(line)) {
        // An indented line continues the list item above it.
        current.items[current.items.length - 1] += ` ${body}`;
      } else {
        current = kind === 'p' ? { kind, lines: [body] } : { kind, items: [body] };
        blocks.push(current);
      }
    }
  }
  return blocks;
}

/** `**bold**` inside a line; an unmatched "**" stays as typed. */
export function inline(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  const re = /\*\*(.+?)\*\*/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(<strong key={m.index}>{m[1]}</strong>);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Renders organizer-written text with the simple formatting above. */
export function RichText({ text, class: cls }: { text: string; class?: string }) {
  return (
    <div class={`rich-text${cls ? ` ${cls}` : ''}`}>
      {parseBlocks(text).map((b, i) =>
        b.kind === 'p' ? (
          <p key={i}>
            {b.lines.map((l, j) => (
              <>
                {j > 0 && <br />}
                {inline(l)}
              </>
            ))}
          </p>
        ) : b.kind === 'ul' ? (
          <ul key={i}>
            {b.items.map((it, j) => (
              <li key={j}>{inline(it)}</li>
            ))}
          </ul>
        ) : (
          <ol key={i}>
            {b.items.map((it, j) => (
              <li key={j}>{inline(it)}</li>
            ))}
          </ol>
        ),
      )}
    </div>
  );
}
