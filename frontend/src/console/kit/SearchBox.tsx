import { useEffect, useRef, useState } from 'preact/hooks';

interface SearchBoxProps {
  id: string;
  label: string;
  value: string;
  onSearch: (value: string) => void;
  placeholder?: string;
  /** Wait this long after the last key before asking the server. */
  delayMs?: number;
}

/** A search field that asks the server once typing pauses (diacritics optional: the server folds them). */
export function SearchBox({ id, label, value, onSearch, placeholder, delayMs = 350 }: SearchBoxProps) {
  const [text, setText] = useState(value);
  const last = useRef(value);
  useEffect(() => {
    // The address bar changed (Back): show its search.
    if (value !== last.current) {
      last.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    if (text === last.current) return;
    const t = setTimeout(() => {
      last.current = text;
      onSearch(text.trim());
    }, delayMs);
    return () => clearTimeout(t);
  }, [text]);
  return (
    <div class="search-box">
      <label for={id} class="search-box__label">
        {label}
      </label>
      <input
        id={id}
        type="search"
        value={text}
        placeholder={placeholder ?? 'Gõ có dấu hoặc không dấu'}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            last.current = text;
            onSearch(text.trim());
          }
        }}
      />
    </div>
  );
}
