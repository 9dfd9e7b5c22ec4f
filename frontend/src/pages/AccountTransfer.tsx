import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { errorsForForm } from '../api/problem';
import type { components } from '../api/schema';
import type { ListedUnit, Me } from '../api/types';
import { FieldShell, focusFirstError, FormMessage, describedBy } from '../components/Field';
import { UnitPicker } from '../components/UnitPicker';

// Chuyển đơn vị, on the member's account page: a member who moved (school, workplace,
// residence) asks to join another unit; the receiving unit's officers decide. One request may
// wait at a time; the member can withdraw it, and reads past decisions with their notes.

type Transfer = components['schemas']['UnitTransfer'];
type TransferPage = components['schemas']['UnitTransferPage'];

const FIELDS = ['to_unit_id', 'reason'] as const;
const REASON_HINT = 'Ví dụ: chuyển trường, chuyển nơi làm việc, chuyển nơi cư trú.';
type Errors = Partial<Record<(typeof FIELDS)[number], string>>;

const STATUS_TEXT: Record<Transfer['status'], string> = {
  pending: 'Đang chờ duyệt',
  approved: 'Đã duyệt',
  rejected: 'Bị từ chối',
  cancelled: 'Đã hủy',
};

/** dd/mm/yyyy in Vietnam time. */
function day(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(iso));
}

export function TransferSection({ me, onMoved }: { me: Me; onMoved: () => void }) {
  const [list, setList] = useState<Transfer[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    api.request<TransferPage>('GET', '/me/unit-transfers').then(
      (page) => {
        setList(page.items);
        // Approved since the account was loaded: the unit shown above is out of date.
        const latest = page.items[0];
        if (latest?.status === 'approved' && latest.to_unit.id !== me.unit_id) onMoved();
      },
      (err: unknown) => setFailed(err instanceof ApiError ? err.message : 'Không tải được đề nghị chuyển đơn vị.'),
    );
  }, [version]);
  const pending = list?.find((t) => t.status === 'pending') ?? null;
  const past = list?.filter((t) => t.status !== 'pending') ?? [];
  return (
    <section class="card" aria-labelledby="transfer-title" data-testid="account-transfer">
      <h2 id="transfer-title">Chuyển đơn vị</h2>
      <p class="muted">
        Khi chuyển trường, nơi làm việc hoặc nơi cư trú, bạn gửi đề nghị chuyển sang đơn vị mới. Đơn vị nhận sẽ duyệt; kết quả thi trước đây vẫn tính
        cho đơn vị cũ.
      </p>
      {failed && <FormMessage kind="error">{failed}</FormMessage>}
      {!list && !failed && <p class="muted">Đang tải…</p>}
      {list && pending && <PendingTransfer transfer={pending} onCancelled={() => setVersion((v) => v + 1)} />}
      {list && !pending && <TransferForm me={me} onSent={() => setVersion((v) => v + 1)} />}
      {past.length > 0 && (
        <>
          <h3>Đề nghị trước đây</h3>
          <ul class="transfer-history">
            {past.map((t) => (
              <li key={t.id} data-testid="transfer-past">
                <strong>{STATUS_TEXT[t.status]}</strong>: chuyển sang {t.to_unit.name} (gửi ngày {day(t.created_at)}
                {t.decided_at ? `, ${t.status === 'cancelled' ? 'hủy' : 'xử lý'} ngày ${day(t.decided_at)}` : ''})
                {t.decision_note && <p class="transfer-note">Ghi chú của đơn vị: {t.decision_note}</p>}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function PendingTransfer({ transfer, onCancelled }: { transfer: Transfer; onCancelled: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function cancel() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await api.request('POST', `/me/unit-transfers/${transfer.id}/cancel`, { body: {} });
      onCancelled();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Không hủy được đề nghị. Vui lòng thử lại.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="transfer-pending" data-testid="transfer-pending">
      <p>
        <strong>Đang chờ duyệt:</strong> chuyển từ {transfer.from_unit.name} sang <strong>{transfer.to_unit.name}</strong>
        {transfer.to_unit.path.length > 0 && <span class="unit-path"> (thuộc {transfer.to_unit.path.join(' › ')})</span>}, gửi ngày{' '}
        {day(transfer.created_at)}.
      </p>
      {transfer.reason && <p class="muted">Lý do: {transfer.reason}</p>}
      {error && <FormMessage kind="error">{error}</FormMessage>}
      <button type="button" class="button" onClick={() => void cancel()} disabled={busy} aria-busy={busy}>
        {busy ? 'Đang hủy…' : 'Hủy đề nghị'}
      </button>
    </div>
  );
}

function TransferForm({ me, onSent }: { me: Me; onSent: () => void }) {
  const [unit, setUnit] = useState<ListedUnit | null>(null);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function onSubmit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setGeneral(null);
    const mine: Errors = {};
    if (!unit) mine.to_unit_id = 'Vui lòng chọn đơn vị muốn chuyển đến.';
    else if (unit.id === me.unit_id) mine.to_unit_id = 'Bạn đang sinh hoạt ở đơn vị này; hãy chọn đơn vị khác.';
    if (Object.keys(mine).length || !unit) {
      setErrors(mine);
      focusFirstError(FIELDS, mine);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await api.request('POST', '/me/unit-transfers', { body: { to_unit_id: unit.id, reason: reason.trim() || null } });
      onSent();
    } catch (err) {
      const { fields, general: message } = errorsForForm(err, FIELDS);
      setErrors(fields as Errors);
      setGeneral(message);
      focusFirstError(FIELDS, fields);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Đề nghị chuyển đơn vị">
      <p>
        Đơn vị hiện tại: <strong>{me.unit.name}</strong>
      </p>
      <UnitPicker id="to_unit_id" label="Đơn vị muốn chuyển đến" value={unit} onChange={(u) => (setUnit(u), setErrors({}))} error={errors.to_unit_id} />
      <FieldShell id="reason" label="Lý do" optional error={errors.reason} hint={REASON_HINT}>
        <textarea
          id="reason"
          name="reason"
          class="transfer-reason"
          rows={3}
          maxLength={500}
          value={reason}
          onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)}
          aria-invalid={errors.reason ? true : undefined}
          aria-describedby={describedBy('reason', errors.reason, REASON_HINT)}
        />
      </FieldShell>
      {general && <FormMessage kind="error">{general}</FormMessage>}
      <button type="submit" class="button button--primary" disabled={busy} aria-busy={busy}>
        {busy ? 'Đang gửi…' : 'Gửi đề nghị chuyển đơn vị'}
      </button>
    </form>
  );
}
