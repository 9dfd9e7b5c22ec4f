import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import { linkClick } from '../../router';
import { consolePath } from '../paths';
import { ROLE_NAMES, type ManagerRole, type Scope } from '../scope';
import { ConfirmDialog } from '../kit/ConfirmDialog';
import { DataTable } from '../kit/DataTable';
import { formatCount } from '../kit/fold';
import { Pager } from '../kit/Pager';
import { messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { formatDate, formatVietnam } from '../kit/vnTime';

// One member as their managers see them: unit, admission date, whether the account is locked
// (lock with a reason, unlock), roles (grant and revoke organizer and unit-admin roles within
// scope), a one-time password reset code, their attempts and their political-theory status.
// The server answers 404 for anyone outside the scope.

type Profile = components['schemas']['PersonProfile'];
type Attempt = components['schemas']['PersonAttempt'];
type Theory = components['schemas']['PersonTheory'];
type ResetCode = components['schemas']['ResetCodeResponse'];

export function PersonPage({ id, scope }: { id: string; scope: Scope }) {
  const [person, setPerson] = useState<Profile | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    api.request<Profile>('GET', `/users/${id}/profile`).then(setPerson, setError);
  }, [id, version]);
  const back = (
    <p>
      <a href={consolePath('doan-vien')} onClick={linkClick(consolePath('doan-vien'))}>
        ‹ Đoàn viên
      </a>
    </p>
  );
  if (error) {
    return (
      <>
        {back}
        <h1>Đoàn viên</h1>
        <ProblemMessage error={error} />
      </>
    );
  }
  if (!person) return <p class="muted">Đang tải…</p>;
  const unitHref = consolePath('don-vi', person.unit.id);
  return (
    <>
      {back}
      <h1 data-testid="person-name">
        {person.full_name}
        {person.disabled && (
          <>
            {' '}
            <span class="status status--danger" data-testid="person-locked">
              Đã khoá
            </span>
          </>
        )}
      </h1>
      <section class="card" aria-labelledby="person-facts">
        <h2 id="person-facts">Thông tin</h2>
        <dl class="facts">
          <dt>Số điện thoại</dt>
          <dd>{person.phone}</dd>
          <dt>Đơn vị</dt>
          <dd>
            <a href={unitHref} onClick={linkClick(unitHref)}>
              {person.unit.name}
            </a>
            {person.unit_path.length > 0 && <span class="unit-path"> ({person.unit_path.map((u) => u.name).join(' › ')})</span>}
          </dd>
          <dt>Ngày sinh</dt>
          <dd>{formatDate(person.birth_date) || '—'}</dd>
          <dt>Ngày kết nạp</dt>
          <dd data-testid="person-admitted">{formatDate(person.admitted_at) || 'Chưa có'}</dd>
          <dt>Đăng ký lúc</dt>
          <dd>{formatVietnam(person.created_at)}</dd>
        </dl>
      </section>
      <AccountCard person={person} onChanged={() => setVersion((v) => v + 1)} />
      <Roles person={person} scope={scope} onChanged={() => setVersion((v) => v + 1)} />
      {person.can_issue_reset_code && <ResetCodeCard person={person} onIssued={() => setVersion((v) => v + 1)} />}
      <TheoryCard id={person.id} />
      <Attempts id={person.id} />
    </>
  );
}

function Roles({ person, scope, onChanged }: { person: Profile; scope: Scope; onChanged: () => void }) {
  const [role, setRole] = useState<ManagerRole>('organizer');
  const [unit, setUnit] = useState(person.grantable_units.at(-1)?.id ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const manageable = person.roles.filter((r) => r.manageable).map((r) => ({ role: r.role, unit_id: r.unit?.id ?? null }));
  async function put(roles: { role: ManagerRole; unit_id: string | null }[], message: string) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await api.request('PUT', `/users/${person.id}/roles`, { body: { roles } });
      setDone(message);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const unitName = (id: string) => person.grantable_units.find((u) => u.id === id)?.name ?? '';
  return (
    <section class="card" aria-labelledby="roles-title">
      <h2 id="roles-title">Vai trò</h2>
      {person.roles.length === 0 && <p class="muted">Đoàn viên (chưa được giao vai trò quản lý nào).</p>}
      {person.roles.length > 0 && (
        <ul class="role-list" data-testid="person-roles">
          {person.roles.map((r, i) => (
            <li key={i}>
              <span>
                <strong>{ROLE_NAMES[r.role]}</strong>
                {r.unit && <span> — {r.unit.name}</span>}
              </span>
              {r.manageable ? (
                <button
                  type="button"
                  class="button button--small button--ghost"
                  disabled={busy}
                  onClick={() =>
                    void put(
                      manageable.filter((m) => !(m.role === r.role && m.unit_id === (r.unit?.id ?? null))),
                      `Đã thu hồi vai trò ${ROLE_NAMES[r.role]}${r.unit ? ` (${r.unit.name})` : ''}.`,
                    )
                  }
                >
                  Thu hồi
                </button>
              ) : (
                <span class="muted">do cấp trên giao</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {person.grantable_units.length > 0 ? (
        <form
          class="people-form"
          aria-label="Giao vai trò"
          onSubmit={(e) => {
            e.preventDefault();
            void put([...manageable, { role, unit_id: unit }], `Đã giao vai trò ${ROLE_NAMES[role]} (${unitName(unit)}).`);
          }}
        >
          <div class="field">
            <label for="grant-role">Giao vai trò</label>
            <select id="grant-role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as ManagerRole)}>
              <option value="organizer">{ROLE_NAMES.organizer}</option>
              <option value="unit_admin">{ROLE_NAMES.unit_admin}</option>
            </select>
          </div>
          <div class="field">
            <label for="grant-unit">Phụ trách đơn vị</label>
            <select id="grant-unit" value={unit} onChange={(e) => setUnit((e.target as HTMLSelectElement).value)}>
              {person.grantable_units.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <button type="submit" class="button button--primary" disabled={busy || !unit}>
              Giao vai trò
            </button>
          </div>
        </form>
      ) : (
        !scope.isUnitAdmin && <p class="hint">Chỉ Quản trị đơn vị mới giao hoặc thu hồi được vai trò.</p>
      )}
      <p class="hint">Mỗi lần giao hoặc thu hồi vai trò đều được ghi vào nhật ký.</p>
      <ProblemMessage error={error} />
      {done && (
        <p class="message message--notice" role="status">
          {done}
        </p>
      )}
    </section>
  );
}

function AccountCard({ person, onChanged }: { person: Profile; onChanged: () => void }) {
  const [asking, setAsking] = useState<'lock' | 'unlock' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const locked = person.disabled;
  async function change(action: 'disable' | 'enable', reason: string) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await api.request('POST', `/users/${person.id}/${action}`, { body: action === 'disable' ? { reason } : {} });
      setAsking(null);
      setDone(action === 'disable' ? 'Đã khoá tài khoản.' : 'Đã mở khoá tài khoản.');
      onChanged();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  if (!locked && !person.can_disable) return null;
  return (
    <section class="card" aria-labelledby="account-title">
      <h2 id="account-title">Tài khoản</h2>
      {locked ? (
        <div data-testid="person-account-locked">
          <p>
            <span class="status status--danger">Đã khoá</span> từ {formatVietnam(locked.at)} (giờ Việt Nam). Đoàn viên không đăng nhập được
            cho đến khi được mở khoá.
          </p>
          <p>
            Lý do: <strong data-testid="person-locked-reason">{locked.reason}</strong>
          </p>
        </div>
      ) : (
        <p>
          <span class="status status--open">Đang hoạt động</span>
        </p>
      )}
      {person.can_disable &&
        (locked ? (
          <button type="button" class="button" onClick={() => setAsking('unlock')}>
            Mở khoá
          </button>
        ) : (
          <button type="button" class="button button--danger" onClick={() => setAsking('lock')}>
            Khoá tài khoản
          </button>
        ))}
      <p class="hint">Khoá tài khoản kết thúc ngay mọi phiên đăng nhập của đoàn viên. Mỗi lần khoá, mở khoá đều được ghi vào nhật ký.</p>
      {done && (
        <p class="message message--notice" role="status">
          {done}
        </p>
      )}
      {asking === 'lock' && (
        <ConfirmDialog
          title="Khoá tài khoản?"
          body={`${person.full_name} (${person.phone}) sẽ bị đăng xuất ngay và không đăng nhập được cho đến khi được mở khoá. Kết quả thi đã có được giữ nguyên.`}
          confirmLabel="Khoá tài khoản"
          reasonLabel="Lý do khoá (bắt buộc, tối đa 500 ký tự)"
          danger
          busy={busy}
          error={error}
          onConfirm={(reason) => void change('disable', reason)}
          onCancel={() => setAsking(null)}
        />
      )}
      {asking === 'unlock' && (
        <ConfirmDialog
          title="Mở khoá tài khoản?"
          body={`${person.full_name} (${person.phone}) sẽ đăng nhập lại được.`}
          confirmLabel="Mở khoá"
          busy={busy}
          error={error}
          onConfirm={() => void change('enable', '')}
          onCancel={() => setAsking(null)}
        />
      )}
    </section>
  );
}

function ResetCodeCard({ person, onIssued }: { person: Profile; onIssued: () => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<ResetCode | null>(null);
  async function issue() {
    setBusy(true);
    setError(null);
    try {
      const code = await api.request<ResetCode>('POST', `/users/${person.id}/reset-code`, { body: {} });
      setIssued(code);
      setAsking(false);
      onIssued();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" aria-labelledby="reset-title">
      <h2 id="reset-title">Mã đặt lại mật khẩu</h2>
      <p>
        Khi đoàn viên quên mật khẩu, cấp cho họ một mã dùng một lần. Đoàn viên nhập mã ở màn hình <strong>Quên mật khẩu</strong> để đặt mật
        khẩu mới; mọi phiên đăng nhập cũ của họ sẽ kết thúc.
      </p>
      {issued ? (
        <div class="message message--notice" role="status" data-testid="reset-code-issued">
          <p>Mã đặt lại mật khẩu của {person.full_name} (chỉ hiện một lần, hãy chép lại hoặc đọc cho đoàn viên):</p>
          <p class="reset-code" data-testid="reset-code">
            {issued.code}
          </p>
          <p>
            Hết hạn lúc {formatVietnam(issued.expires_at)} (giờ Việt Nam), sau {issued.ttl_minutes} phút. Mã chỉ dùng được một lần và bị hủy sau{' '}
            {issued.max_failures} lần nhập sai.
          </p>
        </div>
      ) : (
        person.reset_code && (
          <p class="muted">
            Đang có một mã chưa dùng, hết hạn lúc {formatVietnam(person.reset_code.expires_at)} (giờ Việt Nam). Cấp mã mới sẽ hủy mã này.
          </p>
        )
      )}
      <button type="button" class="button" onClick={() => setAsking(true)}>
        {issued || person.reset_code ? 'Cấp mã mới' : 'Cấp mã đặt lại mật khẩu'}
      </button>
      {asking && (
        <ConfirmDialog
          title="Cấp mã đặt lại mật khẩu?"
          body={`Mã dùng được một lần trong 30 phút để đặt mật khẩu mới cho ${person.full_name} (${person.phone}). Chỉ cấp khi đã xác minh đúng người. Việc cấp mã được ghi vào nhật ký.`}
          confirmLabel="Cấp mã"
          busy={busy}
          error={error}
          onConfirm={() => void issue()}
          onCancel={() => setAsking(false)}
        />
      )}
    </section>
  );
}

const STATUS: Record<Theory['lessons'][number]['status'], string> = {
  not_tested: 'Chưa kiểm tra',
  tested: 'Chưa đạt',
  passed: 'Đạt',
};

function TheoryCard({ id }: { id: string }) {
  const [theory, setTheory] = useState<Theory | null>(null);
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    api.request<Theory>('GET', `/users/${id}/theory`).then(setTheory, () => setMissing(true));
  }, [id]);
  return (
    <section class="card" aria-labelledby="theory-title">
      <h2 id="theory-title">Học lý luận chính trị</h2>
      {missing && <p class="muted">Chưa có chương trình học lý luận đang áp dụng.</p>}
      {theory && (
        <>
          <p>
            {theory.required
              ? `Thuộc diện phải học (kết nạp từ ${formatDate(theory.theory_since)} trở đi).`
              : 'Không thuộc diện bắt buộc học.'}{' '}
            Đã đạt {theory.passed_lessons}/{theory.total_lessons} bài.
            {theory.certificate_code && (
              <>
                {' '}
                Giấy chứng nhận: <strong>{theory.certificate_code}</strong>
                {theory.certificate_revoked_at && ` (đã thu hồi ${formatDate(theory.certificate_revoked_at)})`}.
              </>
            )}
          </p>
          <DataTable
            caption={theory.course_title}
            rows={theory.lessons}
            rowKey={(l) => String(l.position)}
            columns={[
              { key: 'lesson', label: 'Bài', render: (l) => `Bài ${l.position}: ${l.title}` },
              { key: 'status', label: 'Kết quả', render: (l) => STATUS[l.status] },
              {
                key: 'best',
                label: 'Điểm cao nhất',
                numeric: true,
                render: (l) => (l.best_percent == null ? '—' : `${l.best_percent.toFixed(0)}%`),
              },
              { key: 'passed', label: 'Ngày đạt', render: (l) => formatDate(l.passed_at) || '—' },
            ]}
          />
        </>
      )}
    </section>
  );
}

const LIMIT = 10;

function Attempts({ id }: { id: string }) {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ items: Attempt[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.request<{ items: Attempt[]; total: number }>('GET', `/users/${id}/attempts`, { query: { offset, limit: LIMIT } }).then(setPage, setError);
  }, [id, offset]);
  return (
    <section class="card" aria-labelledby="attempts-title">
      <h2 id="attempts-title">Bài thi{page ? ` (${formatCount(page.total)})` : ''}</h2>
      <ProblemMessage error={error} />
      <DataTable<Attempt>
        caption="Các lượt thi"
        rows={page?.items ?? []}
        rowKey={(a) => a.id}
        empty="Chưa có lượt thi nào."
        columns={[
          { key: 'contest', label: 'Cuộc thi', render: (a) => a.contest_title },
          { key: 'round', label: 'Vòng thi', render: (a) => `${a.round_name}${a.seq > 1 ? ` (lượt ${a.seq})` : ''}${a.practice ? ' · thi thử' : ''}` },
          { key: 'started', label: 'Bắt đầu', render: (a) => formatVietnam(a.started_at) },
          {
            key: 'score',
            label: 'Điểm',
            numeric: true,
            render: (a) => (a.finished_at ? `${a.score ?? 0}/${a.max_score}` : 'Đang làm'),
          },
        ]}
      />
      {page && <Pager offset={offset} limit={LIMIT} total={page.total} noun="lượt thi" onOffset={setOffset} />}
    </section>
  );
}
