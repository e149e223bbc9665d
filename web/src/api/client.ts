// One typed client per service, generated from its OpenAPI (`make client`), all through the
// gateway's single origin. Every request carries the signed-in person's access token.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths as BillingPaths } from './generated/billing';
import type { paths as EnrolmentPaths } from './generated/enrolment';
import type { paths as ImprovementPaths } from './generated/improvement';
import type { paths as MeasurementPaths } from './generated/measurement';
import type { paths as NotificationsPaths } from './generated/notifications';
import type { paths as SessionsPaths } from './generated/sessions';

let tokenSource: () => string | null = () => null;

export function setTokenSource(source: () => string | null): void {
  tokenSource = source;
}

export function bearer(): Record<string, string> {
  const token = tokenSource();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

const authorise: Middleware = {
  onRequest({ request }) {
    const token = tokenSource();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
};

function client<Paths extends {}>() {
  const made = createClient<Paths>({ baseUrl: window.location.origin });
  made.use(authorise);
  return made;
}

export const enrolment = client<EnrolmentPaths>();
export const measurement = client<MeasurementPaths>();
export const sessions = client<SessionsPaths>();
export const billing = client<BillingPaths>();
export const improvement = client<ImprovementPaths>();
export const notifications = client<NotificationsPaths>();

/** RFC 9457 problem details, as every service answers errors. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string | null;
  errors?: { field: string; message: string; row?: number | null }[] | null;
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
}

/** The data of an openapi-fetch answer, or a ProblemError carrying the service's problem. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const error = result.error as Partial<Problem> | undefined;
    throw new ProblemError({
      title: error?.title ?? result.response.statusText ?? 'Error',
      status: error?.status ?? result.response.status,
      detail: error?.detail ?? null,
      errors: error?.errors ?? null,
      type: error?.type,
    });
  }
  return result.data as T;
}

/** A binary the API serves behind sign-in (chart SVG, invoice PDF), as an object URL. */
export async function fetchBlob(path: string): Promise<Blob> {
  const response = await fetch(path, { headers: bearer() });
  if (!response.ok) {
    let problem: Problem = { title: response.statusText, status: response.status };
    try {
      problem = (await response.json()) as Problem;
    } catch {
      // not problem+json
    }
    throw new ProblemError(problem);
  }
  return response.blob();
}

export async function download(path: string, filename: string): Promise<void> {
  const blob = await fetchBlob(path);
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
