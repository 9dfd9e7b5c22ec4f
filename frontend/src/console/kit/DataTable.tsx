import type { ComponentChildren } from 'preact';

export interface Column<Row> {
  /** Stable key; also the server's `sort` value when `sortable`. */
  key: string;
  label: string;
  render: (row: Row) => ComponentChildren;
  sortable?: boolean;
  /** Right-aligned numbers. */
  numeric?: boolean;
  /** Hidden in the stacked (phone) layout when it would only repeat the title. */
  hideOnPhone?: boolean;
}

export interface Sort {
  key: string;
  dir: 'asc' | 'desc';
}

interface DataTableProps<Row> {
  caption: string;
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row) => string;
  sort?: Sort | null;
  onSort?: (sort: Sort) => void;
  loading?: boolean;
  empty?: ComponentChildren;
  onRowClick?: (row: Row) => void;
}

/**
 * A table whose sorting is the server's (the header buttons ask for a new page); on a phone
 * each row becomes a card with the column names beside the values (CSS, `data-label`).
 */
export function DataTable<Row>({ caption, columns, rows, rowKey, sort, onSort, loading, empty, onRowClick }: DataTableProps<Row>) {
  return (
    <div class={`table-wrap${loading ? ' table-wrap--loading' : ''}`} aria-busy={loading ? 'true' : undefined}>
      <table class="data-table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const on = sort?.key === c.key;
              const aria = on ? (sort!.dir === 'asc' ? 'ascending' : 'descending') : c.sortable ? 'none' : undefined;
              return (
                <th key={c.key} scope="col" aria-sort={aria} class={c.numeric ? 'num' : undefined}>
                  {c.sortable && onSort ? (
                    <button
                      type="button"
                      class="th-sort"
                      onClick={() => onSort({ key: c.key, dir: on && sort!.dir === 'asc' ? 'desc' : 'asc' })}
                    >
                      {c.label}
                      <span aria-hidden="true" class="th-sort__arrow">
                        {on ? (sort!.dir === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && !loading && (
            <tr>
              <td colSpan={columns.length} class="data-table__empty">
                {empty ?? 'Không có dữ liệu.'}
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr
              key={rowKey(row)}
              class={onRowClick ? 'data-table__row--link' : undefined}
              onClick={onRowClick ? (e) => clickRow(e, () => onRowClick(row)) : undefined}
            >
              {columns.map((c) => (
                <td key={c.key} data-label={c.label} class={`${c.numeric ? 'num' : ''}${c.hideOnPhone ? ' hide-phone' : ''}`}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A click on a row opens it, unless the click was on a control inside the row. */
function clickRow(e: MouseEvent, open: () => void) {
  const target = e.target as HTMLElement | null;
  if (target?.closest('a, button, input, select, textarea, label')) return;
  open();
}
