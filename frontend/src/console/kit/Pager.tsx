import { formatCount } from './fold';

interface PagerProps {
  offset: number;
  limit: number;
  total: number;
  onOffset: (offset: number) => void;
  /** What is counted: "câu hỏi", "cuộc thi"… */
  noun?: string;
}

/** "21–40 / 1.234 câu hỏi", with previous and next pages. */
export function Pager({ offset, limit, total, onOffset, noun = 'mục' }: PagerProps) {
  if (total <= 0) return null;
  const from = Math.min(offset + 1, total);
  const to = Math.min(offset + limit, total);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav class="pager" aria-label="Phân trang">
      <span class="pager__count">
        {formatCount(from)}–{formatCount(to)} / {formatCount(total)} {noun}
      </span>
      <span class="pager__buttons">
        <button type="button" class="button button--small button--ghost" disabled={offset <= 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
          ‹ Trang trước
        </button>
        <span class="pager__page">
          Trang {page}/{pages}
        </span>
        <button type="button" class="button button--small button--ghost" disabled={to >= total} onClick={() => onOffset(offset + limit)}>
          Trang sau ›
        </button>
      </span>
    </nav>
  );
}
