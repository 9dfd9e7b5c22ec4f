import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { RichText } from '../../components/RichText';
import { linkClick, navigate } from '../../router';
import { fieldErrorsOf, messageOf } from '../kit/ProblemMessage';
import { useDraft } from '../kit/useDraft';
import { formatVietnam, fromVietnamInput } from '../kit/vnTime';
import { consolePath } from '../paths';
import type { Scope } from '../scope';
import { EligibilityFields, InfoFields, RankingFields } from './ContestFields';
import {
  contestBody,
  isLearning,
  KIND_LABEL,
  newContestForm,
  newRoundForm,
  questionsPerAttempt,
  roundBody,
  TIE_BREAK_LABEL,
  unitBasisText,
  VISIBILITY_LABEL,
  ROLE_LABEL,
  REVIEW_LABEL,
  PREDICTION_LABEL,
  type Contest,
  type ContestForm,
  type RoundForm,
  type UnitList,
} from './model';
import { RoundFields } from './RoundFields';

const STEPS = ['Thông tin chung', 'Đối tượng dự thi', 'Xếp hạng và giải thưởng', 'Vòng thi đầu tiên', 'Xem lại và tạo'];
/** A theory test's steps: its first step tests a lesson, and nothing is ranked. */
const THEORY_STEPS = ['Thông tin chung', 'Đối tượng dự thi', 'Loại và điểm đạt', 'Bài kiểm tra đầu tiên', 'Xem lại và tạo'];

interface Draft {
  step: number;
  contest: ContestForm;
  round: RoundForm;
  /** Set once the contest is saved, so a failed round is retried without a second contest. */
  createdId: string | null;
}

/** Which step a server error's field belongs to. */
function stepOf(field: string): number {
  if (/^(title|description|rules)/.test(field)) return 0;
  if (/^(unit_id|eligibility)/.test(field)) return 1;
  if (/^(kind|leaderboard_visibility|tie_break|perfect_only|pass_mark|prizes)/.test(field)) return 2;
  return 3;
}

/**
 * "Tạo cuộc thi" in steps. Everything typed is kept as a draft of this person in this browser
 * (useDraft), so an expired session, a reload or a closed tab loses nothing; the draft is
 * cleared once the server has accepted the contest and its first round.
 */
export function ContestWizard({ scope }: { scope: Scope }) {
  const [hostUnits, setHostUnits] = useState<{ id: string; name: string; root: boolean }[]>(
    scope.units.map((u) => ({ id: u.id, name: u.name, root: u.ancestors.length === 0 })),
  );
  const first = hostUnits[0]?.id ?? '';
  const [draft, setDraft, { clear, restored }] = useDraft<Draft>('contest-wizard', {
    step: 0,
    contest: newContestForm(first),
    round: newRoundForm(),
    createdId: null,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enough, setEnough] = useState<boolean | null>(null);

  // An administrator without a unit of their own hosts at a root of the tree.
  useEffect(() => {
    if (hostUnits.length > 0) return;
    api.request<UnitList>('GET', '/units', { query: { limit: 200 } }).then((d) => {
      const roots = d.items.map((u) => ({ id: u.id, name: u.name, root: true }));
      setHostUnits(roots);
      if (!draft.contest.unitId && roots[0]) setContest({ unitId: roots[0].id, eligibleUnitId: roots[0].id });
    });
  }, []);

  const { step, contest: c, round: r } = draft;
  // A new kind brings the round settings that kind needs (a theory test's or a practice
  // round is open for a year, shows the key after each attempt, has no prediction question).
  const setContest = (change: Partial<ContestForm>) =>
    setDraft((d) => ({
      ...d,
      contest: { ...d.contest, ...change },
      round: change.kind && change.kind !== d.contest.kind ? { ...newRoundForm(Date.now(), change.kind), quotas: d.round.quotas } : d.round,
    }));
  const setRound = (change: Partial<RoundForm>) => setDraft((d) => ({ ...d, round: { ...d.round, ...change } }));
  const go = (n: number) => {
    setDraft((d) => ({ ...d, step: n }));
    setFailure(null);
    window.scrollTo(0, 0);
    requestAnimationFrame(() => document.getElementById('wizard-step-title')?.focus());
  };
  const theory = c.kind === 'theory_test';
  const steps = theory ? THEORY_STEPS : STEPS;

  /** What keeps this step from moving on, in words (the server checks everything again). */
  const blocker = (() => {
    if (step === 0 && c.title.trim().length < 3) return 'Nhập tên cuộc thi (ít nhất 3 ký tự).';
    if (step === 1 && !c.unitId) return 'Chọn đơn vị tổ chức.';
    if (step === 3) {
      if (theory && !r.theoryTarget) return 'Chọn bài học được kiểm tra.';
      if (!r.name.trim()) return theory ? 'Nhập tên bài kiểm tra.' : 'Nhập tên vòng thi.';
      if (!fromVietnamInput(r.opensAt) || !fromVietnamInput(r.closesAt)) return 'Nhập thời gian mở và đóng vòng thi.';
      if (questionsPerAttempt(r) < 1) return 'Chọn ít nhất một câu hỏi cho mỗi lượt thi.';
      if (enough === false) return 'Ngân hàng câu hỏi không đủ câu cho nguồn câu hỏi này: giảm số câu hoặc chọn chủ đề, mức độ khác.';
      if (enough === null) return 'Đang đếm số câu hỏi phù hợp…';
    }
    return null;
  })();

  const create = async () => {
    setBusy(true);
    setErrors({});
    setFailure(null);
    let id = draft.createdId;
    try {
      if (!id) {
        const created = await api.request<Contest>('POST', '/contests', { body: contestBody(c) });
        id = created.id;
        setDraft((d) => ({ ...d, createdId: created.id }));
      }
      await api.request('POST', `/contests/${encodeURIComponent(id)}/rounds`, { body: roundBody(r, c.kind) });
      clear();
      navigate(consolePath('cuoc-thi', id, { moi: '1' }));
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      setFailure(messageOf(err));
      const keys = Object.keys(fields);
      if (keys.length) go(Math.min(...keys.map((k) => (id ? 3 : stepOf(k)))));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="wizard">
      <div class="page-head">
        <h1>Tạo cuộc thi</h1>
        <div class="page-head__actions">
          <a class="button button--ghost" href={consolePath('cuoc-thi')} onClick={linkClick(consolePath('cuoc-thi'))}>
            Về danh sách
          </a>
        </div>
      </div>
      {restored && (
        <p class="message message--notice" role="status">
          Đã khôi phục bản nháp bạn đang soạn dở.{' '}
          <button
            type="button"
            class="linklike"
            onClick={() => {
              clear();
              setDraft({ step: 0, contest: newContestForm(first), round: newRoundForm(), createdId: null });
            }}
          >
            Bắt đầu lại từ đầu
          </button>
        </p>
      )}
      <ol class="wizard__steps" aria-label="Các bước">
        {steps.map((s, i) => (
          <li key={s} class={i === step ? 'wizard__step wizard__step--on' : i < step ? 'wizard__step wizard__step--done' : 'wizard__step'} aria-current={i === step ? 'step' : undefined}>
            <button type="button" class="wizard__step-button" disabled={i > step || busy} onClick={() => go(i)}>
              <span class="wizard__num">{i + 1}</span>
              <span class="wizard__label">{s}</span>
            </button>
          </li>
        ))}
      </ol>
      <div class="card wizard__body">
        <h2 id="wizard-step-title" tabIndex={-1}>
          Bước {step + 1}/{steps.length}: {steps[step]}
        </h2>
        {step === 0 && <InfoFields form={c} set={setContest} errors={errors} />}
        {step === 1 && <EligibilityFields form={c} set={setContest} scope={scope} hostUnits={hostUnits} errors={errors} />}
        {step === 2 && <RankingFields form={c} set={setContest} errors={errors} />}
        {step === 3 && (
          <>
            {theory && <p class="hint">Mỗi bài học có một bài kiểm tra; thêm bài kiểm tra của các bài học khác ở trang cuộc thi sau khi tạo.</p>}
            <RoundFields form={r} set={setRound} unitId={c.unitId} errors={errors} onEnough={setEnough} kind={c.kind} contestPassMark={Number(c.passMark) || null} />
          </>
        )}
        {step === 4 && <Summary contest={c} round={r} hostName={hostUnits.find((u) => u.id === c.unitId)?.name ?? ''} />}
        {failure && (
          <p class="message message--error" role="alert">
            {failure}
          </p>
        )}
        <div class="wizard__nav">
          {step > 0 && (
            <button type="button" class="button button--ghost" disabled={busy} onClick={() => go(step - 1)}>
              ‹ Quay lại
            </button>
          )}
          {step < steps.length - 1 ? (
            <button type="button" class="button button--primary" disabled={!!blocker} onClick={() => go(step + 1)}>
              Tiếp tục ›
            </button>
          ) : (
            <button type="button" class="button button--primary" disabled={busy} onClick={create}>
              {busy ? 'Đang tạo…' : draft.createdId ? 'Tạo vòng thi' : 'Tạo cuộc thi'}
            </button>
          )}
        </div>
        {blocker && step < steps.length - 1 && (
          <p class="hint wizard__blocker" role="status">
            {blocker}
          </p>
        )}
      </div>
    </section>
  );
}

/** What will be created, in the words members and officers read. */
function Summary({ contest: c, round: r, hostName }: { contest: ContestForm; round: RoundForm | null; hostName: string }) {
  const opens = r && fromVietnamInput(r.opensAt);
  const closes = r && fromVietnamInput(r.closesAt);
  return (
    <dl class="summary" data-testid="wizard-summary">
      <dt>Tên cuộc thi</dt>
      <dd>{c.title}</dd>
      <dt>Đơn vị tổ chức</dt>
      <dd>{hostName}</dd>
      <dt>Loại</dt>
      <dd>{KIND_LABEL[c.kind]}</dd>
      <dt>Đối tượng dự thi</dt>
      <dd>
        {c.eligibleUnitId === '' ? 'Mọi người đã đăng ký' : c.eligibleUnitId === c.unitId ? `Đoàn viên của ${hostName} và các đơn vị trực thuộc` : 'Đoàn viên của đơn vị đã chọn và các đơn vị trực thuộc'}
        {c.excludedUnits.length > 0 && `; trừ ${c.excludedUnits.map((u) => u.name).join(', ')}`}
        {c.excludedRoles.length > 0 && `; không gồm ${c.excludedRoles.map((x) => ROLE_LABEL[x]).join(', ')}`}
        {c.managersMayEnter ? '; Ban Tổ chức được dự thi' : '; Ban Tổ chức không dự thi'}
      </dd>
      {c.kind === 'contest' && (
        <>
          <dt>Bảng xếp hạng</dt>
          <dd>{VISIBILITY_LABEL[c.visibility]}</dd>
          <dt>Xếp hạng</dt>
          <dd>{c.tieBreak.map((k) => TIE_BREAK_LABEL[k]).join(' → ')}</dd>
          <dt>Giải mỗi vòng</dt>
          <dd>{c.roundPrizes.length ? c.roundPrizes.map((t) => `${t.name} × ${t.count}`).join('; ') : 'Không có'}{c.perfectOnly && ' (chỉ bài đạt điểm tuyệt đối)'}</dd>
          {c.overallPrizes.length > 0 && (
            <>
              <dt>Giải chung cuộc</dt>
              <dd>
                {c.overallPrizes.map((t) => `${t.name} × ${t.count}`).join('; ')}
                {c.onePerPerson && '; mỗi người tối đa một giải'}
              </dd>
            </>
          )}
          {c.unitPrizes && c.unitPrizes.tiers.length > 0 && (
            <>
              <dt>Giải tập thể</dt>
              <dd>
                {c.unitPrizes.tiers.map((t) => `${t.name} × ${t.count}`).join('; ')} ({unitBasisText(c.unitPrizes.basis, c.unitPrizes.pointsPerPrize)})
              </dd>
            </>
          )}
        </>
      )}
      {c.kind === 'theory_test' && (
        <>
          <dt>Điểm đạt</dt>
          <dd>{c.passMark}%</dd>
        </>
      )}
      {r && (
        <>
          <dt>{c.kind === 'theory_test' ? 'Bài kiểm tra đầu tiên' : 'Vòng thi đầu tiên'}</dt>
          <dd>
            {r.name}: {formatVietnam(opens)} – {formatVietnam(closes)} (giờ Việt Nam); {questionsPerAttempt(r)} câu, {r.minutes} phút mỗi lượt;{' '}
            {r.attemptsAllowed ? `tối đa ${r.attemptsAllowed} lượt` : 'không giới hạn lượt'}
            {c.kind === 'theory_test' &&
              `; điểm đạt ${r.theoryPassMark.trim() || c.passMark}%; ${r.retryWaitMinutes > 0 ? `chờ ${r.retryWaitMinutes} phút giữa hai lượt` : 'được làm lại ngay'}`}
            ; sau khi nộp bài: {REVIEW_LABEL[r.review].toLowerCase()}
            {!isLearning(c.kind, r.practice) && r.prediction && `; ${PREDICTION_LABEL[r.prediction].toLowerCase()}`}.
          </dd>
        </>
      )}
      {c.rules.trim() && (
        <>
          <dt>Thể lệ</dt>
          <dd>
            <RichText text={c.rules} />
          </dd>
        </>
      )}
    </dl>
  );
}
