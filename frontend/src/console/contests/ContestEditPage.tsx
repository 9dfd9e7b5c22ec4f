import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { linkClick, navigate } from '../../router';
import { ProblemMessage, fieldErrorsOf, messageOf } from '../kit/ProblemMessage';
import { useDraft } from '../kit/useDraft';
import { consolePath } from '../paths';
import type { Scope } from '../scope';
import { EligibilityFields, InfoFields, RankingFields } from './ContestFields';
import { contestBody, type Contest, type ContestForm } from './model';

type Host = { id: string; name: string; root: boolean };
type Load = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready'; contest: Contest; form: ContestForm; host: Host };

/** The contest's form as saved, with the names of the units it mentions. */
async function formOf(c: Contest, signal: AbortSignal): Promise<{ form: ContestForm; host: Host }> {
  const name = (id: string) => api.unit(id, signal).then((u) => u.name, () => 'Đơn vị đã xóa');
  const excluded = c.eligibility.excluded_unit_ids ?? [];
  const [hostUnit, excludedNames] = await Promise.all([api.unit(c.unit_id, signal), Promise.all(excluded.map(name))]);
  return {
    host: { id: c.unit_id, name: hostUnit.name, root: hostUnit.ancestors.length === 0 },
    form: {
      title: c.title,
      description: c.description,
      rules: c.rules,
      unitId: c.unit_id,
      eligibleUnitId: c.eligibility.unit_id ?? '',
      excludedUnits: excluded.map((id, i) => ({ id, name: excludedNames[i]! })),
      excludedRoles: c.eligibility.excluded_roles ?? [],
      managersMayEnter: c.eligibility.managers_may_enter ?? false,
      kind: c.kind,
      visibility: c.leaderboard_visibility,
      tieBreak: c.tie_break,
      perfectOnly: c.perfect_only,
      passMark: c.pass_mark == null ? '80' : String(c.pass_mark),
      roundPrizes: c.prizes.round ?? [],
      overallPrizes: c.prizes.overall ?? [],
      onePerPerson: c.prizes.one_per_person ?? false,
      unitPrizes: c.prizes.units
        ? { basis: c.prizes.units.basis ?? 'participants', pointsPerPrize: c.prizes.units.points_per_prize ?? 0, tiers: c.prizes.units.tiers }
        : null,
    },
  };
}

/** "Sửa thông tin cuộc thi": the wizard's first three steps on one page (the kind and host stay). */
export function ContestEditPage({ scope, contestId }: { scope: Scope; contestId: string }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [retry, setRetry] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    api
      .request<Contest>('GET', `/contests/${encodeURIComponent(contestId)}`, { signal: controller.signal })
      .then(async (contest) => {
        const { form, host } = await formOf(contest, controller.signal);
        setLoad({ state: 'ready', contest, form, host });
      })
      .catch((error: unknown) => controller.signal.aborted || setLoad({ state: 'error', error }));
    return () => controller.abort();
  }, [contestId, retry]);
  if (load.state === 'loading') return <p class="muted">Đang tải…</p>;
  if (load.state === 'error') return <ProblemMessage error={load.error} onRetry={() => setRetry((n) => n + 1)} />;
  return <Editor scope={scope} contest={load.contest} initial={load.form} host={load.host} />;
}

function Editor({ scope, contest, initial, host }: { scope: Scope; contest: Contest; initial: ContestForm; host: Host }) {
  const [form, setForm, { clear, restored }] = useDraft<ContestForm>(`contest-edit.${contest.id}`, initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<ContestForm>) => setForm((f) => ({ ...f, ...change }));
  const back = consolePath('cuoc-thi', contest.id);
  const save = async () => {
    setBusy(true);
    setErrors({});
    setFailure(null);
    try {
      // The kind and the host unit stay as created: the update has no such fields.
      const { kind: _kind, unit_id: _unit, ...body } = contestBody(form);
      await api.request('PATCH', `/contests/${encodeURIComponent(contest.id)}`, { body });
      clear();
      navigate(back);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      setFailure(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="wizard">
      <p class="crumb">
        <a href={consolePath('cuoc-thi')} onClick={linkClick(consolePath('cuoc-thi'))}>
          Cuộc thi
        </a>{' '}
        ›{' '}
        <a href={back} onClick={linkClick(back)}>
          {contest.title}
        </a>{' '}
        › Sửa thông tin
      </p>
      <h1>Sửa thông tin cuộc thi</h1>
      {restored && (
        <p class="message message--notice" role="status">
          Đã khôi phục những thay đổi bạn đang soạn dở.{' '}
          <button type="button" class="linklike" onClick={() => (clear(), setForm(initial))}>
            Bỏ thay đổi
          </button>
        </p>
      )}
      <div class="card wizard__body">
        <h2>Thông tin chung</h2>
        <InfoFields form={form} set={set} errors={errors} />
        <h2>Đối tượng dự thi</h2>
        <EligibilityFields form={form} set={set} scope={scope} hostUnits={[host]} errors={errors} fixedHost />
        <h2>Xếp hạng và giải thưởng</h2>
        {contest.kind === 'contest' && (
          <p class="hint" data-testid="prizes-republish-note">
            Thay đổi giải thưởng không làm đổi kết quả đã công bố: bấm “Công bố lại” ở từng vòng thi (và công bố lại kết quả chung cuộc) để trao giải theo
            cách mới; các thay đổi sẽ được liệt kê.
          </p>
        )}
        <RankingFields form={form} set={set} errors={errors} fixedKind />
        {failure && (
          <p class="message message--error" role="alert">
            {failure}
          </p>
        )}
        <div class="wizard__nav">
          <a class="button button--ghost" href={back} onClick={linkClick(back)}>
            Hủy bỏ
          </a>
          <button type="button" class="button button--primary" disabled={busy || form.title.trim().length < 3} onClick={save}>
            {busy ? 'Đang lưu…' : 'Lưu thay đổi'}
          </button>
        </div>
      </div>
    </section>
  );
}
