/**
 * Text without Vietnamese diacritics, lower-cased, for matching what people type without
 * accents ("quoc hoi" finds "Quốc hội"). Đ/đ is a letter of its own, not a d with a mark, so
 * Unicode decomposition leaves it alone: map it by hand.
 */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
}

/** Number with "." for thousands, as Vietnamese documents write it: 1.200. */
export function formatCount(n: number): string {
  return Math.trunc(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/** "x/y = z%" with a decimal comma, the way units report participation. */
export function formatRate(x: number, y: number): string {
  if (y <= 0) return `${formatCount(x)}/0`;
  const pct = (100 * x) / y;
  const shown = pct >= 10 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1);
  return `${formatCount(x)}/${formatCount(y)} = ${shown.replace('.', ',')}%`;
}
