import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { linkClick, navigate } from '../../router';
import { downloadFile, fileForm } from '../kit/files';
import { messageOf } from '../kit/ProblemMessage';
import { consolePath } from '../paths';
import type { Scope } from '../scope';
import type { ImportResult } from './api';
import { KIND_LABELS, placeOf, rowProblems, sentence, type Kind, type RowProblem } from './labels';

type Stage = { kind: 'idle' } | { kind: 'checked'; result: ImportResult } | { kind: 'problems'; problems: RowProblem[] } | { kind: 'done'; count: number };

/**
 * /quan-ly/ngan-hang/nhap: choose a file, see every row's problem in Vietnamese beside its row
 * and column (a dry run on the server), fix the file and check again, then "Nhập tất cả".
 */
export function ImportPage({ scope }: { scope: Scope }) {
  const [unitId, setUnitId] = useState(scope.units[0]?.id ?? '');
  const [file, setFile] = useState<File | null>(null);
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [shared, setShared] = useState(false);
  const back = consolePath('ngan-hang');

  const send = async (dryRun: boolean, f: File | null = file) => {
    if (!f || !unitId) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.upload<ImportResult>('/questions/import', fileForm(f), {
        query: { unit_id: unitId, dry_run: dryRun ? 'true' : 'false', shared: shared ? 'true' : 'false' },
      });
      setStage(dryRun ? { kind: 'checked', result } : { kind: 'done', count: result.imported });
    } catch (e) {
      if (e instanceof ApiError && e.status === 422 && (e.problem.errors?.length ?? 0) > 0) {
        setStage({ kind: 'problems', problems: rowProblems(e.problem.errors ?? []) });
      } else {
        setStage({ kind: 'idle' });
        setError(messageOf(e));
      }
    } finally {
      setBusy(false);
    }
  };

  const choose = (f: File | undefined) => {
    setFile(f ?? null);
    setStage({ kind: 'idle' });
    // Checking starts at once: the organizer wants to know whether the file is good.
    if (f) void send(true, f);
  };

  const template = async (format: 'xlsx' | 'csv') => {
    try {
      await downloadFile('/questions/template', { format });
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <>
      <p class="bank-back">
        <a href={back} onClick={linkClick(back)}>
          ‹ Ngân hàng câu hỏi
        </a>
      </p>
      <h1>Nhập câu hỏi từ tệp</h1>
      <section class="card">
        <ol class="bank-steps">
          <li>
            Tải tệp mẫu{' '}
            <button type="button" class="button button--small" onClick={() => template('xlsx')}>
              Tệp mẫu Excel
            </button>{' '}
            <button type="button" class="button button--small button--ghost" onClick={() => template('csv')}>
              Tệp mẫu CSV
            </button>
            <p class="hint">
              Điền mỗi câu hỏi một dòng. Nhận tệp Excel (.xlsx), CSV, GIFT, Aiken, Moodle XML, hoặc tệp .zip gồm bảng tính và thư mục <code>anh/</code> chứa
              ảnh (như tệp “Kèm ảnh” xuất ra).
            </p>
          </li>
          <li>
            Chọn tệp để kiểm tra. Hệ thống chỉ kiểm tra, chưa nhập gì.
            <div class="bank-import-pick">
              {scope.units.length > 1 && (
                <div class="field">
                  <label for="import-unit">Nhập vào ngân hàng của</label>
                  <select id="import-unit" value={unitId} onChange={(e) => setUnitId((e.target as HTMLSelectElement).value)}>
                    {scope.units.map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.name}
                      </option>
                    ))}
                  </select>
                </div>
              )}
              <div class="bank-file">
                {/* The browser's own file button speaks the browser's language; this one speaks Vietnamese. */}
                <label class="button button--primary bank-file__pick" for="import-file">
                  {file ? 'Chọn tệp khác…' : 'Chọn tệp câu hỏi…'}
                </label>
                <input
                  id="import-file"
                  type="file"
                  class="visually-hidden"
                  accept=".xlsx,.csv,.txt,.gift,.xml,.yaml,.yml,.zip"
                  onChange={(e) => {
                    const input = e.target as HTMLInputElement;
                    choose(input.files?.[0]);
                    input.value = '';
                  }}
                />
                <span class="bank-file__name">{file ? file.name : 'Chưa chọn tệp'}</span>
              </div>
              <label class="bank-check">
                <input type="checkbox" checked={shared} onChange={(e) => setShared((e.target as HTMLInputElement).checked)} /> Chia sẻ cho các đơn vị trực thuộc
              </label>
            </div>
          </li>
          <li>Khi tệp không còn lỗi, bấm “Nhập tất cả”.</li>
        </ol>
      </section>

      {busy && (
        <p class="muted" aria-live="polite">
          Đang kiểm tra tệp…
        </p>
      )}
      {error && (
        <p class="message message--error" role="alert">
          {error}
        </p>
      )}

      {stage.kind === 'problems' && file && (
        <section class="card" aria-labelledby="import-problems-title" data-testid="import-problems">
          <h2 id="import-problems-title">
            Tệp “{file.name}” có {stage.problems.length} lỗi — chưa nhập câu hỏi nào
          </h2>
          <p>Sửa các lỗi dưới đây trong tệp, lưu lại rồi chọn lại tệp để kiểm tra.</p>
          <div class="table-wrap">
            <table class="data-table bank-problems">
              <caption class="visually-hidden">Lỗi trong tệp</caption>
              <thead>
                <tr>
                  <th scope="col">Dòng</th>
                  <th scope="col">Cột</th>
                  <th scope="col">Lỗi</th>
                </tr>
              </thead>
              <tbody>
                {stage.problems.map((p, i) => (
                  <tr key={i} data-testid="import-problem" data-row={p.row ?? ''}>
                    <td data-label="Dòng">{p.row ?? '—'}</td>
                    <td data-label="Cột">{p.column ?? '—'}</td>
                    <td data-label="Lỗi">
                      <span class="visually-hidden">{placeOf(p)}: </span>
                      {sentence(p.message)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      {stage.kind === 'checked' && file && (
        <section class="card" aria-labelledby="import-ok-title" data-testid="import-preview">
          <h2 id="import-ok-title">
            Tệp “{file.name}” hợp lệ: {stage.result.questions.length} câu hỏi sẵn sàng nhập
          </h2>
          {stage.result.warnings.length > 0 && (
            <ul class="bank-warnings">
              {stage.result.warnings.map((w, i) => (
                <li key={i}>
                  {w.row ? `Dòng ${w.row}: ` : ''}
                  {sentence(w.message_vi)}
                </li>
              ))}
            </ul>
          )}
          <div class="table-wrap">
            <table class="data-table">
              <caption class="visually-hidden">Các câu hỏi sẽ nhập</caption>
              <thead>
                <tr>
                  <th scope="col">Dòng</th>
                  <th scope="col">Câu hỏi</th>
                  <th scope="col">Chủ đề</th>
                  <th scope="col">Loại</th>
                </tr>
              </thead>
              <tbody>
                {stage.result.questions.map((q, i) => (
                  <tr key={i}>
                    <td data-label="Dòng">{q.row ?? i + 1}</td>
                    <td data-label="Câu hỏi">{q.text}</td>
                    <td data-label="Chủ đề">{q.topic_name || q.topic}</td>
                    <td data-label="Loại">{KIND_LABELS[q.kind as Kind] ?? q.kind}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="bank-form__actions">
            <button type="button" class="button button--primary" disabled={busy} onClick={() => send(false)}>
              Nhập tất cả ({stage.result.questions.length} câu)
            </button>
          </div>
        </section>
      )}

      {stage.kind === 'done' && (
        <section class="card" role="status" data-testid="import-done">
          <h2>Đã nhập {stage.count} câu hỏi vào ngân hàng.</h2>
          <button type="button" class="button button--primary" onClick={() => navigate(consolePath('ngan-hang', { sort: 'created_at' }))}>
            Xem ngân hàng câu hỏi
          </button>
        </section>
      )}
    </>
  );
}
