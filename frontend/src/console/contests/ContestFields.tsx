import { useState } from 'preact/hooks';
import { RichText } from '../../components/RichText';
import type { Scope } from '../scope';
import { Field } from './RoundFields';
import {
  KIND_LABEL,
  newUnitPrizes,
  UNIT_BASIS_LABEL,
  type Tier,
  type UnitPrizeBasis,
  ROLE_LABEL,
  TIE_BREAK_LABEL,
  VISIBILITY_LABEL,
  type ContestForm,
  type ContestKind,
  type ExcludedRole,
  type TieBreakKey,
  type Visibility,
} from './model';
import { UnitTree } from './UnitTree';

type Set = (change: Partial<ContestForm>) => void;

/** Title, description and rules (Thể lệ) with the simple formatting and a preview. */
export function InfoFields({ form, set, errors }: { form: ContestForm; set: Set; errors: Record<string, string> }) {
  return (
    <>
      <Field id="contest-title" label="Tên cuộc thi" error={errors['title']} hint='Ví dụ: "Cuộc thi trực tuyến tìm hiểu lịch sử Đoàn TNCS Hồ Chí Minh".'>
        <input id="contest-title" type="text" maxLength={300} value={form.title} onInput={(e) => set({ title: (e.target as HTMLInputElement).value })} />
      </Field>
      <FormattedText id="contest-description" label="Giới thiệu" value={form.description} onChange={(v) => set({ description: v })} error={errors['description']} rows={4} />
      <FormattedText id="contest-rules" label="Thể lệ" value={form.rules} onChange={(v) => set({ rules: v })} error={errors['rules']} rows={8} />
    </>
  );
}

/**
 * A text area with the simple formatting members will see: **đậm**, lists with "- ", blank
 * lines between paragraphs. The buttons insert the marks; "Xem trước" shows it as members do.
 */
function FormattedText({ id, label, value, onChange, error, rows }: { id: string; label: string; value: string; onChange: (v: string) => void; error?: string; rows: number }) {
  const [preview, setPreview] = useState(false);
  const wrap = (before: string, after: string, placeholder: string) => {
    const el = document.getElementById(id) as HTMLTextAreaElement | null;
    if (!el) return;
    const { selectionStart: a, selectionEnd: b } = el;
    const chosen = value.slice(a, b) || placeholder;
    onChange(value.slice(0, a) + before + chosen + after + value.slice(b));
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(a + before.length, a + before.length + chosen.length);
    });
  };
  return (
    <div class={`field formatted${error ? ' field--invalid' : ''}`}>
      <label for={id}>{label}</label>
      <div class="formatted__tools" role="toolbar" aria-label={`Định dạng ${label.toLowerCase()}`}>
        <button type="button" class="button button--small button--ghost" onClick={() => wrap('**', '**', 'chữ đậm')} disabled={preview}>
          <strong>Đậm</strong>
        </button>
        <button type="button" class="button button--small button--ghost" onClick={() => wrap('\n- ', '', 'ý thứ nhất')} disabled={preview}>
          • Danh sách
        </button>
        <button type="button" class="button button--small button--ghost" aria-pressed={preview ? 'true' : 'false'} onClick={() => setPreview(!preview)}>
          {preview ? 'Sửa' : 'Xem trước'}
        </button>
      </div>
      {preview ? (
        <div class="formatted__preview">{value.trim() ? <RichText text={value} /> : <p class="muted">(Chưa có nội dung)</p>}</div>
      ) : (
        <textarea id={id} rows={rows} maxLength={20000} value={value} onInput={(e) => onChange((e.target as HTMLTextAreaElement).value)} />
      )}
      <p class="hint">Viết **chữ** để in đậm; dòng bắt đầu bằng "- " thành danh sách; để một dòng trống giữa hai đoạn.</p>
      {error && <p class="field-error">{error}</p>}
    </div>
  );
}

/** The host unit and who may enter: a subtree of the unit tree, minus branches and roles. */
export function EligibilityFields({ form, set, scope, hostUnits, errors, fixedHost }: { form: ContestForm; set: Set; scope: Scope; hostUnits: { id: string; name: string; root?: boolean }[]; errors: Record<string, string>; fixedHost?: boolean }) {
  const host = hostUnits.find((u) => u.id === form.unitId);
  const excluded = new Set(form.excludedUnits.map((u) => u.id));
  const toggleExcluded = (u: { id: string; name: string }, on: boolean) =>
    set({ excludedUnits: on ? [...form.excludedUnits, { id: u.id, name: u.name }] : form.excludedUnits.filter((x) => x.id !== u.id) });
  const toggleRole = (r: ExcludedRole, on: boolean) =>
    set({ excludedRoles: on ? [...form.excludedRoles, r] : form.excludedRoles.filter((x) => x !== r) });
  return (
    <>
      <Field id="contest-unit" label="Đơn vị tổ chức" error={errors['unit_id']} hint="Ngân hàng câu hỏi của đơn vị này (và các câu hỏi cấp trên chia sẻ xuống) được dùng cho các vòng thi.">
        <select
          id="contest-unit"
          disabled={fixedHost}
          value={form.unitId}
          onChange={(e) => {
            const id = (e.target as HTMLSelectElement).value;
            set({ unitId: id, eligibleUnitId: id, excludedUnits: [] });
          }}
        >
          {hostUnits.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
      </Field>
      <fieldset class="eligibility">
        <legend>Đối tượng dự thi</legend>
        {/* Only a top-level unit's contest may be open to anyone registered (the server's rule). */}
        {(scope.isAdmin || host?.root || form.eligibleUnitId === '') && (
          <label class="checkbox">
            <input type="radio" name="eligible-scope" checked={form.eligibleUnitId === ''} onChange={() => set({ eligibleUnitId: '', excludedUnits: [] })} />
            <span>Mọi người đã đăng ký tài khoản{!scope.isAdmin && ' (kể cả ngoài đơn vị của bạn)'}</span>
          </label>
        )}
        <label class="checkbox">
          <input type="radio" name="eligible-scope" checked={form.eligibleUnitId !== ''} onChange={() => set({ eligibleUnitId: form.unitId })} />
          <span>Đoàn viên của một đơn vị và các đơn vị trực thuộc (chọn trên cây đơn vị)</span>
        </label>
        {form.eligibleUnitId !== '' && host && (
          <>
            <p class="hint">
              Bấm "Dự thi" ở đơn vị có đoàn viên được dự thi (mặc định: đơn vị tổ chức); đánh dấu "Loại trừ" ở các nhánh không tham gia.
            </p>
            <UnitTree
              root={host}
              actions={(u) => (
                <>
                  <label class="unit-tree__pick">
                    <input type="radio" name="eligible-unit" checked={form.eligibleUnitId === u.id} onChange={() => set({ eligibleUnitId: u.id, excludedUnits: form.excludedUnits.filter((x) => x.id !== u.id) })} />
                    Dự thi
                  </label>
                  {form.eligibleUnitId !== u.id && (
                    <label class="unit-tree__pick">
                      <input type="checkbox" checked={excluded.has(u.id)} onChange={(e) => toggleExcluded(u, (e.target as HTMLInputElement).checked)} />
                      Loại trừ
                    </label>
                  )}
                </>
              )}
            />
            {form.excludedUnits.length > 0 && (
              <p class="hint">
                Không dự thi: {form.excludedUnits.map((u) => u.name).join('; ')}.
              </p>
            )}
          </>
        )}
        {errors['eligibility.unit_id'] && <p class="field-error">{errors['eligibility.unit_id']}</p>}
      </fieldset>
      <fieldset class="eligibility">
        <legend>Cán bộ và Ban Tổ chức</legend>
        {(Object.keys(ROLE_LABEL) as ExcludedRole[]).map((r) => (
          <label class="checkbox" key={r}>
            <input type="checkbox" checked={form.excludedRoles.includes(r)} onChange={(e) => toggleRole(r, (e.target as HTMLInputElement).checked)} />
            <span>Không cho {ROLE_LABEL[r]} dự thi</span>
          </label>
        ))}
        <label class="checkbox">
          <input type="checkbox" checked={form.managersMayEnter} onChange={(e) => set({ managersMayEnter: (e.target as HTMLInputElement).checked })} />
          <span>
            Cho phép Ban Tổ chức cuộc thi này cùng dự thi
            <span class="hint"> (người xem được đáp án của câu hỏi trong vòng thi vẫn không được dự thi)</span>
          </span>
        </label>
      </fieldset>
    </>
  );
}

/** Kind, board visibility, the ranking chain, prizes and the pass mark. */
export function RankingFields({ form, set, errors, fixedKind }: { form: ContestForm; set: Set; errors: Record<string, string>; fixedKind?: boolean }) {
  const move = (i: number, by: number) => {
    const chain = [...form.tieBreak];
    const j = i + by;
    if (j < 1 || j >= chain.length) return; // the score always ranks first
    [chain[i], chain[j]] = [chain[j]!, chain[i]!];
    set({ tieBreak: chain });
  };
  const units = form.unitPrizes;
  return (
    <>
      <Field id="contest-kind" label="Loại cuộc thi" error={errors['kind']}>
        <select id="contest-kind" disabled={fixedKind} value={form.kind} onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value as ContestKind })}>
          {(Object.keys(KIND_LABEL) as ContestKind[]).map((k) => (
            <option key={k} value={k}>
              {KIND_LABEL[k]}
            </option>
          ))}
        </select>
      </Field>
      {form.kind === 'theory_test' && (
        <Field id="contest-pass" label="Điểm đạt (%)" error={errors['pass_mark']} hint="Đạt khi số câu đúng đạt tỷ lệ này trở lên.">
          <input id="contest-pass" type="number" min={1} max={100} inputMode="numeric" value={form.passMark} onInput={(e) => set({ passMark: (e.target as HTMLInputElement).value })} />
        </Field>
      )}
      {form.kind !== 'contest' && (
        <p class="hint" data-testid="kind-note">
          {form.kind === 'theory_test'
            ? 'Bài kiểm tra lý luận không xếp hạng và không trao giải: đoàn viên được công nhận đạt khi có một lượt làm bài đạt từ điểm đạt trở lên.'
            : 'Thi thử không tính điểm: không xếp hạng và không trao giải.'}
        </p>
      )}
      {form.kind === 'contest' && (
        <>
          <Field id="contest-visibility" label="Ai được xem Bảng xếp hạng" error={errors['leaderboard_visibility']}>
            <select id="contest-visibility" value={form.visibility} onChange={(e) => set({ visibility: (e.target as HTMLSelectElement).value as Visibility })}>
              {(Object.keys(VISIBILITY_LABEL) as Visibility[]).map((v) => (
                <option key={v} value={v}>
                  {VISIBILITY_LABEL[v]}
                </option>
              ))}
            </select>
          </Field>
          <fieldset class="tie-break">
            <legend>Tiêu chí xếp hạng khi bằng điểm</legend>
            <p class="hint">Xếp theo điểm trước; khi bằng điểm, xét lần lượt các tiêu chí bên dưới. Dùng các nút ↑ ↓ để đổi thứ tự.</p>
            <ol class="tie-break__list" data-testid="tie-break">
              {form.tieBreak.map((k, i) => (
                <li key={k}>
                  <span>{TIE_BREAK_LABEL[k]}</span>
                  {i > 0 && (
                    <span class="tie-break__moves">
                      <button type="button" class="button button--small button--ghost" aria-label={`Đưa "${TIE_BREAK_LABEL[k]}" lên`} disabled={i <= 1} onClick={() => move(i, -1)}>
                        ↑
                      </button>
                      <button type="button" class="button button--small button--ghost" aria-label={`Đưa "${TIE_BREAK_LABEL[k]}" xuống`} disabled={i >= form.tieBreak.length - 1} onClick={() => move(i, 1)}>
                        ↓
                      </button>
                      <button type="button" class="button button--small button--ghost" aria-label={`Bỏ tiêu chí "${TIE_BREAK_LABEL[k]}"`} onClick={() => set({ tieBreak: form.tieBreak.filter((x) => x !== k) })}>
                        ✕
                      </button>
                    </span>
                  )}
                </li>
              ))}
            </ol>
            {(['prediction', 'time_used', 'finished_at'] as TieBreakKey[])
              .filter((k) => !form.tieBreak.includes(k))
              .map((k) => (
                <button key={k} type="button" class="button button--small" onClick={() => set({ tieBreak: [...form.tieBreak, k] })}>
                  + {TIE_BREAK_LABEL[k]}
                </button>
              ))}
            {errors['tie_break'] && <p class="field-error">{errors['tie_break']}</p>}
          </fieldset>
          <label class="checkbox">
            <input type="checkbox" checked={form.perfectOnly} onChange={(e) => set({ perfectOnly: (e.target as HTMLInputElement).checked })} />
            <span>Chỉ xét giải cho bài thi đạt điểm tuyệt đối</span>
          </label>
          <TierEditor
            id="prizes-round"
            legend="Giải cá nhân mỗi vòng thi"
            hint="Trao theo xếp hạng của từng vòng thi khi công bố kết quả vòng thi."
            tiers={form.roundPrizes}
            onChange={(roundPrizes) => set({ roundPrizes })}
            errors={errors}
            pointer="prizes.round"
            blank="Giải"
          />
          <TierEditor
            id="prizes-overall"
            legend="Giải chung cuộc"
            hint="Trao theo tổng điểm các vòng thi khi công bố kết quả chung cuộc. Để trống nếu không có."
            tiers={form.overallPrizes}
            onChange={(overallPrizes) => set({ overallPrizes })}
            errors={errors}
            pointer="prizes.overall"
            blank="Giải chung cuộc"
          />
          <label class="checkbox">
            <input type="checkbox" checked={form.onePerPerson} onChange={(e) => set({ onePerPerson: (e.target as HTMLInputElement).checked })} />
            <span>
              Mỗi người nhận tối đa một giải trong cả cuộc thi
              <span class="hint"> (người đã có giải ở vòng khác, hoặc giải vòng thi khi xét giải chung cuộc, được bỏ qua)</span>
            </span>
          </label>
          <fieldset class="prizes" data-testid="prizes-units">
            <legend>Giải tập thể (cho các đơn vị trực thuộc đơn vị tổ chức)</legend>
            <label class="checkbox">
              <input type="checkbox" checked={!!units} onChange={(e) => set({ unitPrizes: (e.target as HTMLInputElement).checked ? (units ?? newUnitPrizes()) : null })} />
              <span>Trao giải tập thể mỗi vòng thi</span>
            </label>
            {units && (
              <>
                <Field id="prizes-units-basis" label="Xếp hạng đơn vị theo" error={errors['prizes.units.basis']}>
                  <select id="prizes-units-basis" value={units.basis} onChange={(e) => set({ unitPrizes: { ...units, basis: (e.target as HTMLSelectElement).value as UnitPrizeBasis } })}>
                    {(Object.keys(UNIT_BASIS_LABEL) as UnitPrizeBasis[]).map((b) => (
                      <option key={b} value={b}>
                        {UNIT_BASIS_LABEL[b]}
                      </option>
                    ))}
                  </select>
                </Field>
                {units.basis === 'weighted' && (
                  <Field id="prizes-units-points" label="Điểm cộng cho mỗi giải cá nhân" error={errors['prizes.units.points_per_prize']}>
                    <input
                      id="prizes-units-points"
                      type="number"
                      min={0}
                      max={1000}
                      inputMode="numeric"
                      value={units.pointsPerPrize}
                      onInput={(e) => set({ unitPrizes: { ...units, pointsPerPrize: Number((e.target as HTMLInputElement).value) || 0 } })}
                    />
                  </Field>
                )}
                <TierEditor
                  id="prizes-units-tiers"
                  legend="Các giải tập thể"
                  tiers={units.tiers}
                  onChange={(tiers) => set({ unitPrizes: { ...units, tiers } })}
                  errors={errors}
                  pointer="prizes.units.tiers"
                  blank="Giải tập thể"
                />
              </>
            )}
          </fieldset>
        </>
      )}
    </>
  );
}

/**
 * Prize levels, best first: a name and how many are awarded each. `pointer` is where the
 * server's errors for these tiers land ("prizes.round.1.count"); `blank` names a level still
 * without a name in the labels read aloud.
 */
function TierEditor({
  id,
  legend,
  hint,
  tiers,
  onChange,
  errors,
  pointer,
  blank,
}: {
  id: string;
  legend: string;
  hint?: string;
  tiers: Tier[];
  onChange: (tiers: Tier[]) => void;
  errors: Record<string, string>;
  pointer: string;
  blank: string;
}) {
  const setTier = (i: number, change: Partial<Tier>) => onChange(tiers.map((t, j) => (j === i ? { ...t, ...change } : t)));
  const label = (t: Tier, i: number) => t.name.trim() || `${blank} ${i + 1}`;
  return (
    <fieldset class="prizes" data-testid={id}>
      <legend>{legend}</legend>
      {hint && <p class="hint">{hint}</p>}
      {tiers.map((t, i) => (
        <div class="prizes__row" key={i}>
          <input type="text" id={`${id}-${i}-name`} aria-label={`Tên: ${legend}, mức ${i + 1}`} maxLength={100} value={t.name} onInput={(e) => setTier(i, { name: (e.target as HTMLInputElement).value })} />
          <input
            type="number"
            id={`${id}-${i}-count`}
            aria-label={`Số giải: ${label(t, i)}`}
            min={1}
            max={100000}
            inputMode="numeric"
            value={t.count}
            onInput={(e) => setTier(i, { count: Number((e.target as HTMLInputElement).value) || 0 })}
          />
          <button type="button" class="button button--small button--ghost" aria-label={`Xóa ${label(t, i)}`} onClick={() => onChange(tiers.filter((_, j) => j !== i))}>
            ✕
          </button>
          {errors[`${pointer}.${i}.name`] && <p class="field-error">{errors[`${pointer}.${i}.name`]}</p>}
          {errors[`${pointer}.${i}.count`] && <p class="field-error">{errors[`${pointer}.${i}.count`]}</p>}
        </div>
      ))}
      {errors[pointer] && <p class="field-error">{errors[pointer]}</p>}
      <button type="button" class="button button--small" onClick={() => onChange([...tiers, { name: '', count: 1 }])}>
        + Thêm giải
      </button>
    </fieldset>
  );
}
