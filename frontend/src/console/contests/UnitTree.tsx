import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { UnitList, UnitRow } from './model';

interface UnitTreeProps {
  root: { id: string; name: string };
  /** The controls beside each unit (the root included). */
  actions: (unit: { id: string; name: string }, depth: number) => ComponentChildren;
}

/**
 * The unit tree under `root`, opened one level at a time (a bloc has thousands of Chi đoàn;
 * loading them all at once would be slow on a phone). Each row carries the caller's controls.
 */
export function UnitTree({ root, actions }: UnitTreeProps) {
  return (
    <ul class="unit-tree" role="tree" aria-label="Cây đơn vị">
      <Node unit={root} depth={0} actions={actions} startOpen />
    </ul>
  );
}

function Node({ unit, depth, actions, startOpen = false }: { unit: { id: string; name: string }; depth: number; actions: UnitTreeProps['actions']; startOpen?: boolean }) {
  const [open, setOpen] = useState(startOpen);
  const [children, setChildren] = useState<UnitRow[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!open || children) return;
    const controller = new AbortController();
    api
      .request<UnitList>('GET', '/units', { query: { parent_id: unit.id, limit: 200 }, signal: controller.signal })
      .then((d) => setChildren(d.items))
      .catch(() => controller.signal.aborted || setFailed(true));
    return () => controller.abort();
  }, [open]);
  return (
    <li role="treeitem" aria-expanded={open ? 'true' : 'false'} class="unit-tree__node">
      <div class="unit-tree__row" style={{ paddingLeft: `${depth * 16}px` }}>
        <button type="button" class="unit-tree__toggle" aria-label={`${open ? 'Thu gọn' : 'Mở'} ${unit.name}`} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'}
        </button>
        <span class="unit-tree__name">{unit.name}</span>
        <span class="unit-tree__actions">{actions(unit, depth)}</span>
      </div>
      {open && (
        <ul role="group">
          {failed && <li class="muted">Không tải được các đơn vị trực thuộc.</li>}
          {!failed && !children && <li class="muted unit-tree__loading">Đang tải…</li>}
          {children && children.length === 0 && depth === 0 && <li class="muted unit-tree__loading">Không có đơn vị trực thuộc.</li>}
          {children?.map((c) => <Node key={c.id} unit={c} depth={depth + 1} actions={actions} />)}
        </ul>
      )}
    </li>
  );
}
