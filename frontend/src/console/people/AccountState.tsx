import type { components } from '../../api/schema';

type Disabled = components['schemas']['DisabledState'];

/** An account's state in a list of people: "Đã khoá" with the reason, or "Đang hoạt động". */
export function AccountState({ disabled }: { disabled?: Disabled | null }) {
  if (!disabled) return <>Đang hoạt động</>;
  return (
    <span title={`Lý do: ${disabled.reason}`}>
      <span class="status status--danger">Đã khoá</span> <span class="muted">{disabled.reason}</span>
    </span>
  );
}
