import type { ChangeEvent, ReactNode } from 'react';
import { ApiError } from '../../../src/api/client';
import { useI18n } from './i18n';

/** An error as the user reads it: the API's message and the fields it named. */
export function ErrorNotice({ error, onRetry }: { readonly error: unknown; readonly onRetry?: () => void }) {
  const { text } = useI18n();
  const message = error instanceof Error ? error.message : String(error);
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <div role="alert" className="notice error">
      <p>{text('app.error', { message })}</p>
      {issues.length > 1 && (
        <ul>
          {issues.map((issue) => (
            <li key={`${issue.field}:${issue.message}`}>
              <code>{issue.field}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {text('app.retry')}
        </button>
      )}
    </div>
  );
}

/** The API's field errors by field as `teams[0].reps[1].capacity` (whether it wrote indexes so or as `.0`), to show each beside its input. */
export const fieldErrorsOf = (error: unknown): ReadonlyMap<string, string> =>
  new Map(error instanceof ApiError ? error.issues.map((issue) => [issue.field.replace(/\.(\d+)(?=\.|$)/g, '[$1]'), issue.message]) : []);

export function Loading() {
  const { text } = useI18n();
  return (
    <p role="status" className="loading">
      {text('app.loading')}
    </p>
  );
}

/** A table cell holding one input of a row the admin edits, with the API's error for it read out beside it. */
export function EditableCell(props: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly error: string | undefined;
  readonly type?: string;
  readonly onChange: (event: ChangeEvent<HTMLInputElement>) => void;
}) {
  const { id, label, value, error, type, onChange } = props;
  return (
    <td>
      <input id={id} type={type} aria-label={label} value={value} onChange={onChange} {...(error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {})} />
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </td>
  );
}

/** A labelled input with the API's error for its path beside it, tied to it for screen readers. */
export function LabelledField(props: {
  readonly id: string;
  readonly label: string;
  readonly error: string | undefined;
  readonly children: (described: { 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const { id, label, error, children } = props;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {})}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
