import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import type { Unit, UnitWithAncestors } from '../../api/types';
import { linkClick, navigate } from '../../router';
import { consolePath } from '../paths';
import { ROLE_NAMES, type Scope } from '../scope';
import { DataTable } from '../kit/DataTable';
import { formatCount, formatRate, fold } from '../kit/fold';
import { Pager } from '../kit/Pager';
import { fieldErrorsOf, messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { SearchBox } from '../kit/SearchBox';
import { useQueryState } from '../kit/useQueryState';
import { formatDate, formatVietnam, vietnamToday } from '../kit/vnTime';
import { TransfersCard } from './TransfersCard';
import { memberCountText } from './UnitsSection';
import { AccountState } from '../people/AccountState';

// One unit: what it is (rename, member count and its date, move the branch, add a unit under
// it), its members (paged, searchable), members' requests to move in or out, its managers, its participation over the last 90 days
// and its new members' theory coverage.

type Member = components['schemas']['MemberSummary'];
type Manager = components['schemas']['UnitManager'];
type Participation = components['schemas']['ParticipationResponse'];
type Coverage = components['schemas']['CoverageResponse'];
type RoundsPage = components['schemas']['UnitRoundsPage'];

export function UnitPage({ id, scope }: { id: string; scope: Scope }) {
  const [unit, setUnit] = useState<UnitWithAncestors | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    api.unit(id).then(setUnit, setError);
  }, [id, version]);
  const admin = scope.isUnitAdmin || scope.isAdmin;
  if (error) return <ProblemMessage error={error} />;
  if (!unit) return <p class="muted">Đang tải…</p>;
  return (
    <>
      <p class="unit-path">
        <a href={consolePath('don-vi')} onClick={linkClick(consolePath('don-vi'))}>
          Đơn vị
        </a>
        {unit.ancestors.map((a) => (
          <span key={a.id}>
            {' › '}
            <a href={consolePath('don-vi', a.id)} onClick={linkClick(consolePath('don-vi', a.id))}>
              {a.name}
            </a>
          </span>
        ))}
      </p>
      <h1>{unit.name}</h1>
      <section class="card" aria-labelledby="unit-facts">
        <h2 id="unit-facts">Thông tin đơn vị</h2>
        <dl class="facts">
          <dt>Mã đơn vị</dt>
          <dd>{unit.code}</dd>
          <dt>Số đoàn viên</dt>
          <dd data-testid="unit-member-count">{memberCountText(unit)}</dd>
        </dl>
        {admin && <EditUnit unit={unit} onSaved={() => setVersion((v) => v + 1)} />}
      </section>
      {admin && <MoveUnit unit={unit} scope={scope} onMoved={() => setVersion((v) => v + 1)} />}
      {admin && <AddChild parent={unit} />}
      <Children unit={unit} />
      <Members unit={unit} />
      <TransfersCard unit={unit} />
      <Managers unit={unit} />
      <ParticipationCard unit={unit} />
      <RoundsCard unit={unit} />
      <CoverageCard unit={unit} />
    </>
  );
}

function EditUnit({ unit, onSaved }: { unit: Unit; onSaved: () => void }) {
  const [name, setName] = useState(unit.name);
  const [count, setCount] = useState(unit.member_count == null ? '' : String(unit.member_count));
  const [date, setDate] = useState(unit.member_count_date ?? vietnamToday());
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const fields = fieldErrorsOf(error);
  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    const body: Record<string, unknown> = {};
    if (name.trim() !== unit.name) body.name = name.trim();
    if (count.trim() !== '') {
      body.member_count = Number(count);
      body.member_count_date = date;
    }
    try {
      await api.request('PATCH', `/units/${unit.id}`, { body });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="people-form" onSubmit={save} aria-label="Sửa thông tin đơn vị" style={{ marginTop: '16px' }}>
      <div class="field">
        <label for="unit-name">Tên đơn vị</label>
        <input id="unit-name" type="text" value={name} maxLength={200} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        {fields.name && <p class="field-error">{fields.name}</p>}
      </div>
      <div class="field">
        <label for="unit-count">Số đoàn viên</label>
        <input id="unit-count" type="number" min={0} inputMode="numeric" value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
        {fields.member_count && <p class="field-error">{fields.member_count}</p>}
      </div>
      <div class="field">
        <label for="unit-count-date">Tính đến ngày</label>
        <input id="unit-count-date" type="date" value={date} max={vietnamToday()} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
        {fields.member_count_date && <p class="field-error">{fields.member_count_date}</p>}
      </div>
      <div>
        <button type="submit" class="button button--primary" disabled={busy}>
          {busy ? 'Đang lưu…' : 'Lưu thay đổi'}
        </button>
      </div>
      {error && !Object.keys(fields).length ? <ProblemMessage error={error} /> : null}
      {saved && (
        <p class="message message--notice" role="status">
          Đã lưu.
        </p>
      )}
    </form>
  );
}

function MoveUnit({ unit, scope, onMoved }: { unit: UnitWithAncestors; scope: Scope; onMoved: () => void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Unit[]>([]);
  const [target, setTarget] = useState<Unit | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (!q) return setFound([]);
    const roots = scope.units.map((u) => u.id);
    Promise.all(
      (roots.length ? roots : [null]).map((r) =>
        api.request<{ items: Unit[] }>('GET', '/units', { query: { parent_id: r, q, limit: 20 } }).then((p) => p.items),
      ),
    ).then(
      (lists) => setFound([...scope.units.filter((u) => fold(u.name).includes(fold(q))), ...lists.flat()].filter((u) => u.id !== unit.id)),
      setError,
    );
  }, [q]);
  async function move() {
    if (!target) return;
    setError(null);
    setDone(null);
    try {
      await api.request('PATCH', `/units/${unit.id}`, { body: { parent_id: target.id } });
      setDone(`Đã chuyển ${unit.name} về trực thuộc ${target.name}.`);
      setTarget(null);
      onMoved();
    } catch (err) {
      setError(err);
    }
  }
  const moveError = fieldErrorsOf(error).parent_id ?? (error ? messageOf(error) : null);
  return (
    <section class="card" aria-labelledby="move-title">
      <h2 id="move-title">Chuyển đơn vị</h2>
      <p class="muted">
        Chuyển {unit.name} cùng toàn bộ đơn vị trực thuộc về một đơn vị cấp trên khác trong phạm vi của bạn. Hiện trực thuộc:{' '}
        {unit.ancestors.at(-1)?.name ?? '(cấp cao nhất)'}.
      </p>
      <SearchBox id="move-search" label="Tìm đơn vị cấp trên mới" value={q} onSearch={setQ} />
      {found.length > 0 && (
        <ul class="org-tree" aria-label="Đơn vị cấp trên có thể chọn">
          {found.slice(0, 10).map((u) => (
            <li key={u.id} class="org-tree__row">
              <label class="checkbox">
                <input type="radio" name="move-target" checked={target?.id === u.id} onChange={() => setTarget(u)} /> {u.name}{' '}
                <span class="org-tree__meta">({u.code})</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      <div class="people-actions">
        <button type="button" class="button button--primary" disabled={!target} onClick={() => void move()}>
          {target ? `Chuyển về ${target.name}` : 'Chọn đơn vị cấp trên'}
        </button>
      </div>
      {moveError && (
        <p class="message message--error" role="alert" data-testid="move-error">
          {moveError}
        </p>
      )}
      {done && (
        <p class="message message--notice" role="status">
          {done}
        </p>
      )}
    </section>
  );
}

function AddChild({ parent }: { parent: Unit }) {
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [count, setCount] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = fieldErrorsOf(error);
  async function create(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { parent_id: parent.id, name: name.trim(), code: code.trim() };
      if (count.trim()) body.member_count = Number(count);
      const created = await api.request<Unit>('POST', '/units', { body });
      navigate(consolePath('don-vi', created.id));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" aria-labelledby="add-title">
      <h2 id="add-title">Thêm đơn vị trực thuộc</h2>
      <form class="people-form" onSubmit={create} aria-label="Thêm đơn vị trực thuộc">
        <div class="field">
          <label for="child-name">Tên đơn vị</label>
          <input id="child-name" type="text" value={name} maxLength={200} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          {fields.name && <p class="field-error">{fields.name}</p>}
        </div>
        <div class="field">
          <label for="child-code">Mã đơn vị</label>
          <input id="child-code" type="text" value={code} maxLength={50} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
          {fields.code && <p class="field-error">{fields.code}</p>}
        </div>
        <div class="field">
          <label for="child-count">
            Số đoàn viên <span class="optional">(không bắt buộc)</span>
          </label>
          <input id="child-count" type="number" min={0} value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
          {fields.member_count && <p class="field-error">{fields.member_count}</p>}
        </div>
        <div>
          <button type="submit" class="button button--primary" disabled={busy || !name.trim() || !code.trim()}>
            {busy ? 'Đang tạo…' : 'Tạo đơn vị'}
          </button>
        </div>
      </form>
      {error && !Object.keys(fields).length ? <ProblemMessage error={error} /> : null}
    </section>
  );
}

function Children({ unit }: { unit: Unit }) {
  const [kids, setKids] = useState<Unit[] | null>(null);
  useEffect(() => {
    api.request<{ items: Unit[] }>('GET', '/units', { query: { parent_id: unit.id, limit: 200 } }).then((p) => setKids(p.items), () => setKids([]));
  }, [unit.id]);
  if (!kids || kids.length === 0) return null;
  return (
    <section class="card" aria-labelledby="children-title">
      <h2 id="children-title">Đơn vị trực thuộc ({formatCount(kids.length)})</h2>
      <ul class="org-tree">
        {kids.map((k) => (
          <li key={k.id} class="org-tree__row">
            <a class="org-tree__name" href={consolePath('don-vi', k.id)} onClick={linkClick(consolePath('don-vi', k.id))}>
              {k.name}
            </a>
            <span class="org-tree__meta">
              {k.code} · {memberCountText(k)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

const LIMIT = 20;

function Members({ unit }: { unit: Unit }) {
  const qs = useQueryState();
  const q = qs.get('q');
  const offset = qs.getNumber('offset', 0);
  const [page, setPage] = useState<{ items: Member[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    setLoading(true);
    api
      .request<{ items: Member[]; total: number }>('GET', `/units/${unit.id}/members`, { query: { q, offset, limit: LIMIT } })
      .then(setPage, setError)
      .finally(() => setLoading(false));
  }, [unit.id, q, offset]);
  return (
    <section class="card" aria-labelledby="members-title">
      <h2 id="members-title">Đoàn viên{page ? ` (${formatCount(page.total)})` : ''}</h2>
      <SearchBox id="member-search" label="Tìm theo họ tên hoặc số điện thoại" value={q} onSearch={(v) => qs.set({ q: v, offset: null })} />
      <ProblemMessage error={error} />
      <DataTable<Member>
        caption="Đoàn viên của đơn vị"
        loading={loading}
        rows={page?.items ?? []}
        rowKey={(m) => m.id}
        empty={q ? `Không có đoàn viên nào khớp «${q}».` : 'Đơn vị chưa có đoàn viên nào đăng ký.'}
        onRowClick={(m) => navigate(consolePath('doan-vien', m.id))}
        columns={[
          {
            key: 'name',
            label: 'Họ tên',
            render: (m) => (
              <a href={consolePath('doan-vien', m.id)} onClick={linkClick(consolePath('doan-vien', m.id))}>
                {m.full_name}
              </a>
            ),
          },
          { key: 'phone', label: 'Số điện thoại', render: (m) => m.phone },
          { key: 'admitted', label: 'Ngày kết nạp', render: (m) => formatDate(m.admitted_at) || '—' },
          { key: 'status', label: 'Trạng thái', render: (m) => <AccountState disabled={m.disabled} /> },
        ]}
      />
      {page && <Pager offset={offset} limit={LIMIT} total={page.total} noun="đoàn viên" onOffset={(o) => qs.set({ offset: o || null })} />}
    </section>
  );
}

function Managers({ unit }: { unit: Unit }) {
  const [list, setList] = useState<Manager[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.request<Manager[]>('GET', `/units/${unit.id}/managers`).then(setList, setError);
  }, [unit.id]);
  return (
    <section class="card" aria-labelledby="managers-title">
      <h2 id="managers-title">Người quản lý</h2>
      <ProblemMessage error={error} />
      {list && list.length === 0 && <p class="muted">Chưa giao vai trò Ban Tổ chức hay Quản trị đơn vị cho ai ở đơn vị này.</p>}
      {list && list.length > 0 && (
        <ul class="role-list">
          {grouped(list).map((m) => (
            <li key={`${m.user_id}-${m.unit.id}`}>
              <a href={consolePath('doan-vien', m.user_id)} onClick={linkClick(consolePath('doan-vien', m.user_id))}>
                {m.full_name}
              </a>
              <span>
                {m.roles.map((r) => ROLE_NAMES[r]).join(', ')}
                {m.inherited && <span class="muted"> (của {m.unit.name})</span>}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** One line per person and unit, with all their roles there. */
function grouped(list: Manager[]): Array<Manager & { roles: Manager['role'][] }> {
  const out: Array<Manager & { roles: Manager['role'][] }> = [];
  for (const m of list) {
    const same = out.find((o) => o.user_id === m.user_id && o.unit.id === m.unit.id);
    if (same) same.roles.push(m.role);
    else out.push({ ...m, roles: [m.role] });
  }
  return out;
}

function ParticipationCard({ unit }: { unit: Unit }) {
  const to = vietnamToday();
  const from = new Date(Date.parse(to) - 89 * 86400_000).toISOString().slice(0, 10);
  const [report, setReport] = useState<Participation | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.request<Participation>('GET', `/units/${unit.id}/participation`, { query: { from, to } }).then(setReport, setError);
  }, [unit.id]);
  return (
    <section class="card" aria-labelledby="participation-title">
      <h2 id="participation-title">Tham gia cuộc thi 90 ngày gần đây</h2>
      <p class="muted">
        Từ {formatDate(from)} đến {formatDate(to)}: số người đã dự thi trên số đoàn viên khai báo.
      </p>
      <ProblemMessage error={error} />
      {report && (
        <>
          <p>
            <strong>Toàn đơn vị: {formatRate(report.total.participants, report.total.members ?? 0)}</strong> ({formatCount(report.total.attempts)} lượt thi)
          </p>
          {report.items.length > 0 && (
            <DataTable
              caption="Tỷ lệ tham gia theo đơn vị trực thuộc"
              rows={report.items}
              rowKey={(l) => l.unit_id}
              columns={[
                { key: 'name', label: 'Đơn vị', render: (l) => l.name },
                { key: 'rate', label: 'Tỷ lệ tham gia', render: (l) => formatRate(l.participants, l.members ?? 0) },
                { key: 'attempts', label: 'Lượt thi', numeric: true, render: (l) => formatCount(l.attempts) },
              ]}
            />
          )}
        </>
      )}
    </section>
  );
}

const ROUNDS_PER_PAGE = 10;

/** Per recent round its members could enter: entrants of the subtree against its member count. */
function RoundsCard({ unit }: { unit: Unit }) {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<RoundsPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .request<RoundsPage>('GET', `/units/${unit.id}/participation/contests`, { query: { offset, limit: ROUNDS_PER_PAGE } })
      .then(setPage, setError);
  }, [unit.id, offset]);
  const score = (v: number | null | undefined, shown: boolean) => (!shown ? 'Ẩn' : v == null ? '–' : v.toLocaleString('vi-VN'));
  return (
    <section class="card" aria-labelledby="rounds-title">
      <h2 id="rounds-title">Tham gia các vòng thi gần đây</h2>
      <p class="muted">Số người của đơn vị (cả đơn vị trực thuộc) đã nộp bài trên số đoàn viên khai báo; giờ Việt Nam.</p>
      <ProblemMessage error={error} />
      {page && page.items.length === 0 && <p class="muted">Chưa có vòng thi nào đơn vị được tham gia.</p>}
      {page && page.items.length > 0 && (
        <>
          <DataTable
            caption="Tham gia theo vòng thi"
            rows={page.items}
            rowKey={(r) => r.round_id}
            columns={[
              { key: 'round', label: 'Cuộc thi / Vòng thi', render: (r) => `${r.contest_title} / ${r.round_name}` },
              { key: 'time', label: 'Thời gian', render: (r) => `${formatVietnam(r.opens_at)} – ${formatVietnam(r.closes_at)}` },
              { key: 'entrants', label: 'Tham gia', numeric: true, render: (r) => formatCount(r.entrants) },
              { key: 'rate', label: 'Tỉ lệ', render: (r) => (r.members ? <span class="nowrap">{formatRate(r.entrants, r.members)}</span> : 'Chưa khai báo số đoàn viên') },
              { key: 'attempts', label: 'Lượt thi', numeric: true, render: (r) => formatCount(r.attempts) },
              { key: 'avg', label: 'Điểm trung bình', numeric: true, render: (r) => score(r.average_score, r.scores_shown) },
              { key: 'best', label: 'Điểm cao nhất', numeric: true, render: (r) => score(r.best_score, r.scores_shown) },
            ]}
          />
          <Pager offset={offset} limit={ROUNDS_PER_PAGE} total={page.total} onOffset={setOffset} noun="vòng thi" />
        </>
      )}
    </section>
  );
}

function CoverageCard({ unit }: { unit: Unit }) {
  const [coverage, setCoverage] = useState<Coverage | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.request<Coverage>('GET', `/units/${unit.id}/theory-coverage`).then(setCoverage, setError);
  }, [unit.id]);
  const href = consolePath('ly-luan', { unit: unit.id });
  return (
    <section class="card" aria-labelledby="coverage-title">
      <h2 id="coverage-title">Học lý luận chính trị (đoàn viên mới)</h2>
      {error ? <p class="muted">Chưa có chương trình học lý luận đang áp dụng.</p> : null}
      {coverage && (
        <p>
          Đoàn viên mới đã đạt: <strong>{formatRate(coverage.summary.passed, coverage.summary.total)}</strong> ({coverage.course.title})
        </p>
      )}
      <a href={href} onClick={linkClick(href)}>
        Xem kết quả học tập của đơn vị ›
      </a>
    </section>
  );
}
