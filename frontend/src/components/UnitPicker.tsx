import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { Unit } from '../api/types';
import { describedBy, FieldShell } from './Field';

interface UnitPickerProps {
  id: string;
  label: string;
  value: Unit | null;
  onChange: (unit: Unit | null) => void;
  error?: string | undefined;
}

const MIN_CHARS = 2;
const DEBOUNCE_MS = 300;
const LIMIT = 20;

/**
 * Searches units by name (the server ignores diacritics: "chi doan" finds
 * "Chi đoàn …") and lets the member pick one. An ARIA combobox with a listbox.
 */
export function UnitPicker({ id, label, value, onChange, error }: UnitPickerProps) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Unit[]>([]);
  const [total, setTotal] = useState(0);
  const [status, setStatus] = useState<'idle' | 'loading' | 'done' | 'error'>('idle');
  const [searchError, setSearchError] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const inputRef = useRef<HTMLInputElement>(null);
  const changeRef = useRef<HTMLButtonElement>(null);

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

  function choose(unit: Unit) {
    onChange(unit);
    setOpen(false);
    setQuery('');
    setResults([]);
    setTimeout(() => changeRef.current?.focus(), 0);
  }

  function clear() {
    onChange(null);
    setTimeout(() => inputRef.current?.focus(), 0);
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
  const hint = 'Gõ tên chi đoàn, có thể gõ không dấu (ví dụ: chi doan).';

  if (value) {
    return (
      <FieldShell id={id} label={label} error={error}>
        <div class="unit-selected">
          <span class="unit-selected__name">{value.name}</span>
          {value.code && <span class="unit-selected__code">{value.code}</span>}
          <button
            type="button"
            id={id}
            ref={changeRef}
            class="button button--small button--ghost"
            onClick={clear}
            aria-label={`Đổi đơn vị (đang chọn: ${value.name})`}
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
                {unit.code && <span class="combobox__code">{unit.code}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
      <p id={statusId} class="hint" aria-live="polite">
        {statusText}
      </p>
    </FieldShell>
  );
}
