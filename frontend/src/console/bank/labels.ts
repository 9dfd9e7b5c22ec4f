// The question bank's words, as an organizer reads them (see shared/UI-GLOSSARY.md), and the
// mapping from the server's field names and import columns to the labels on screen.

export type Kind = 'single' | 'multiple' | 'true_false';
export type Difficulty = 'easy' | 'medium' | 'hard';
export type Status = 'draft' | 'active' | 'retired';

export const KIND_LABELS: Record<Kind, string> = {
  single: 'Một đáp án',
  multiple: 'Nhiều đáp án',
  true_false: 'Đúng/Sai',
};

export const DIFFICULTY_LABELS: Record<Difficulty, string> = {
  easy: 'Dễ',
  medium: 'Trung bình',
  hard: 'Khó',
};

export const STATUS_LABELS: Record<Status, string> = {
  draft: 'Nháp',
  active: 'Đang dùng',
  retired: 'Ngừng dùng',
};

export const STATUS_CLASS: Record<Status, string> = {
  draft: 'status status--draft',
  active: 'status status--open',
  retired: 'status status--closed',
};

/** A/B/C… for option positions. */
export const letter = (i: number): string => String.fromCharCode(65 + i);

/**
 * The import's columns (the server reports rows as `/rows/{row}/{column}` with the English
 * column name) under the Vietnamese header the template uses.
 */
const COLUMN_LABELS: Record<string, string> = {
  id: 'Mã câu hỏi',
  topic_code: 'Mã chủ đề',
  topic_name: 'Tên chủ đề',
  kind: 'Loại câu hỏi',
  text: 'Nội dung câu hỏi',
  correct: 'Đáp án đúng',
  explanation: 'Giải thích',
  difficulty: 'Độ khó',
  tags: 'Thẻ',
  source_title: 'Tên nguồn',
  source_url: 'Link nguồn',
  legal_document: 'Văn bản pháp lý',
  valid_from: 'Hiệu lực từ',
  valid_until: 'Hiệu lực đến',
  status: 'Trạng thái',
  image: 'Ảnh câu hỏi',
  options: 'Phương án',
};

/** "option_c" → "Phương án C", "image_b" → "Ảnh B", "C7" (a cell) → "ô C7". */
export function columnLabel(column: string): string {
  const option = /^option_([a-f])$/.exec(column);
  if (option) return `Phương án ${option[1]!.toUpperCase()}`;
  const image = /^image_([a-f])$/.exec(column);
  if (image) return `Ảnh ${image[1]!.toUpperCase()}`;
  if (/^[A-Z]{1,3}\d+$/.test(column)) return `ô ${column}`;
  return COLUMN_LABELS[column] ?? column;
}

export interface RowProblem {
  /** Row (spreadsheet) or line (text formats); null for the file as a whole. */
  row: number | null;
  /** The column's label, or null. */
  column: string | null;
  message: string;
}

/**
 * The server's import errors (`/rows/7/correct`, `/file/anh/x.png`, `/file`) as "Dòng 7, cột
 * Đáp án đúng: …": Vietnamese text from `detail_vi`, English only when nothing else is there.
 */
export function rowProblems(errors: Array<{ pointer?: string; detail?: string; detail_vi?: string | null }>): RowProblem[] {
  return errors.map((e) => {
    const parts = (e.pointer ?? '').split('/').filter(Boolean);
    const message = (e.detail_vi ?? '').trim() || (e.detail ?? '').trim();
    if (parts[0] === 'rows' && parts[1]) {
      const row = Number(parts[1]);
      const column = parts.slice(2).join('/');
      return { row: Number.isFinite(row) ? row : null, column: column ? columnLabel(column) : null, message };
    }
    const rest = parts.slice(1).join('/');
    return { row: null, column: rest ? rest : null, message };
  });
}

/** "Dòng 7, cột Đáp án đúng" / "Tệp". */
export function placeOf(p: RowProblem): string {
  if (p.row === null) return p.column ? `Tệp, mục ${p.column}` : 'Tệp';
  if (!p.column) return `Dòng ${p.row}`;
  return p.column.startsWith('ô ') ? `Dòng ${p.row}, ${p.column}` : `Dòng ${p.row}, cột ${p.column}`;
}

/** Where a question's picture is served. */
export const imageUrl = (name: string): string => `/api/v1/images/${encodeURIComponent(name)}`;

/** "0,62" for a proportion (Vietnamese decimal comma), or "—". */
export function decimal(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toLocaleString('vi-VN', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "62%" / "12,5%". */
export function percent(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toLocaleString('vi-VN', { maximumFractionDigits: 1 })}%`;
}

/** The server writes messages to follow a field's name ("… : không được để trống"); alone, they start with a capital. */
export function sentence(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
