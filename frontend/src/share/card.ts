/**
 * A result card or a certificate drawn on a canvas, then shared as a PNG (the Web Share API
 * with files, which is how results travel on Zalo and Facebook) or downloaded where sharing
 * files is not available. Loaded only when the member asks to share: none of it is in the
 * first download.
 */

/** What a card says. Every line is already Vietnamese. */
export interface CardContent {
  /** Small line at the top, e.g. the contest's title. */
  kicker: string;
  /** The big line, e.g. the round's name. */
  title: string;
  /** The member's name. */
  name: string;
  /** Their unit. */
  unit?: string;
  /** The headline figure, e.g. "85/100 điểm" or "Đạt". */
  headline: string;
  /** Label/value pairs under it (correct answers, time, place…). */
  facts: [string, string][];
  /** The foot line, e.g. the date or a certificate's code. */
  foot: string;
}

const W = 1080;
const H = 1080;
const BLUE = '#0b4ea2';
const RED = '#c8102e';
const INK = '#1b1f24';
const MUTED = '#57606a';
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';

/** Wraps `text` to lines of at most `max` px in the current font. */
function wrap(ctx: CanvasRenderingContext2D, text: string, max: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (ctx.measureText(next).width <= max || !line) line = next;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Draws `card` on a new 1080×1080 canvas. */
export function drawCard(card: CardContent): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('canvas 2d unavailable');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  // Header band.
  ctx.fillStyle = BLUE;
  ctx.fillRect(0, 0, W, 220);
  ctx.fillStyle = RED;
  ctx.fillRect(0, 220, W, 12);
  const pad = 72;
  const inner = W - pad * 2;
  ctx.fillStyle = '#ffffff';
  ctx.textBaseline = 'top';
  ctx.font = `600 34px ${FONT}`;
  let y = 48;
  for (const l of wrap(ctx, card.kicker, inner).slice(0, 2)) {
    ctx.fillText(l, pad, y);
    y += 44;
  }
  ctx.font = `700 44px ${FONT}`;
  for (const l of wrap(ctx, card.title, inner).slice(0, 2)) {
    ctx.fillText(l, pad, y);
    y += 54;
  }
  // The member.
  y = 280;
  ctx.fillStyle = INK;
  ctx.font = `700 52px ${FONT}`;
  for (const l of wrap(ctx, card.name, inner).slice(0, 2)) {
    ctx.fillText(l, pad, y);
    y += 64;
  }
  if (card.unit) {
    ctx.fillStyle = MUTED;
    ctx.font = `400 32px ${FONT}`;
    for (const l of wrap(ctx, card.unit, inner).slice(0, 2)) {
      ctx.fillText(l, pad, y);
      y += 42;
    }
  }
  // The headline figure.
  y += 30;
  ctx.fillStyle = RED;
  ctx.font = `800 120px ${FONT}`;
  ctx.fillText(card.headline, pad, y, inner);
  y += 160;
  // Facts, two columns.
  ctx.font = `400 32px ${FONT}`;
  const col = inner / 2;
  card.facts.slice(0, 4).forEach(([label, value], i) => {
    const x = pad + (i % 2) * col;
    const fy = y + Math.floor(i / 2) * 120;
    ctx.fillStyle = MUTED;
    ctx.font = `400 30px ${FONT}`;
    ctx.fillText(label, x, fy, col - 24);
    ctx.fillStyle = INK;
    // A long value gets a smaller font before it is squeezed.
    let size = 44;
    ctx.font = `700 ${size}px ${FONT}`;
    while (size > 28 && ctx.measureText(value).width > col - 24) {
      size -= 2;
      ctx.font = `700 ${size}px ${FONT}`;
    }
    ctx.fillText(value, x, fy + 40, col - 24);
  });
  // Foot.
  ctx.fillStyle = '#eef3fa';
  ctx.fillRect(0, H - 110, W, 110);
  ctx.fillStyle = BLUE;
  ctx.font = `600 30px ${FONT}`;
  ctx.fillText(card.foot, pad, H - 74, inner);
  return canvas;
}

/** The canvas as a PNG file. */
export function toFile(canvas: HTMLCanvasElement, name: string): Promise<File> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(new File([blob], name, { type: 'image/png' })) : reject(new Error('toBlob failed'))), 'image/png'),
  );
}

/** How the card left: shared through the system sheet, or downloaded. */
export type Shared = 'shared' | 'downloaded' | 'cancelled';

/**
 * Shares `file` with the Web Share API where it can share files (phones), else downloads it.
 * A member who closes the share sheet has `cancelled`.
 */
export async function shareOrDownload(file: File, title: string, text: string): Promise<Shared> {
  const nav = navigator as Navigator & { canShare?: (d: ShareData) => boolean };
  const data: ShareData = { files: [file], title, text };
  if (typeof nav.share === 'function' && nav.canShare?.(data)) {
    try {
      await nav.share(data);
      return 'shared';
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') return 'cancelled';
      // Not allowed here (no user activation left, a policy): fall back to the download.
    }
  }
  const url = URL.createObjectURL(file);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return 'downloaded';
}

/** Draws `card` and shares or downloads it as `name`. */
export async function shareCard(card: CardContent, name: string, title: string, text: string): Promise<Shared> {
  const file = await toFile(drawCard(card), name);
  return shareOrDownload(file, title, text);
}
