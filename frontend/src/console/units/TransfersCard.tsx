import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import type { Unit } from '../../api/types';
import { ConfirmDialog } from '../kit/ConfirmDialog';
import { DataTable } from '../kit/DataTable';
import { formatCount } from '../kit/fold';
import { Pager } from '../kit/Pager';
import { messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { formatVietnam } from '../kit/vnTime';

// Đề nghị chuyển đơn vị: members moving into or out of this unit's subtree. The receiving side
// decides (`can_decide`); the sending side only sees the request. A rejection needs a reason,
// which the member reads on their account page.

type Transfer = components['schemas']['UnitTransfer'];
type TransferPage = components['schemas']['UnitTransferPage'];
type Status = components['schemas']['UnitTransferStatus'];

export const TRANSFER_STATUS: Record<Status, string> = {
  pending: 'Chờ duyệt',
  approved: 'Đã duyệt',
  rejected: 'Từ chối',
  cancelled: 'Đã hủy',
};

const PER_PAGE = 20;

/** "Đoàn cơ sở B › Chi đoàn 1": a unit under the names above it. */
function unitText(u: Transfer['to_unit']): string {
  return [...u.path.slice(-1), u.name].join(' › ');
}

export function TransfersCard({ unit }: { unit: Unit }) {
  const [status, setStatus] = useState<Status | 'all'>('pending');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<TransferPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [deciding, setDeciding] = useState<{ transfer: Transfer; verb: 'approve' | 'reject' } | null>(null);
  const [busy, setBusy] = useState(false);
  const [decideError, setDecideError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    setError(null);
    api
      .request<TransferPage>('GET', `/units/${unit.id}/unit-transfers`, {
        query: { status: status === 'all' ? undefined : status, offset, limit: PER_PAGE },
      })
      .then(setPage, setError);
  }, [unit.id, status, offset, version]);

  async function decide(note: string) {
    if (!deciding) return;
    const { transfer, verb } = deciding;
    setBusy(true);
    setDecideError(null);
    try {
      await api.request('POST', `/unit-transfers/${transfer.id}/${verb}`, { body: note ? { note } : {} });
      setDone(
        verb === 'approve'
          ? `Đã duyệt: ${transfer.full_name} chuyển sang ${transfer.to_unit.name}.`
          : `Đã từ chối đề nghị của ${transfer.full_name}.`,
      );
      setDeciding(null);
      setVersion((v) => v + 1);
    } catch (err) {
      setDecideError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="transfers-title" data-testid="unit-transfers">
      <h2 id="transfers-title">Đề nghị chuyển đơn vị{page && status === 'pending' ? ` (${formatCount(page.total)} chờ duyệt)` : ''}</h2>
      <p class="muted">
        Đoàn viên xin chuyển đến hoặc chuyển đi khỏi đơn vị (cả đơn vị trực thuộc). Đơn vị nhận đoàn viên duyệt đề nghị; khi từ chối cần ghi lý
        do. Kết quả thi trước khi chuyển vẫn tính cho đơn vị cũ.
      </p>
      <div class="field">
        <label for="transfer-status">Trạng thái</label>
        <select
          id="transfer-status"
          value={status}
          onChange={(e) => {
            setStatus((e.target as HTMLSelectElement).value as Status | 'all');
            setOffset(0);
          }}
        >
          <option value="pending">Chờ duyệt</option>
          <option value="approved">Đã duyệt</option>
          <option value="rejected">Từ chối</option>
          <option value="cancelled">Đã hủy</option>
          <option value="all">Tất cả</option>
        </select>
      </div>
      <ProblemMessage error={error} />
      {done && (
        <p class="message message--notice" role="status">
          {done}
        </p>
      )}
      <DataTable<Transfer>
        caption="Đề nghị chuyển đơn vị"
        rows={page?.items ?? []}
        loading={!page && !error}
        rowKey={(t) => t.id}
        empty={status === 'pending' ? 'Không có đề nghị nào chờ duyệt.' : 'Không có đề nghị nào.'}
        columns={[
          {
            key: 'who',
            label: 'Đoàn viên',
            render: (t) => (
              <>
                {t.full_name}
                {t.phone && <span class="org-tree__meta"> · {t.phone}</span>}
              </>
            ),
          },
          { key: 'from', label: 'Từ đơn vị', render: (t) => unitText(t.from_unit) },
          { key: 'to', label: 'Đến đơn vị', render: (t) => unitText(t.to_unit) },
          { key: 'reason', label: 'Lý do', hideOnPhone: true, render: (t) => t.reason ?? '—' },
          { key: 'at', label: 'Ngày gửi', hideOnPhone: true, render: (t) => formatVietnam(t.created_at) },
          {
            key: 'status',
            label: 'Trạng thái',
            render: (t) =>
              t.can_decide ? (
                <span class="people-actions">
                  <button type="button" class="button button--small button--primary" onClick={() => (setDecideError(null), setDeciding({ transfer: t, verb: 'approve' }))}>
                    Duyệt
                  </button>
                  <button type="button" class="button button--small button--ghost" onClick={() => (setDecideError(null), setDeciding({ transfer: t, verb: 'reject' }))}>
                    Từ chối
                  </button>
                </span>
              ) : (
                <>
                  {TRANSFER_STATUS[t.status]}
                  {t.status === 'pending' && <span class="muted"> (đơn vị nhận duyệt)</span>}
                  {t.decision_note && <span class="muted"> — {t.decision_note}</span>}
                </>
              ),
          },
        ]}
      />
      {page && <Pager offset={offset} limit={PER_PAGE} total={page.total} noun="đề nghị" onOffset={setOffset} />}
      {deciding && (
        <ConfirmDialog
          title={deciding.verb === 'approve' ? 'Duyệt chuyển đơn vị' : 'Từ chối đề nghị chuyển đơn vị'}
          body={
            deciding.verb === 'approve'
              ? `${deciding.transfer.full_name} sẽ chuyển từ ${deciding.transfer.from_unit.name} sang ${deciding.transfer.to_unit.name}. Các lượt thi từ nay tính cho đơn vị mới.`
              : `${deciding.transfer.full_name} vẫn ở ${deciding.transfer.from_unit.name}. Đoàn viên sẽ đọc được lý do từ chối.`
          }
          confirmLabel={deciding.verb === 'approve' ? 'Duyệt' : 'Từ chối'}
          reasonLabel={deciding.verb === 'reject' ? 'Lý do từ chối' : undefined}
          danger={deciding.verb === 'reject'}
          busy={busy}
          error={decideError}
          onConfirm={(note) => void decide(note)}
          onCancel={() => setDeciding(null)}
        />
      )}
    </section>
  );
}
