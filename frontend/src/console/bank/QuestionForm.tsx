import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { linkClick, navigate } from '../../router';
import { fieldErrorsOf, messageOf } from '../kit/ProblemMessage';
import { useDraft } from '../kit/useDraft';
import { consolePath } from '../paths';
import type { Scope } from '../scope';
import { listTopics, uploadImage, type Question, type Topic } from './api';
import { sentence } from './labels';
import { DIFFICULTY_LABELS, imageUrl, KIND_LABELS, letter, STATUS_LABELS, type Difficulty, type Kind, type Status } from './labels';
import { QuestionPreview } from './QuestionPreview';

interface OptionDraft {
  text: string;
  correct: boolean;
  image: string | null;
}

/** Everything the form holds; kept in localStorage by `useDraft` until the server accepts it. */
interface Draft {
  unitId: string;
  kind: Kind;
  text: string;
  image: string | null;
  options: OptionDraft[];
  explanation: string;
  topicCode: string;
  newTopicName: string;
  newTopicCode: string;
  tags: string;
  difficulty: Difficulty;
  status: Status;
  sourceTitle: string;
  sourceUrl: string;
  shared: boolean;
}

const TRUE_FALSE: OptionDraft[] = [
  { text: 'Đúng', correct: true, image: null },
  { text: 'Sai', correct: false, image: null },
];

function emptyDraft(scope: Scope): Draft {
  return {
    unitId: scope.units[0]?.id ?? '',
    kind: 'single',
    text: '',
    image: null,
    options: [0, 1, 2, 3].map((i) => ({ text: '', correct: i === 0, image: null })),
    explanation: '',
    topicCode: '',
    newTopicName: '',
    newTopicCode: '',
    tags: '',
    difficulty: 'medium',
    status: 'active',
    sourceTitle: '',
    sourceUrl: '',
    shared: false,
  };
}

function draftOf(q: Question): Draft {
  return {
    unitId: q.unit_id,
    kind: q.kind as Kind,
    text: q.text,
    image: q.image ?? null,
    options: q.options.map((o) => ({ text: o.text, correct: !!o.correct, image: o.image ?? null })),
    explanation: q.explanation ?? '',
    topicCode: q.topic.code,
    newTopicName: '',
    newTopicCode: '',
    tags: q.tags.join(', '),
    difficulty: q.difficulty as Difficulty,
    status: q.status as Status,
    sourceTitle: q.source?.title ?? '',
    sourceUrl: q.source?.url ?? '',
    shared: q.shared,
  };
}

/** Adding (no `question`) or editing a question, with "Đoàn viên sẽ thấy" beside the form. */
export function QuestionForm({ scope, question }: { scope: Scope; question?: Question }) {
  const draftKey = question ? `bank.question.${question.id}.v${question.version}` : 'bank.question.new';
  const [d, setD, draft] = useDraft<Draft>(draftKey, question ? draftOf(question) : emptyDraft(scope));
  const [topics, setTopics] = useState<Topic[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [uploading, setUploading] = useState<string | null>(null);
  const [uploadErrors, setUploadErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    listTopics().then((t) => setTopics(t.items), () => undefined);
  }, []);

  const set = (patch: Partial<Draft>) => setD((prev) => ({ ...prev, ...patch }));
  const setOption = (i: number, patch: Partial<OptionDraft>) =>
    setD((prev) => ({ ...prev, options: prev.options.map((o, j) => (j === i ? { ...o, ...patch } : o)) }));
  const choose = (i: number) =>
    setD((prev) => ({
      ...prev,
      options: prev.options.map((o, j) => ({ ...o, correct: prev.kind === 'multiple' ? (j === i ? !o.correct : o.correct) : j === i })),
    }));
  const setKind = (kind: Kind) =>
    setD((prev) => {
      if (kind === 'true_false') return { ...prev, kind, options: TRUE_FALSE };
      let options = prev.kind === 'true_false' ? emptyDraft(scope).options : prev.options;
      if (kind === 'single') {
        const first = options.findIndex((o) => o.correct);
        options = options.map((o, j) => ({ ...o, correct: j === Math.max(0, first) }));
      }
      return { ...prev, kind, options };
    });

  const isNewTopic = d.topicCode === '__new__';
  const exists = topics.some((t) => t.code === d.topicCode);

  const upload = async (slot: string, file: File | undefined, apply: (name: string) => void) => {
    if (!file) return;
    setUploading(slot);
    setUploadErrors((e) => ({ ...e, [slot]: '' }));
    try {
      const stored = await uploadImage(file);
      apply(stored.name);
    } catch (e) {
      setUploadErrors((prev) => ({ ...prev, [slot]: imageError(e) }));
    } finally {
      setUploading(null);
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setErrors({});
    setFormError(null);
    const topic = isNewTopic ? { code: d.newTopicCode, name: d.newTopicName } : { code: d.topicCode };
    const body = {
      kind: d.kind,
      text: d.text,
      image: d.image ?? '',
      options: d.options.filter((o, i) => o.text.trim() || o.image || i < 2).map((o) => ({ text: o.text, correct: o.correct, image: o.image })),
      explanation: d.explanation,
      topic,
      tags: d.tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      difficulty: d.difficulty,
      status: d.status,
      source: d.sourceTitle.trim() ? { title: d.sourceTitle, url: d.sourceUrl.trim() || null } : null,
      shared: d.shared,
    };
    try {
      const saved = question
        ? await api.request<Question>('PATCH', `/questions/${question.id}`, { body: { ...body, source: body.source ?? undefined } })
        : await api.request<Question>('POST', '/questions', { body: { ...body, unit_id: d.unitId, image: d.image } });
      draft.clear();
      navigate(consolePath('ngan-hang', saved.id));
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      setFormError(messageOf(err));
    } finally {
      setSaving(false);
    }
  };

  const err = (field: string) => errors[field];
  const optionsError = err('options') ?? err('correct');
  const cancel = question ? consolePath('ngan-hang', question.id) : consolePath('ngan-hang');
  const seen = question && question.status !== 'draft';

  return (
    <>
      <p class="bank-back">
        <a href={cancel} onClick={linkClick(cancel)}>
          ‹ {question ? 'Câu hỏi' : 'Ngân hàng câu hỏi'}
        </a>
      </p>
      <h1>{question ? 'Sửa câu hỏi' : 'Thêm câu hỏi'}</h1>
      {draft.restored && <p class="message message--notice">Đã khôi phục bản đang soạn dở trên máy này.</p>}
      {seen && (
        <p class="message message--notice" data-testid="new-version-note">
          Câu hỏi đã được đưa vào sử dụng: nếu bạn sửa nội dung, hệ thống tạo phiên bản mới (phiên bản {question.version + 1}). Các bài thi đã làm vẫn giữ
          phiên bản cũ mà đoàn viên đã thấy.
        </p>
      )}
      <div class="bank-form">
        <form class="card" onSubmit={save} noValidate>
          {!question && scope.units.length > 1 && (
            <Field id="q-unit" label="Ngân hàng của đơn vị" error={err('unit_id')}>
              <select id="q-unit" value={d.unitId} onChange={(e) => set({ unitId: (e.target as HTMLSelectElement).value })}>
                {scope.units.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
              </select>
            </Field>
          )}
          <fieldset class="bank-kind">
            <legend>Loại câu hỏi</legend>
            {(Object.keys(KIND_LABELS) as Kind[]).map((k) => (
              <label key={k} class="bank-radio">
                <input type="radio" name="q-kind" value={k} checked={d.kind === k} onChange={() => setKind(k)} /> {KIND_LABELS[k]}
              </label>
            ))}
          </fieldset>
          <Field id="q-text" label="Nội dung câu hỏi" required error={err('text')}>
            <textarea id="q-text" rows={3} value={d.text} onInput={(e) => set({ text: (e.target as HTMLTextAreaElement).value })} />
          </Field>
          <ImageField
            id="q-image"
            label="Ảnh minh họa (không bắt buộc)"
            name={d.image}
            busy={uploading === 'q'}
            error={uploadErrors.q || err('image')}
            onFile={(f) => upload('q', f, (name) => set({ image: name }))}
            onRemove={() => set({ image: null })}
          />

          <fieldset class={`bank-options${optionsError ? ' field--invalid' : ''}`}>
            <legend>
              Phương án <span class="muted">({d.kind === 'multiple' ? 'đánh dấu mọi đáp án đúng' : 'chọn đáp án đúng'})</span>
            </legend>
            {optionsError && <p class="field-error">{sentence(optionsError)}</p>}
            {d.options.map((o, i) => (
              <div class="bank-option" key={i}>
                <label class="bank-option__key" title="Đáp án đúng">
                  <input
                    type={d.kind === 'multiple' ? 'checkbox' : 'radio'}
                    name="q-correct"
                    checked={o.correct}
                    onChange={() => choose(i)}
                    aria-label={`Phương án ${letter(i)} là đáp án đúng`}
                  />
                  <span aria-hidden="true">{letter(i)}</span>
                </label>
                <div class="bank-option__body">
                  <input
                    id={`q-option-${i}`}
                    aria-label={`Phương án ${letter(i)}`}
                    value={o.text}
                    readOnly={d.kind === 'true_false'}
                    class={err(`options.${i}.text`) ? 'input--invalid' : undefined}
                    onInput={(e) => setOption(i, { text: (e.target as HTMLInputElement).value })}
                  />
                  {err(`options.${i}.text`) && <p class="field-error">{sentence(err(`options.${i}.text`)!)}</p>}
                  {d.kind !== 'true_false' && (
                    <ImageField
                      id={`q-option-${i}-image`}
                      label={`Ảnh phương án ${letter(i)}`}
                      compact
                      name={o.image}
                      busy={uploading === `o${i}`}
                      error={uploadErrors[`o${i}`] || err(`options.${i}.image`)}
                      onFile={(f) => upload(`o${i}`, f, (name) => setOption(i, { image: name }))}
                      onRemove={() => setOption(i, { image: null })}
                    />
                  )}
                </div>
                {d.kind !== 'true_false' && d.options.length > 2 && (
                  <button
                    type="button"
                    class="button button--small button--ghost"
                    aria-label={`Bỏ phương án ${letter(i)}`}
                    onClick={() => setD((prev) => ({ ...prev, options: prev.options.filter((_, j) => j !== i) }))}
                  >
                    ✕
                  </button>
                )}
              </div>
            ))}
            {d.kind !== 'true_false' && d.options.length < 6 && (
              <button
                type="button"
                class="button button--small"
                onClick={() => setD((prev) => ({ ...prev, options: [...prev.options, { text: '', correct: false, image: null }] }))}
              >
                + Thêm phương án
              </button>
            )}
          </fieldset>

          <Field id="q-explanation" label="Giải thích (hiện cho đoàn viên sau khi thi)" error={err('explanation')}>
            <textarea id="q-explanation" rows={3} value={d.explanation} onInput={(e) => set({ explanation: (e.target as HTMLTextAreaElement).value })} />
          </Field>

          <div class="bank-grid">
            <Field id="q-topic" label="Chủ đề" required error={err('topic.code') ?? err('topic.name') ?? err('topic')}>
              <select id="q-topic" value={d.topicCode} onChange={(e) => set({ topicCode: (e.target as HTMLSelectElement).value })}>
                <option value="">— Chọn chủ đề —</option>
                {!exists && d.topicCode && d.topicCode !== '__new__' && <option value={d.topicCode}>{d.topicCode}</option>}
                {topics.map((t) => (
                  <option key={t.code} value={t.code}>
                    {'— '.repeat(t.code.split('.').length - 1)}
                    {t.name}
                  </option>
                ))}
                <option value="__new__">+ Chủ đề mới…</option>
              </select>
            </Field>
            <Field id="q-difficulty" label="Độ khó">
              <select id="q-difficulty" value={d.difficulty} onChange={(e) => set({ difficulty: (e.target as HTMLSelectElement).value as Difficulty })}>
                {Object.entries(DIFFICULTY_LABELS).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          {isNewTopic && (
            <div class="bank-grid">
              <Field id="q-topic-name" label="Tên chủ đề mới" required error={err('topic.name')}>
                <input id="q-topic-name" value={d.newTopicName} onInput={(e) => set({ newTopicName: (e.target as HTMLInputElement).value })} />
              </Field>
              <Field id="q-topic-code" label="Mã chủ đề (chữ thường không dấu, vd. lich_su.doan)" required error={err('topic.code')}>
                <input id="q-topic-code" value={d.newTopicCode} onInput={(e) => set({ newTopicCode: (e.target as HTMLInputElement).value })} />
              </Field>
            </div>
          )}
          <div class="bank-grid">
            <Field id="q-tags" label="Thẻ (cách nhau bằng dấu phẩy)" error={err('tags')}>
              <input id="q-tags" value={d.tags} onInput={(e) => set({ tags: (e.target as HTMLInputElement).value })} />
            </Field>
            <Field id="q-status" label="Trạng thái" error={err('status')}>
              <select id="q-status" value={d.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value as Status })}>
                {(Object.keys(STATUS_LABELS) as Status[])
                  .filter((s) => s !== 'draft' || !question || question.status === 'draft')
                  .map((s) => (
                    <option key={s} value={s}>
                      {STATUS_LABELS[s]}
                    </option>
                  ))}
              </select>
            </Field>
          </div>
          <div class="bank-grid">
            <Field id="q-source-title" label="Nguồn (tên tài liệu)" error={err('source.title')}>
              <input id="q-source-title" value={d.sourceTitle} onInput={(e) => set({ sourceTitle: (e.target as HTMLInputElement).value })} />
            </Field>
            <Field id="q-source-url" label="Link nguồn" error={err('source.url')}>
              <input id="q-source-url" type="url" inputMode="url" placeholder="https://" value={d.sourceUrl} onInput={(e) => set({ sourceUrl: (e.target as HTMLInputElement).value })} />
            </Field>
          </div>
          <label class="bank-check">
            <input type="checkbox" checked={d.shared} onChange={(e) => set({ shared: (e.target as HTMLInputElement).checked })} /> Chia sẻ cho các đơn vị trực thuộc dùng
          </label>

          {formError && (
            <p class="message message--error" role="alert">
              {formError}
            </p>
          )}
          <div class="bank-form__actions">
            <button type="submit" class="button button--primary" disabled={saving || !!uploading}>
              {saving ? 'Đang lưu…' : 'Lưu câu hỏi'}
            </button>
            <a class="button button--ghost" href={cancel} onClick={linkClick(cancel)}>
              Hủy
            </a>
            <button
              type="button"
              class="button button--ghost bank-form__reset"
              onClick={() => {
                draft.clear();
                setD(question ? draftOf(question) : emptyDraft(scope));
                setErrors({});
              }}
            >
              Soạn lại từ đầu
            </button>
          </div>
        </form>
        <aside class="card bank-form__preview" aria-labelledby="live-preview-title">
          <h2 id="live-preview-title">Đoàn viên sẽ thấy</h2>
          <QuestionPreview
            q={{
              kind: d.kind,
              text: d.text,
              image: d.image,
              options: d.options,
              explanation: d.explanation,
              source: d.sourceTitle.trim() ? { title: d.sourceTitle, url: d.sourceUrl } : null,
            }}
          />
        </aside>
      </div>
    </>
  );
}

function Field({ id, label, required, error, children }: { id: string; label: string; required?: boolean; error?: string | undefined; children: preact.ComponentChildren }) {
  return (
    <div class={`field${error ? ' field--invalid' : ''}`}>
      <label for={id}>
        {label}
        {required && (
          <span class="required" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {children}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {sentence(error)}
        </p>
      )}
    </div>
  );
}

function ImageField(props: {
  id: string;
  label: string;
  name: string | null;
  busy: boolean;
  error?: string | undefined;
  compact?: boolean;
  onFile: (f: File | undefined) => void;
  onRemove: () => void;
}) {
  const { id, label, name, busy, error, compact, onFile, onRemove } = props;
  return (
    <div class={`bank-image${compact ? ' bank-image--compact' : ''}${error ? ' field--invalid' : ''}`}>
      {name ? (
        <div class="bank-image__current">
          <img src={imageUrl(name)} alt={label} />
          <button type="button" class="button button--small button--ghost" onClick={onRemove}>
            Bỏ ảnh
          </button>
        </div>
      ) : (
        <label class="bank-image__pick" for={id}>
          {busy ? 'Đang tải ảnh…' : compact ? '+ Ảnh' : `+ ${label}`}
          <input
            id={id}
            type="file"
            accept="image/png,image/jpeg,image/webp"
            class="visually-hidden"
            aria-label={label}
            onChange={(e) => {
              const input = e.target as HTMLInputElement;
              onFile(input.files?.[0]);
              input.value = '';
            }}
          />
        </label>
      )}
      {!compact && !name && <p class="hint">PNG, JPEG hoặc WebP, tối đa 2 MB, mỗi cạnh tối đa 4096 điểm ảnh.</p>}
      {error && <p class="field-error">{sentence(error)}</p>}
    </div>
  );
}

/** Why a picture was refused, in the organizer's words. */
function imageError(e: unknown): string {
  const status = (e as { status?: number }).status;
  if (status === 415) return 'Chỉ nhận ảnh PNG, JPEG hoặc WebP (tệp này không phải ảnh, hoặc đuôi tệp không khớp nội dung).';
  if (status === 413) return 'Ảnh lớn hơn 2 MB. Hãy giảm kích thước ảnh rồi tải lại.';
  const fields = fieldErrorsOf(e);
  return fields.file ?? messageOf(e);
}
