import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import { DataTable, type Column } from '../kit/DataTable';
import { fileForm } from '../kit/files';
import { fieldErrorsOf, messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { formatDate } from '../kit/vnTime';
import type { Scope } from '../scope';
import { MaterialsEditor, type Material } from './Materials';

type CourseList = components['schemas']['CourseList'];
type CourseResponse = components['schemas']['CourseResponse'];
type AudienceKind = CourseResponse['audience']['kind'];
type ImportResult = components['schemas']['AudienceImportResult'];

export const AUDIENCE_LABEL: Record<AudienceKind, string> = {
  new_members: 'đoàn viên mới',
  all_members: 'toàn thể đoàn viên',
  officers: 'cán bộ Đoàn',
  listed: 'theo danh sách',
};

const AUDIENCE_HINT: Record<AudienceKind, string> = {
  new_members: 'Đoàn viên kết nạp từ ngày đơn vị đặt (học lý luận chính trị).',
  all_members: 'Mọi đoàn viên (chuyên đề học tập hằng năm).',
  officers: 'Đoàn viên giữ vai trò quản lý: Ban Tổ chức, quản trị đơn vị (học tập nghị quyết).',
  listed: 'Đoàn viên trong danh sách tải lên (tệp Excel/CSV có cột số điện thoại).',
};

function periodOf(c: CourseResponse): string {
  const { opens_on: from, due_on: to } = c.audience;
  if (from && to) return `${formatDate(from)} – ${formatDate(to)}`;
  if (to) return `đến ${formatDate(to)}`;
  if (from) return `từ ${formatDate(from)}`;
  return 'không thời hạn';
}

/**
 * The study programmes taught now (Chương trình): who must study each and when; a system admin,
 * or an organizer for their unit, creates one (audience, period, lessons drawn from the bank's
 * topics) and uploads the list of a listed programme. `unitId`/`unitName`: the unit being viewed, to which a new programme
 * may be limited.
 */
export function ProgrammesView({ scope, unitId, unitName }: { scope: Scope; unitId: string | null; unitName: string | null }) {
  const [items, setItems] = useState<CourseResponse[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [n, setN] = useState(0);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<CourseResponse | null>(null);
  // Admins manage every programme, organizers those of their units (the server decides).
  const manager = scope.isAdmin || scope.roles.some((r) => r.role === 'organizer');
  // An organizer manages only programmes limited to a unit (of theirs: the server checks), never
  // the new members' course.
  const mayManage = (c: CourseResponse) => scope.isAdmin || (manager && Boolean(c.audience.unit_id) && c.audience.kind !== 'new_members');
  useEffect(() => {
    const c = new AbortController();
    api
      .request<CourseList>('GET', '/courses', { signal: c.signal })
      .then((r) => setItems(r.items.filter((x) => x.active)))
      .catch((e: unknown) => !c.signal.aborted && setError(e));
    return () => c.abort();
  }, [n]);
  if (error) return <ProblemMessage error={error} onRetry={() => (setError(null), setN((x) => x + 1))} />;
  const columns: Column<CourseResponse>[] = [
    { key: 'title', label: 'Chương trình', render: (c) => <strong>{c.title}</strong> },
    { key: 'code', label: 'Mã', render: (c) => `${c.code} (phiên bản ${c.version})` },
    { key: 'audience', label: 'Đối tượng', render: (c) => AUDIENCE_LABEL[c.audience.kind] },
    { key: 'period', label: 'Thời gian', render: periodOf },
    { key: 'lessons', label: 'Số bài', numeric: true, render: (c) => String(c.lessons.length) },
    { key: 'certificate', label: 'Cấp giấy chứng nhận', render: (c) => (c.issues_certificate ? 'Có' : 'Không') },
    {
      key: 'materials',
      label: 'Tài liệu',
      render: (c) =>
        mayManage(c) ? (
          <button type="button" class="button button--small nowrap" onClick={() => setEditing(c)} aria-label={`Tài liệu học tập của ${c.title}`}>
            Tài liệu
          </button>
        ) : (
          String(c.lessons.reduce((n, l) => n + l.materials.length, 0))
        ),
    },
    {
      key: 'list',
      label: 'Danh sách',
      render: (c) => (c.audience.kind === 'listed' && mayManage(c) ? <ListUpload course={c} /> : ''),
    },
  ];
  return (
    <section aria-labelledby="programmes-title">
      <div class="page-head">
        <h2 id="programmes-title">Chương trình học tập đang triển khai</h2>
        {manager && !creating && (
          <div class="page-head__actions">
            <button type="button" class="button button--primary" onClick={() => setCreating(true)}>
              Tạo chương trình
            </button>
          </div>
        )}
      </div>
      {creating && (
        <ProgrammeForm
          unitId={unitId}
          unitName={unitName}
          onCancel={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            setN((x) => x + 1);
          }}
        />
      )}
      {editing && (
        <LessonMaterials
          key={editing.id}
          course={editing}
          onClose={() => setEditing(null)}
          onSaved={(c) => {
            setEditing(c);
            setItems((list) => list && list.map((x) => (x.id === c.id ? c : x)));
          }}
        />
      )}
      <DataTable
        caption="Chương trình học tập đang triển khai"
        columns={columns}
        rows={items ?? []}
        rowKey={(c) => c.id}
        loading={items === null}
        empty="Chưa có chương trình học tập nào."
      />
    </section>
  );
}

/** Uploads the list of a listed programme (replaces it; all rows or none). */
function ListUpload({ course }: { course: CourseResponse }) {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = `list-${course.id}`;
  return (
    <span class="download">
      <label class="button button--small" for={id}>
        {busy ? 'Đang tải lên…' : 'Tải danh sách'}
      </label>
      <input
        id={id}
        type="file"
        class="visually-hidden"
        accept=".xlsx,.csv"
        aria-label={`Danh sách đoàn viên của ${course.title}`}
        disabled={busy}
        onChange={async (e) => {
          const input = e.target as HTMLInputElement;
          const file = input.files?.[0];
          if (!file) return;
          setBusy(true);
          setError(null);
          setDone(null);
          try {
            const r = await api.upload<ImportResult>(`/courses/${course.id}/audience`, fileForm(file));
            setDone(`Đã nhập ${r.listed} đoàn viên.`);
          } catch (err) {
            // Field errors are keyed by field: "/rows/3/phone" → "rows.3.phone".
            const rows = Object.keys(fieldErrorsOf(err)).filter((k) => k.startsWith('rows.'));
            setError(rows.length > 0 ? `${messageOf(err)} (${rows.length} dòng lỗi, ví dụ dòng ${rows[0]!.split('.')[1]})` : messageOf(err));
          } finally {
            setBusy(false);
            input.value = '';
          }
        }}
      />
      {done && <span role="status"> {done}</span>}
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

interface LessonDraft {
  title: string;
  topic: string;
  summary: string;
  materials: Material[];
}

const EMPTY_LESSON: LessonDraft = { title: '', topic: '', summary: '', materials: [] };

/** The server's field errors keyed by field ("/audience/due_on" → "audience.due_on"), shown beside their field. */
function fieldError(errors: Record<string, string>) {
  return (pointer: string) => {
    const message = errors[pointer.replace(/^\//, '').replace(/\//g, '.')];
    return (
      message && (
        <p class="field-error" role="alert">
          {message}
        </p>
      )
    );
  };
}

/** The form of a new programme; every field's error from the server beside its field. */
function ProgrammeForm({
  unitId,
  unitName,
  onCancel,
  onCreated,
}: {
  unitId: string | null;
  unitName: string | null;
  onCancel: () => void;
  onCreated: (c: CourseResponse) => void;
}) {
  const [code, setCode] = useState('');
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<AudienceKind>('all_members');
  const [limited, setLimited] = useState(Boolean(unitId));
  const [opensOn, setOpensOn] = useState('');
  const [dueOn, setDueOn] = useState('');
  const [certificate, setCertificate] = useState(true);
  const [lessons, setLessons] = useState<LessonDraft[]>([EMPTY_LESSON]);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);

  const err = fieldError(errors);
  const setLesson = (i: number, patch: Partial<LessonDraft>) => setLessons((ls) => ls.map((l, j) => (j === i ? { ...l, ...patch } : l)));

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFailure(null);
    try {
      const created = await api.request<CourseResponse>('POST', '/courses', {
        body: {
          code: code.trim(),
          title: title.trim(),
          issues_certificate: certificate,
          audience: {
            kind,
            unit_id: limited && unitId ? unitId : null,
            opens_on: opensOn || null,
            due_on: dueOn || null,
          },
          lessons: lessons.map((l) => ({ title: l.title.trim(), summary: l.summary.trim(), topic: l.topic.trim() || null, materials: l.materials })),
        },
      });
      onCreated(created);
    } catch (error) {
      setErrors(fieldErrorsOf(error));
      setFailure(messageOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card programme-form" onSubmit={submit} aria-labelledby="programme-form-title">
      <h3 id="programme-form-title">Chương trình học tập mới</h3>
      <div class="field">
        <label for="programme-title">Tên chương trình</label>
        <input type="text" id="programme-title" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} required />
        {err('/title')}
      </div>
      <div class="field">
        <label for="programme-code">Mã (không dấu cách; phiên bản mới dùng lại mã)</label>
        <input type="text" id="programme-code" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} required />
        {err('/code')}
        {err('/version')}
      </div>
      <div class="field">
        <label for="programme-audience">Đối tượng</label>
        <select id="programme-audience" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as AudienceKind)}>
          {(Object.keys(AUDIENCE_LABEL) as AudienceKind[]).map((k) => (
            <option key={k} value={k}>
              {AUDIENCE_LABEL[k]}
            </option>
          ))}
        </select>
        <p class="hint">{AUDIENCE_HINT[kind]}</p>
        {err('/audience/kind')}
      </div>
      {unitId && (
        <div class="field field--check">
          <label>
            <input type="checkbox" checked={limited} onChange={(e) => setLimited((e.target as HTMLInputElement).checked)} /> Chỉ áp dụng cho{' '}
            {unitName ?? 'đơn vị đang xem'} và các đơn vị trực thuộc
          </label>
          {err('/audience/unit_id')}
        </div>
      )}
      <div class="field">
        <label for="programme-opens">Bắt đầu từ ngày</label>
        <input id="programme-opens" type="date" value={opensOn} onInput={(e) => setOpensOn((e.target as HTMLInputElement).value)} />
        {err('/audience/opens_on')}
      </div>
      <div class="field">
        <label for="programme-due">Hạn hoàn thành (hết ngày)</label>
        <input id="programme-due" type="date" value={dueOn} onInput={(e) => setDueOn((e.target as HTMLInputElement).value)} />
        <p class="hint">Chỉ các bài kiểm tra làm trong thời gian này được tính.</p>
        {err('/audience/due_on')}
      </div>
      <div class="field field--check">
        <label>
          <input type="checkbox" checked={certificate} onChange={(e) => setCertificate((e.target as HTMLInputElement).checked)} /> Cấp giấy chứng nhận khi
          hoàn thành
        </label>
      </div>
      <fieldset class="programme-form__lessons">
        <legend>Các bài học</legend>
        {err('/lessons')}
        {lessons.map((l, i) => (
          <div class="programme-form__lesson" key={i}>
            <div class="field">
              <label for={`lesson-title-${i}`}>Bài {i + 1}: tên bài</label>
              <input type="text" id={`lesson-title-${i}`} value={l.title} onInput={(e) => setLesson(i, { title: (e.target as HTMLInputElement).value })} />
              {err(`/lessons/${i}/title`)}
            </div>
            <div class="field">
              <label for={`lesson-topic-${i}`}>Chủ đề câu hỏi (mã chủ đề trong ngân hàng)</label>
              <input type="text" id={`lesson-topic-${i}`} value={l.topic} onInput={(e) => setLesson(i, { topic: (e.target as HTMLInputElement).value })} />
              {err(`/lessons/${i}/topic`)}
            </div>
            <div class="field">
              <label for={`lesson-summary-${i}`}>Tóm tắt</label>
              <textarea id={`lesson-summary-${i}`} rows={2} value={l.summary} onInput={(e) => setLesson(i, { summary: (e.target as HTMLTextAreaElement).value })} />
              {err(`/lessons/${i}/summary`)}
            </div>
            <MaterialsEditor materials={l.materials} onChange={(materials) => setLesson(i, { materials })} idPrefix={`lesson-${i}-material`} at={`/lessons/${i}`} err={err} />
            {lessons.length > 1 && (
              <button type="button" class="button button--small button--ghost" onClick={() => setLessons((ls) => ls.filter((_, j) => j !== i))}>
                Bỏ bài {i + 1}
              </button>
            )}
          </div>
        ))}
        {lessons.length < 12 && (
          <button type="button" class="button button--small" onClick={() => setLessons((ls) => [...ls, EMPTY_LESSON])}>
            Thêm bài
          </button>
        )}
      </fieldset>
      {failure && (
        <p class="message message--error" role="alert">
          {failure}
        </p>
      )}
      <div class="since__actions">
        <button type="submit" class="button button--primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Đang lưu…' : 'Tạo chương trình'}
        </button>
        <button type="button" class="button button--ghost" onClick={onCancel} disabled={busy}>
          Hủy bỏ
        </button>
      </div>
    </form>
  );
}

/**
 * The study materials of each lesson of a programme, changed in place: members see the new
 * list at once, and nothing they did (results, certificates) changes.
 */
function LessonMaterials({ course, onClose, onSaved }: { course: CourseResponse; onClose: () => void; onSaved: (c: CourseResponse) => void }) {
  const [drafts, setDrafts] = useState<Material[][]>(() => course.lessons.map((l) => l.materials));
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, Record<string, string>>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function save(i: number) {
    const lesson = course.lessons[i]!;
    setBusy(lesson.id);
    setSaved(null);
    setFailure(null);
    setErrors((e) => ({ ...e, [lesson.id]: {} }));
    try {
      const updated = await api.request<CourseResponse>('PUT', `/courses/${course.id}/lessons/${lesson.id}/materials`, {
        body: { materials: drafts[i]!.map((m) => ({ title: m.title.trim(), url: m.url.trim() })) },
      });
      onSaved(updated);
      setSaved(`Đã lưu tài liệu của bài ${lesson.position}.`);
    } catch (e) {
      setErrors((prev) => ({ ...prev, [lesson.id]: fieldErrorsOf(e) }));
      setFailure(messageOf(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="card programme-form" aria-labelledby="materials-title" data-testid="lesson-materials">
      <h3 id="materials-title">Tài liệu học tập: {course.title}</h3>
      {course.lessons.map((l, i) => (
        <div class="programme-form__lesson" key={l.id}>
          <h4>
            Bài {l.position}: {l.title}
          </h4>
          <MaterialsEditor
            materials={drafts[i] ?? []}
            onChange={(materials) => setDrafts((d) => d.map((x, j) => (j === i ? materials : x)))}
            idPrefix={`edit-${l.id}`}
            at=""
            err={fieldError(errors[l.id] ?? {})}
          />
          <button type="button" class="button button--small button--primary" disabled={busy !== null} aria-busy={busy === l.id} onClick={() => save(i)}>
            {busy === l.id ? 'Đang lưu…' : `Lưu tài liệu bài ${l.position}`}
          </button>
        </div>
      ))}
      {saved && <p role="status" class="message">{saved}</p>}
      {failure && (
        <p class="message message--error" role="alert">
          {failure}
        </p>
      )}
      <div class="since__actions">
        <button type="button" class="button button--ghost" onClick={onClose}>
          Đóng
        </button>
      </div>
    </section>
  );
}
