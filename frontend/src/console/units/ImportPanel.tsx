import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { fileForm } from '../kit/files';
import { messageOf } from '../kit/ProblemMessage';

// A table import in two steps, as an officer expects: choose the file, read the dry run's
// preview (every row that would be written, or every bad row with its column and what is
// wrong, in Vietnamese), then confirm. Nothing is written until the confirmation, and the
// confirmation sends the very file that was checked. Shared by the unit import (Đơn vị) and
// the admission-date import (Đoàn viên).

interface RowProblem {
  row: number;
  column: string;
  message: string;
}

/** The bad rows of a 422 answer, in row order, with the column's Vietnamese name. */
export function rowProblems(err: unknown, columns: Record<string, string>): RowProblem[] {
  if (!(err instanceof ApiError)) return [];
  const out: RowProblem[] = [];
  for (const e of err.problem.errors ?? []) {
    const m = /^\/rows\/(\d+)\/([a-z_]+)$/.exec(e.pointer ?? '');
    const message = e.detail_vi?.trim() || 'Giá trị không hợp lệ.';
    if (m) out.push({ row: Number(m[1]), column: columns[m[2]!] ?? m[2]!, message });
    else out.push({ row: 0, column: '', message: e.pointer === '/file' ? message : messageOf(err) });
  }
  return out.sort((a, b) => a.row - b.row);
}

type Step<R> =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'problems'; problems: RowProblem[]; error: unknown }
  | { kind: 'preview'; result: R }
  | { kind: 'saving'; result: R }
  | { kind: 'done'; result: R };

interface ImportPanelProps<R> {
  id: string;
  /** The API path (`/units/import`). */
  path: string;
  /** Column key → its Vietnamese name, for the bad rows. */
  columns: Record<string, string>;
  /** What the file must hold. */
  help: ComponentChildren;
  /** How many rows a checked file holds. */
  count: (result: R) => number;
  /** The dry run's rows, as a table. */
  preview: (result: R) => ComponentChildren;
  /** "Nhập 3 đơn vị". */
  confirmLabel: (count: number) => string;
  /** Said once written. */
  doneText: (result: R) => string;
  onDone?: (result: R) => void;
}

export function ImportPanel<R>(props: ImportPanelProps<R>) {
  const { id, path, columns, help, count, preview, confirmLabel, doneText, onDone } = props;
  const [step, setStep] = useState<Step<R>>({ kind: 'idle' });
  const [file, setFile] = useState<File | null>(null);
  const input = useRef<HTMLInputElement>(null);

  async function check(chosen: File) {
    setFile(chosen);
    setStep({ kind: 'checking' });
    try {
      const result = await api.upload<R>(path, fileForm(chosen), { query: { dry_run: 'true' } });
      setStep({ kind: 'preview', result });
    } catch (error) {
      setStep({ kind: 'problems', problems: rowProblems(error, columns), error });
    }
  }

  async function confirm(result: R) {
    if (!file) return;
    setStep({ kind: 'saving', result });
    try {
      const written = await api.upload<R>(path, fileForm(file), { query: { dry_run: 'false' } });
      setStep({ kind: 'done', result: written });
      if (input.current) input.current.value = '';
      onDone?.(written);
    } catch (error) {
      setStep({ kind: 'problems', problems: rowProblems(error, columns), error });
    }
  }

  return (
    <div class="import">
      <div class="import__help">{help}</div>
      <div class="field">
        <div class="file-pick">
          <label for={id} class="button">
            Chọn tệp CSV hoặc Excel (.xlsx)…
          </label>
          <span class="file-pick__name">{file ? file.name : 'Chưa chọn tệp'}</span>
          <input
            id={id}
            ref={input}
            class="visually-hidden"
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => {
              const f = (e.currentTarget as HTMLInputElement).files?.[0];
              if (f) void check(f);
            }}
          />
        </div>
        <p class="hint">Hệ thống kiểm tra từng dòng trước; chưa có gì được ghi cho đến khi bạn xác nhận.</p>
      </div>
      {step.kind === 'checking' && <p class="muted">Đang kiểm tra tệp {file?.name}…</p>}
      {step.kind === 'problems' && (
        <div class="message message--error" role="alert" data-testid="import-problems">
          <p>
            <strong>Tệp {file?.name} có lỗi, chưa có dữ liệu nào được ghi.</strong> Sửa các dòng dưới đây trong tệp rồi chọn lại tệp.
          </p>
          {step.problems.length > 0 ? (
            <table class="data-table import__problems">
              <caption class="visually-hidden">Các dòng có lỗi</caption>
              <thead>
                <tr>
                  <th scope="col">Dòng</th>
                  <th scope="col">Cột</th>
                  <th scope="col">Lỗi</th>
                </tr>
              </thead>
              <tbody>
                {step.problems.map((p, i) => (
                  <tr key={i}>
                    <td data-label="Dòng">{p.row || '—'}</td>
                    <td data-label="Cột">{p.column || '—'}</td>
                    <td data-label="Lỗi">{p.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>{messageOf(step.error)}</p>
          )}
        </div>
      )}
      {(step.kind === 'preview' || step.kind === 'saving') && (
        <div class="import__preview" data-testid="import-preview">
          <p class="message message--notice" role="status">
            Tệp {file?.name} hợp lệ: {count(step.result)} dòng. Kiểm tra lại rồi bấm xác nhận.
          </p>
          {preview(step.result)}
          <div class="import__actions">
            <button type="button" class="button button--primary" disabled={step.kind === 'saving'} onClick={() => void confirm(step.result)}>
              {step.kind === 'saving' ? 'Đang ghi…' : confirmLabel(count(step.result))}
            </button>
            <button
              type="button"
              class="button button--ghost"
              disabled={step.kind === 'saving'}
              onClick={() => {
                setStep({ kind: 'idle' });
                if (input.current) input.current.value = '';
              }}
            >
              Hủy bỏ
            </button>
          </div>
        </div>
      )}
      {step.kind === 'done' && (
        <p class="message message--notice" role="status" data-testid="import-done">
          {doneText(step.result)}
        </p>
      )}
    </div>
  );
}
