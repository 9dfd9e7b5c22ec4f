import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { Unit, UnitWithAncestors } from '../../api/types';
import type { Scope } from '../scope';

/**
 * Which unit a report is about: the managed units to choose from (a system admin without a
 * unit of their own chooses among the top-level units), and the path down to the unit shown,
 * each step inside the scope clickable (drill-down goes down by the report's own lines).
 * Used by the theory and report pages; the unit is kept in the address (`?unit=`).
 */
export function UnitChooser({ scope, unitId, onChange }: { scope: Scope; unitId: string; onChange: (id: string) => void }) {
  const [roots, setRoots] = useState<Array<Pick<Unit, 'id' | 'name'>>>(scope.units);
  const [current, setCurrent] = useState<UnitWithAncestors | null>(null);

  useEffect(() => {
    if (scope.units.length > 0 || !scope.isAdmin) return;
    const c = new AbortController();
    api
      .units({ limit: 200 }, c.signal)
      .then((p) => setRoots(p.items))
      .catch(() => undefined);
    return () => c.abort();
  }, []);

  useEffect(() => {
    if (!unitId) return;
    const c = new AbortController();
    api
      .unit(unitId, c.signal)
      .then(setCurrent)
      .catch(() => setCurrent(null));
    return () => c.abort();
  }, [unitId]);

  // Steps of the path the person may open: from their own root down (an admin: from the top).
  const steps = current ? [...current.ancestors, { id: current.id, name: current.name }] : [];
  const rootIndex = scope.isAdmin ? 0 : steps.findIndex((s) => scope.units.some((u) => u.id === s.id));
  const shown = rootIndex >= 0 ? steps.slice(rootIndex) : steps.slice(-1);
  const rootOfCurrent = shown[0]?.id ?? unitId;

  return (
    <div class="unit-chooser">
      {(roots.length > 1 || !unitId) && roots.length > 0 && (
        <div class="field">
          <label for="unit-chooser">Đơn vị</label>
          <select id="unit-chooser" value={roots.some((r) => r.id === rootOfCurrent) ? rootOfCurrent : ''} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
            {!roots.some((r) => r.id === rootOfCurrent) && <option value="">— Chọn đơn vị —</option>}
            {roots.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {shown.length > 0 && (
        <nav aria-label="Đơn vị đang xem" class="unit-path">
          <ol>
            {shown.map((s, i) => (
              <li key={s.id}>
                {i < shown.length - 1 ? (
                  <button type="button" class="linklike" onClick={() => onChange(s.id)}>
                    {s.name}
                  </button>
                ) : (
                  <strong aria-current="page">{s.name}</strong>
                )}
              </li>
            ))}
          </ol>
        </nav>
      )}
    </div>
  );
}

/** The unit to show first: the one in the address, else the person's first managed unit. */
export function defaultUnit(scope: Scope, fromQuery: string): string {
  return fromQuery || scope.units[0]?.id || '';
}

/** Links of a section's own pages, as a row of tabs (they are addresses, so Back works). */
export function SubNav({ items, current, onPick }: { items: Array<{ key: string; label: string; href: string }>; current: string; onPick: (key: string) => void }) {
  return (
    <nav class="subnav" aria-label="Trang trong mục này">
      {items.map((t) => (
        <a
          key={t.key}
          href={t.href}
          class={`subnav__item${t.key === current ? ' subnav__item--on' : ''}`}
          aria-current={t.key === current ? 'page' : undefined}
          onClick={(e) => {
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
            e.preventDefault();
            onPick(t.key);
          }}
        >
          {t.label}
        </a>
      ))}
    </nav>
  );
}
