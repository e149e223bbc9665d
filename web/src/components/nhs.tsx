// NHS.UK frontend components as small React pieces (the nhsuk-frontend classes and markup,
// without its JavaScript, which would move DOM nodes React owns).
import { useEffect, useRef, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ProblemError, type Problem } from '../api/client';

export function Heading({ caption, children }: { caption?: string; children: ReactNode }) {
  return (
    <h1 className="nhsuk-heading-l">
      {caption && <span className="nhsuk-caption-l">{caption}<span className="nhsuk-u-visually-hidden"> - </span></span>}
      {children}
    </h1>
  );
}

export function BackLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <div className="nhsuk-back-link">
      <Link className="nhsuk-back-link__link" to={to}>
        {children}
      </Link>
    </div>
  );
}

export function Tag({ colour, children }: { colour?: string; children: ReactNode }) {
  return <strong className={`nhsuk-tag${colour ? ` nhsuk-tag--${colour}` : ''}`}>{children}</strong>;
}

export function Inset({ children }: { children: ReactNode }) {
  return <div className="nhsuk-inset-text"><span className="nhsuk-u-visually-hidden">Information: </span>{children}</div>;
}

export function Warning({ heading, children }: { heading: string; children: ReactNode }) {
  return (
    <div className="nhsuk-warning-callout">
      <h3 className="nhsuk-warning-callout__label">
        <span role="text"><span className="nhsuk-u-visually-hidden">Important: </span>{heading}</span>
      </h3>
      {children}
    </div>
  );
}

export function SuccessBanner({ title, children }: { title: string; children?: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="nhsuk-notification-banner nhsuk-notification-banner--success" role="alert" aria-labelledby="banner-title" tabIndex={-1} ref={ref}>
      <div className="nhsuk-notification-banner__header">
        <h2 className="nhsuk-notification-banner__title" id="banner-title">Success</h2>
      </div>
      <div className="nhsuk-notification-banner__content">
        <p className="nhsuk-notification-banner__heading">{title}</p>
        {children}
      </div>
    </div>
  );
}

export function SummaryList({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="nhsuk-summary-list">
      {rows.map(([key, value]) => (
        <div className="nhsuk-summary-list__row" key={key}>
          <dt className="nhsuk-summary-list__key">{key}</dt>
          <dd className="nhsuk-summary-list__value">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Table({ caption, head, rows, empty }: { caption: string; head: ReactNode[]; rows: ReactNode[][]; empty?: string }) {
  if (!rows.length && empty) return <p className="nhsuk-body">{empty}</p>;
  return (
    <div className="ewc-table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table className="nhsuk-table">
        <caption className="nhsuk-table__caption nhsuk-table__caption--m">{caption}</caption>
        <thead className="nhsuk-table__head">
          <tr className="nhsuk-table__row">
            {head.map((cell, i) => (
              <th className="nhsuk-table__header" scope="col" key={i}>{cell}</th>
            ))}
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {rows.map((row, i) => (
            <tr className="nhsuk-table__row" key={i}>
              {row.map((cell, j) => (
                <td className="nhsuk-table__cell" key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Card({ title, to, children }: { title: string; to: string; children?: ReactNode }) {
  return (
    <li className="nhsuk-grid-column-one-third nhsuk-card-group__item">
      <div className="nhsuk-card nhsuk-card--clickable">
        <div className="nhsuk-card__content">
          <h2 className="nhsuk-card__heading nhsuk-heading-m">
            <Link className="nhsuk-card__link" to={to}>{title}</Link>
          </h2>
          {children && <p className="nhsuk-card__description">{children}</p>}
        </div>
      </div>
    </li>
  );
}

export function Button({ children, secondary, warning, small, ...rest }: React.ButtonHTMLAttributes<HTMLButtonElement> & { secondary?: boolean; warning?: boolean; small?: boolean }) {
  const classes = ['nhsuk-button', secondary && 'nhsuk-button--secondary', warning && 'nhsuk-button--warning', small && 'nhsuk-button--small'].filter(Boolean).join(' ');
  return (
    <button className={classes} data-module="nhsuk-button" type="button" {...rest}>
      {children}
    </button>
  );
}

/** Field errors by field path (as the API's problem names them). */
export type FieldErrors = Record<string, string>;

export function fieldErrors(problem: Problem | null): FieldErrors {
  const found: FieldErrors = {};
  for (const error of problem?.errors ?? []) {
    if (!(error.field in found)) found[error.field] = error.message;
  }
  return found;
}

/** The error summary at the top of a form: the problem's detail and each field's message,
 * linking to the field. Focused when it appears, as the NHS pattern asks. */
export function ErrorSummary({ problem, labels }: { problem: Problem | null; labels?: Record<string, string> }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (problem) ref.current?.focus();
  }, [problem]);
  if (!problem) return null;
  const errors = problem.errors ?? [];
  return (
    <div className="nhsuk-error-summary" aria-labelledby="error-summary-title" tabIndex={-1} ref={ref}>
      <div role="alert">
        <h2 className="nhsuk-error-summary__title" id="error-summary-title">There is a problem</h2>
        <div className="nhsuk-error-summary__body">
          {(!errors.length || problem.status !== 422) && <p>{plainProblem(problem)}</p>}
          {errors.length > 0 && (
            <ul className="nhsuk-list nhsuk-error-summary__list">
              {errors.map((error, i) => (
                <li key={i}>
                  <a href={`#${fieldId(error.field)}`}>
                    {error.row != null ? `Row ${error.row}: ` : ''}
                    {labels?.[error.field] ? `${labels[error.field]}: ` : ''}
                    {plainMessage(error.message)}
                  </a>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </div>
  );
}

export function fieldId(field: string): string {
  return `field-${field.replace(/[^\w]+/g, '-')}`;
}

export function plainMessage(message: string): string {
  return message.replace(/^Value error, /, '');
}

export function plainProblem(problem: Problem): string {
  if (problem.status === 401) return 'Your sign-in has ended. Sign in again to carry on.';
  if (problem.status === 403) return 'Your role does not allow this.';
  if (problem.status === 404) return 'This could not be found. It may have been removed, or it belongs to another organisation.';
  if (problem.status >= 500) return 'Sorry, there is a problem with the service. Try again later.';
  return problem.detail || problem.title;
}

export function asProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  return { title: 'Error', status: 0, detail: error instanceof Error ? error.message : String(error) };
}

interface FieldProps {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (props: { id: string; 'aria-describedby'?: string; className: string }) => ReactNode;
  bold?: boolean;
}

/** A labelled form group with hint and error message, as the NHS pattern lays it out. */
export function Field({ id, label, hint, error, children, bold }: FieldProps) {
  const inputId = fieldId(id);
  const described = [hint && `${inputId}-hint`, error && `${inputId}-error`].filter(Boolean).join(' ');
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <label className={`nhsuk-label${bold ? ' nhsuk-label--s' : ''}`} htmlFor={inputId}>{label}</label>
      {hint && <div className="nhsuk-hint" id={`${inputId}-hint`}>{hint}</div>}
      {error && (
        <span className="nhsuk-error-message" id={`${inputId}-error`}>
          <span className="nhsuk-u-visually-hidden">Error:</span> {plainMessage(error)}
        </span>
      )}
      {children({ id: inputId, 'aria-describedby': described || undefined, className: error ? 'nhsuk-input--error' : '' })}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="nhsuk-body" role="status">Loading {what}…</p>;
}

export function Failure({ error }: { error: unknown }) {
  const problem = asProblem(error);
  return (
    <div className="nhsuk-error-summary" tabIndex={-1}>
      <div role="alert">
        <h2 className="nhsuk-error-summary__title">There is a problem</h2>
        <div className="nhsuk-error-summary__body"><p>{plainProblem(problem)}</p></div>
      </div>
    </div>
  );
}
