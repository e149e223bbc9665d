import type { ConsoleConfig } from '../config';

// The platform's roles, in the services' precedence order (shared/oidc.py ROLE_PRECEDENCE).
export const ROLES = ['coordinator', 'coach', 'team_lead', 'finance', 'operator', 'applicant'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, string> = {
  coordinator: 'Programme coordinator',
  coach: 'QI coach',
  team_lead: 'Project lead',
  finance: 'Finance',
  operator: 'Operator',
  applicant: 'Applicant',
};

export interface Person {
  subject: string;
  name: string;
  role: Role | null;
  organisationId: string | null;
  coachId: string | null;
  /** The address the person's notification feed is keyed by (the services read the same claim). */
  email: string | null;
}

function payload(token: string): Record<string, unknown> {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      Array.from(atob(part), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    );
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Who the access token names, mapped as the services map it. For menus only: every
 * decision is the services' own, on the verified token. */
export function personFromToken(
  config: ConsoleConfig,
  accessToken: string,
  profile: Record<string, unknown>,
): Person {
  const claims = { ...profile, ...payload(accessToken) };
  const raw = claims[config.roleClaim];
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const mapped = new Set(
    values
      .filter((v): v is string => typeof v === 'string')
      .map((v) => (Object.keys(config.roleMap).length ? config.roleMap[v] : v)),
  );
  const text = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string) : null);
  return {
    subject: text('sub') ?? '',
    name: text('name') ?? text('preferred_username') ?? 'Signed in',
    role: ROLES.find((r) => mapped.has(r)) ?? null,
    organisationId: text(config.organisationClaim),
    coachId: text(config.coachClaim),
    email: text(config.emailClaim),
  };
}
