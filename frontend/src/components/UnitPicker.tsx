import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import { api, ApiError } from '../api';
import type { ListedUnit } from '../api/types';
import { describedBy, FieldShell } from './Field';
import './UnitPicker.css';

interface UnitPickerProps {
  id: string;
  label: string;
  value: ListedUnit | null;
  onChange: (unit: ListedUnit | null) => void;
  error?: string | undefined;
}

const MIN_CHARS = 2;
const DEBOUNCE_MS = 300;
const LIMIT = 20;
/** Children shown per page while browsing the tree. */
const BROWSE_LIMIT = 50;

/**
 * Moves focus to an element of the next render, in that render's commit. A `setTimeout` after
 * the state change let the focus land a moment later, after the user (or a test) had already
 * moved on to another field, and what they typed there went into this one.
 */
function useFocusAfterRender(): (target: RefObject<HTMLElement | null>) => void {
  const pending = useRef<RefObject<HTMLElement | null> | null>(null);
  useLayoutEffect(() => {
    const target = pending.current;
    pending.current = null;
    target?.current?.focus();
  });
  return (target) => {
    pending.current = target;
  };
}

/** "Tỉnh đoàn A › Đoàn cơ sở B": the units above, root first. */
export function unitPath(unit: ListedUnit): string {
  return unit.path.join(' › ');
}

/**
 * Picks the member's unit, two ways: by typing part of its name (the server ignores
 * diacritics: "chi doan" finds "Chi đoàn …"; an ARIA combobox with a listbox), or step by step
 * from the top of the tree, as national sites do. Every unit shows the units above it, so two
 * "Chi đoàn 1" of different branches can be told apart.
 */
export function UnitPicker({ id, label, value, onChange, error }: UnitPickerProps) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<ListedUnit[]>([]);
  const [total, setTotal] = useState(0);
  const [status, setStatus] = useState<'idle' | 'loading' | 'done' | 'error'>('idle');
  const [searchError, setSearchError] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [browsing, setBrowsing] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const changeRef = useRef<HTMLButtonElement>(null);
  const focusAfterRender = useFocusAfterRender();

  useEffect(() => {
    const q = query.trim();
    if (q.length < MIN_CHARS) {
      setResults([]);
      setStatus('idle');
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setStatus('loading');
      api
        .units({ q, limit: LIMIT }, controller.signal)
        .then((page) => {
          setResults(page.items ?? []);
          setTotal(page.total ?? page.items?.length ?? 0);
          setActive(-1);
          setStatus('done');
          setOpen(true);
        })
        .catch((err: unknown) => {
          if (controller.signal.aborted) return;
          setResults([]);
          setSearchError(err instanceof ApiError ? err.message : 'Không tìm được đơn vị.');
          setStatus('error');
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);

  // When suggestions appear, bring the input to the top of the screen so the
  // list is visible above a phone's on-screen keyboard.
  const listShown = open && status === 'done' && results.length > 0;
  useEffect(() => {
    if (listShown) inputRef.current?.closest('.field')?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [listShown]);

  function choose(unit: ListedUnit) {
    onChange(unit);
    setOpen(false);
    setBrowsing(false);
    setQuery('');
    setResults([]);
    focusAfterRender(changeRef);
  }

  function clear() {
    onChange(null);
    focusAfterRender(inputRef);
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'ArrowDown' && results.length) {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (a + 1) % results.length);
    } else if (e.key === 'ArrowUp' && results.length) {
      e.preventDefault();
      setActive((a) => (a <= 0 ? results.length - 1 : a - 1));
    } else if (e.key === 'Enter') {
      if (open && active >= 0 && results[active]) {
        e.preventDefault();
        choose(results[active]);
      } else if (open && results.length > 0) {
        e.preventDefault(); // don't submit the form while choosing
      }
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  }

  const listId = `${id}-listbox`;
  const statusId = `${id}-status`;
  const hint = 'Gõ tên chi đoàn, có thể gõ không dấu (ví dụ: chi doan), hoặc chọn lần lượt từ cấp trên.';

  if (value) {
    const path = unitPath(value);
    return (
      <FieldShell id={id} label={label} error={error}>
        <div class="unit-selected">
          <span class="unit-selected__text">
            <span class="unit-selected__name">{value.name}</span>
            {path && <span class="unit-path">Thuộc: {path}</span>}
          </span>
          <button
            type="button"
            id={id}
            ref={changeRef}
            class="button button--small button--ghost"
            onClick={clear}
            aria-label={`Đổi đơn vị (đang chọn: ${value.name}${path ? `, thuộc ${path}` : ''})`}
            aria-describedby={describedBy(id, error)}
          >
            Đổi
          </button>
        </div>
      </FieldShell>
    );
  }

  const showList = listShown;
  let statusText = '';
  if (status === 'loading') statusText = 'Đang tìm…';
  else if (status === 'error') statusText = searchError;
  else if (status === 'done' && results.length === 0) statusText = 'Không tìm thấy đơn vị phù hợp.';
  else if (status === 'done' && total > results.length)
    statusText = `Có ${total} kết quả, đang hiện ${results.length}. Gõ thêm để thu hẹp.`;

  return (
    <FieldShell id={id} label={label} error={error} hint={hint}>
      <div class="combobox">
        <input
          id={id}
          ref={inputRef}
          type="text"
          role="combobox"
          autoComplete="off"
          autoCapitalize="off"
          spellcheck={false}
          value={query}
          placeholder="Tìm đơn vị…"
          onInput={(e) => {
            setQuery((e.currentTarget as HTMLInputElement).value);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
          onFocus={() => setOpen(true)}
          aria-expanded={showList}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={showList && active >= 0 ? `${id}-opt-${active}` : undefined}
          aria-required
          aria-invalid={error ? true : undefined}
          aria-describedby={[describedBy(id, error, hint), statusId].filter(Boolean).join(' ')}
        />
        {showList && (
          <ul
            id={listId}
            role="listbox"
            class="combobox__list"
            aria-label="Kết quả tìm đơn vị"
            // keep focus in the input so the tap becomes a click
            onPointerDown={(e) => e.preventDefault()}
          >
            {results.map((unit, i) => (
              <li
                key={unit.id}
                id={`${id}-opt-${i}`}
                role="option"
                aria-selected={i === active}
                class={`combobox__option${i === active ? ' combobox__option--active' : ''}`}
                onClick={() => choose(unit)}
              >
                <span class="combobox__name">{unit.name}</span>
                {unit.path.length > 0 && <span class="unit-path">{unitPath(unit)}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
      <p id={statusId} class="hint" aria-live="polite">
        {statusText}
      </p>
      <button
        type="button"
        class="button button--small button--ghost unit-browse__toggle"
        aria-expanded={browsing}
        aria-controls={`${id}-browse`}
        onClick={() => setBrowsing((b) => !b)}
      >
        {browsing ? 'Ẩn danh sách theo cấp' : 'Chọn lần lượt từ cấp trên'}
      </button>
      {browsing && <UnitBrowser id={`${id}-browse`} onChoose={choose} />}
    </FieldShell>
  );
}

/**
 * The tree, one level at a time: the breadcrumb of the levels opened so far, the unit of the
 * current level to pick it, and its children (a unit with children opens its level; a unit
 * without is picked).
 */
function UnitBrowser({ id, onChoose }: { id: string; onChoose: (unit: ListedUnit) => void }) {
  const [trail, setTrail] = useState<ListedUnit[]>([]);
  const [items, setItems] = useState<ListedUnit[]>([]);
  const [total, setTotal] = useState(0);
  const [status, setStatus] = useState<'loading' | 'done' | 'error'>('loading');
  const [message, setMessage] = useState('');
  const headingRef = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();
  const current = trail[trail.length - 1];

  function load(offset: number, signal?: AbortSignal) {
    setStatus('loading');
    return api
      .units({ parent_id: current?.id, offset, limit: BROWSE_LIMIT }, signal)
      .then((page) => {
        setItems((prev) => (offset === 0 ? page.items ?? [] : [...prev, ...(page.items ?? [])]));
        setTotal(page.total ?? 0);
        setStatus('done');
      })
      .catch((err: unknown) => {
        if (signal?.aborted) return;
        setMessage(err instanceof ApiError ? err.message : 'Không tải được danh sách đơn vị.');
        setStatus('error');
      });
  }

  useEffect(() => {
    const controller = new AbortController();
    setItems([]);
    void load(0, controller.signal);
    return () => controller.abort();
  }, [current?.id]);

  // The old level's units go in the same render as the new heading: a tap that lands while the
  // new level loads must not open a unit of the level just left.
  function enter(trailOf: (t: ListedUnit[]) => ListedUnit[]) {
    setItems([]);
    setStatus('loading');
    setTrail(trailOf);
  }

  function open(unit: ListedUnit) {
    enter((t) => [...t, unit]);
    focusAfterRender(headingRef);
  }

  function back(depth: number) {
    enter((t) => t.slice(0, depth));
    focusAfterRender(headingRef);
  }

  return (
    <div class="unit-browse" id={id}>
      <nav aria-label="Các cấp đã chọn">
        <ol class="unit-browse__trail">
          <li>
            {trail.length === 0 ? (
              <span aria-current="location">Cấp cao nhất</span>
            ) : (
              <button type="button" class="link-button" onClick={() => back(0)}>
                Cấp cao nhất
              </button>
            )}
          </li>
          {trail.map((u, i) => (
            <li key={u.id}>
              {i === trail.length - 1 ? (
                <span aria-current="location">{u.name}</span>
              ) : (
                <button type="button" class="link-button" onClick={() => back(i + 1)}>
                  {u.name}
                </button>
              )}
            </li>
          ))}
        </ol>
      </nav>
      <p class="unit-browse__heading" tabIndex={-1} ref={headingRef}>
        {current ? `Các đơn vị thuộc ${current.name}:` : 'Chọn đơn vị cấp cao nhất:'}
      </p>
      {current && (
        <button type="button" class="button button--small unit-browse__pick" onClick={() => onChoose(current)}>
          Chọn {current.name}
        </button>
      )}
      <ul class="unit-browse__list">
        {items.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              class={`unit-browse__item${u.has_children ? ' unit-browse__item--open' : ''}`}
              onClick={() => (u.has_children ? open(u) : onChoose(u))}
              aria-label={u.has_children ? `${u.name}: xem các đơn vị trực thuộc` : `Chọn ${u.name}`}
            >
              <span>{u.name}</span>
              {u.has_children && <span aria-hidden="true">›</span>}
            </button>
          </li>
        ))}
      </ul>
      <p class="hint" aria-live="polite">
        {status === 'loading'
          ? 'Đang tải…'
          : status === 'error'
            ? message
            : items.length === 0
              ? 'Không có đơn vị trực thuộc.'
              : ''}
      </p>
      {status === 'done' && items.length < total && (
        <button type="button" class="button button--small button--ghost" onClick={() => void load(items.length)}>
          Xem thêm ({total - items.length})
        </button>
      )}
    </div>
  );
}
