import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

interface FieldShellProps {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  optional?: boolean;
  children: ComponentChildren;
}

/** Label, control, hint and error, wired together for screen readers. */
export function FieldShell({ id, label, error, hint, optional, children }: FieldShellProps) {
  return (
    <div class={`field${error ? ' field--invalid' : ''}`} data-field={id}>
      <label for={id}>
        {label}
        {optional ? <span class="optional"> (không bắt buộc)</span> : <span class="required" aria-hidden="true"> *</span>}
      </label>
      {children}
      {hint && !error && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** aria-describedby for a control inside FieldShell. */
export function describedBy(id: string, error?: string, hint?: string): string | undefined {
  if (error) return `${id}-error`;
  if (hint) return `${id}-hint`;
  return undefined;
}

interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  type?: 'text' | 'tel' | 'email' | 'date' | 'password';
  error?: string | undefined;
  hint?: string;
  optional?: boolean;
  autoComplete?: string;
  inputMode?: 'text' | 'tel' | 'email' | 'numeric';
  max?: string;
  maxLength?: number;
  placeholder?: string;
}

export function TextField(props: TextFieldProps) {
  const { id, label, value, onValue, type = 'text', error, hint, optional } = props;
  return (
    <FieldShell id={id} label={label} error={error} hint={hint} optional={optional}>
      <input
        id={id}
        name={id}
        // Preact 11 types each input type separately; the union is fine at run time.
        type={type as 'text'}
        value={value}
        onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        max={props.max}
        maxLength={props.maxLength}
        placeholder={props.placeholder}
        required={!optional}
        aria-required={!optional}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
      />
    </FieldShell>
  );
}

interface PasswordFieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  autoComplete: 'current-password' | 'new-password';
}

export function PasswordField(props: PasswordFieldProps) {
  const { id, label, value, onValue, error, hint, autoComplete } = props;
  const [shown, setShown] = useState(false);
  return (
    <FieldShell id={id} label={label} error={error} hint={hint}>
      <div class="password">
        <input
          id={id}
          name={id}
          type={(shown ? 'text' : 'password') as 'text'}
          value={value}
          onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
          autoComplete={autoComplete}
          required
          aria-required
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, error, hint)}
        />
        <button
          type="button"
          class="password__toggle"
          aria-controls={id}
          aria-pressed={shown}
          onClick={() => setShown((s) => !s)}
        >
          {shown ? 'Ẩn' : 'Hiện'}
        </button>
      </div>
    </FieldShell>
  );
}

/** A form-wide message (errors not tied to one field, or notices). */
export function FormMessage({ kind, children }: { kind: 'error' | 'notice'; children: ComponentChildren }) {
  return (
    <div class={`message message--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** Moves focus to the first field with an error, after the DOM updated. */
export function focusFirstError(order: readonly string[], errors: Record<string, string | undefined>) {
  const first = order.find((f) => errors[f]);
  if (!first) return;
  setTimeout(() => {
    const el = document.getElementById(first === 'unit_id' ? 'unit_id' : first);
    el?.focus();
    el?.scrollIntoView({ block: 'center' });
  }, 0);
}
