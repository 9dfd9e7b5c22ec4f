import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import { formatCount } from '../kit/fold';
import { fromVietnamInput } from '../kit/vnTime';
import { DIFFICULTY_LABEL, poolOf, type Difficulty, type PoolAvailability, type RoundForm, type Topic } from './model';

type Question = components['schemas']['QuestionResponse'];

/** The topics, loaded once per page. */
let topicsOnce: Promise<Topic[]> | null = null;
export function loadTopics(): Promise<Topic[]> {
  topicsOnce ??= api
    .request<{ items: Topic[] }>('GET', '/topics')
    .then((d) => d.items)
    .catch((e: unknown) => {
      topicsOnce = null;
      throw e;
    });
  return topicsOnce;
}

interface PoolEditorProps {
  form: RoundForm;
  set: (change: Partial<RoundForm>) => void;
  /** The contest's host unit: its banks and those shared down to it are drawn from. */
  unitId: string;
  errors: Record<string, string>;
  disabled?: boolean;
  /** Told whether the banks can fill the pool (null while counting or when the count failed). */
  onEnough: (enough: boolean | null) => void;
}

/**
 * Where a round's questions come from: quotas by topic × difficulty, or questions picked one
 * by one. Every change asks the server how many drawable questions match (the same rule the
 * draw and the round's creation use) and marks a quota the banks cannot fill.
 */
export function PoolEditor({ form, set, unitId, errors, disabled, onEnough }: PoolEditorProps) {
  const [topics, setTopics] = useState<Topic[]>([]);
  const [count, setCount] = useState<PoolAvailability | null>(null);
  const [countFailed, setCountFailed] = useState(false);
  useEffect(() => {
    loadTopics().then(setTopics, () => setTopics([]));
  }, []);

  const pool = poolOf(form);
  const poolKey = JSON.stringify([pool, unitId, form.opensAt, form.closesAt]);
  useEffect(() => {
    const items = 'quotas' in pool ? pool.quotas : pool.question_ids;
    if (!unitId || items.length === 0) {
      setCount(null);
      onEnough(items.length === 0 ? false : null);
      return;
    }
    const controller = new AbortController();
    onEnough(null);
    const opens = fromVietnamInput(form.opensAt);
    const closes = fromVietnamInput(form.closesAt);
    const window = opens && closes && opens < closes ? { opens_at: opens, closes_at: closes } : {};
    // Ask once typing pauses.
    const t = setTimeout(() => {
      api
        .request<PoolAvailability>('POST', '/pool-availability', { body: { unit_id: unitId, pool, ...window }, signal: controller.signal })
        .then((c) => {
          setCount(c);
          setCountFailed(false);
          onEnough(c.enough);
        })
        .catch(() => {
          if (controller.signal.aborted) return;
          setCountFailed(true);
          onEnough(null);
        });
    }, 300);
    return () => (clearTimeout(t), controller.abort());
  }, [poolKey]);

  // The count's items follow the quotas that have a topic, in order.
  const countOf = (() => {
    let i = -1;
    return form.quotas.map((q) => (q.topic ? count?.items[++i] ?? null : null));
  })();

  const setQuota = (i: number, change: Partial<RoundForm['quotas'][number]>) =>
    set({ quotas: form.quotas.map((q, j) => (j === i ? { ...q, ...change } : q)) });

  return (
    <fieldset class="pool" disabled={disabled}>
      <legend>Nguồn câu hỏi</legend>
      <div class="segmented__items pool__mode" role="radiogroup" aria-label="Cách chọn câu hỏi">
        <label class={`segmented__item${form.poolMode === 'quotas' ? ' segmented__item--on' : ''}`}>
          <input type="radio" name="pool-mode" checked={form.poolMode === 'quotas'} onChange={() => set({ poolMode: 'quotas' })} /> Rút ngẫu nhiên theo chủ đề
        </label>
        <label class={`segmented__item${form.poolMode === 'questions' ? ' segmented__item--on' : ''}`}>
          <input type="radio" name="pool-mode" checked={form.poolMode === 'questions'} onChange={() => set({ poolMode: 'questions' })} /> Chọn từng câu hỏi
        </label>
      </div>
      {form.poolMode === 'quotas' ? (
        <>
          <p class="hint">Mỗi dòng: rút bao nhiêu câu của một chủ đề (gồm cả chủ đề con), ở một mức độ hoặc mọi mức độ. Tổng các dòng là số câu hỏi mỗi lượt thi.</p>
          <table class="quota-table">
            <thead>
              <tr>
                <th scope="col">Chủ đề</th>
                <th scope="col">Mức độ</th>
                <th scope="col">Số câu</th>
                <th scope="col">Ngân hàng có</th>
                <th scope="col">
                  <span class="visually-hidden">Xóa</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {form.quotas.map((q, i) => {
                const c = countOf[i];
                const err = errors[`pool.quotas.${i}.count`] ?? errors[`pool.quotas.${i}`];
                const short = c && !c.enough;
                return (
                  <tr key={i} class={short || err ? 'quota-table__row--short' : undefined} data-testid="quota-row">
                    <td data-label="Chủ đề">
                      <select aria-label={`Chủ đề của dòng ${i + 1}`} value={q.topic} onChange={(e) => setQuota(i, { topic: (e.target as HTMLSelectElement).value })}>
                        <option value="">— Chọn chủ đề —</option>
                        {topics.map((t) => (
                          <option key={t.code} value={t.code}>
                            {t.parent_code ? '  ' : ''}
                            {t.name}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td data-label="Mức độ">
                      <select aria-label={`Mức độ của dòng ${i + 1}`} value={q.difficulty} onChange={(e) => setQuota(i, { difficulty: (e.target as HTMLSelectElement).value as Difficulty | '' })}>
                        <option value="">Mọi mức độ</option>
                        {(['easy', 'medium', 'hard'] as const).map((d) => (
                          <option key={d} value={d}>
                            {DIFFICULTY_LABEL[d]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td data-label="Số câu">
                      <input
                        type="number"
                        min={1}
                        max={200}
                        inputMode="numeric"
                        aria-label={`Số câu của dòng ${i + 1}`}
                        aria-invalid={short || !!err ? 'true' : undefined}
                        value={q.count}
                        onInput={(e) => setQuota(i, { count: Math.max(0, Math.floor(Number((e.target as HTMLInputElement).value) || 0)) })}
                      />
                    </td>
                    <td data-label="Ngân hàng có" aria-live="polite" data-testid="quota-count">
                      {!q.topic ? (
                        <span class="muted">—</span>
                      ) : c ? (
                        c.enough ? (
                          <span class="pool__ok">{formatCount(c.available)} câu phù hợp</span>
                        ) : (
                          <span class="pool__short">
                            Chỉ có {formatCount(c.available)} câu phù hợp, không đủ {formatCount(c.requested)} câu
                          </span>
                        )
                      ) : countFailed ? (
                        <span class="muted">Không đếm được</span>
                      ) : (
                        <span class="muted">Đang đếm…</span>
                      )}
                      {err && !short && <span class="field-error">{err}</span>}
                    </td>
                    <td>
                      <button type="button" class="button button--small button--ghost" aria-label={`Xóa dòng ${i + 1}`} onClick={() => set({ quotas: form.quotas.filter((_, j) => j !== i) })}>
                        ✕
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <button type="button" class="button button--small" onClick={() => set({ quotas: [...form.quotas, { topic: '', difficulty: '', count: 1 }] })}>
            + Thêm dòng
          </button>
        </>
      ) : (
        <QuestionPicker form={form} set={set} count={count} />
      )}
      {errors['pool'] && <p class="field-error">{errors['pool']}</p>}
      {errors['pool.quotas'] && <p class="field-error">{errors['pool.quotas']}</p>}
      {errors['pool.question_ids'] && <p class="field-error">{errors['pool.question_ids']}</p>}
    </fieldset>
  );
}

/** Picking questions one by one from the banks (search, add, remove). */
function QuestionPicker({ form, set, count }: { form: RoundForm; set: PoolEditorProps['set']; count: PoolAvailability | null }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Question[]>([]);
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    const controller = new AbortController();
    const t = setTimeout(() => {
      api
        .request<{ items: Question[] }>('GET', '/questions', { query: { q, status: 'active', limit: 20 }, signal: controller.signal })
        .then((d) => setFound(d.items))
        .catch(() => undefined);
    }, 300);
    return () => (clearTimeout(t), controller.abort());
  }, [q]);
  const add = (question: Question) => {
    if (form.questionIds.includes(question.id)) return;
    setNames((n) => ({ ...n, [question.id]: question.text }));
    set({ questionIds: [...form.questionIds, question.id] });
  };
  const c = count?.items[0];
  return (
    <div class="picker">
      <p class="hint">
        Đã chọn {formatCount(form.questionIds.length)} câu; mỗi lượt thi gồm tất cả các câu đã chọn.
        {c && !c.enough && <span class="pool__short"> Có {formatCount(c.requested - c.available)} câu không còn dùng được (đã ngừng dùng hoặc không thuộc ngân hàng của đơn vị).</span>}
      </p>
      {form.questionIds.length > 0 && (
        <ol class="picker__chosen">
          {form.questionIds.map((id) => (
            <li key={id}>
              <span>{names[id] ?? found.find((f) => f.id === id)?.text ?? `Câu hỏi ${id.slice(0, 8)}…`}</span>
              <button type="button" class="button button--small button--ghost" onClick={() => set({ questionIds: form.questionIds.filter((x) => x !== id) })}>
                Bỏ
              </button>
            </li>
          ))}
        </ol>
      )}
      <div class="field">
        <label for="picker-search">Tìm câu hỏi trong ngân hàng</label>
        <input id="picker-search" type="search" value={q} placeholder="Gõ có dấu hoặc không dấu" onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      </div>
      <ul class="picker__found">
        {found.map((f) => (
          <li key={f.id}>
            <span>{f.text}</span>
            <button type="button" class="button button--small" disabled={form.questionIds.includes(f.id)} onClick={() => add(f)}>
              {form.questionIds.includes(f.id) ? 'Đã chọn' : 'Thêm'}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
