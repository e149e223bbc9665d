// The console's runtime settings, served by the gateway at /config.json (from the same
// environment as the services, so one deployment names its identity provider once).
export interface ConsoleConfig {
  /** The OpenID provider's issuer (e.g. https://login.microsoftonline.com/<tenant>/v2.0). */
  authority: string;
  clientId: string;
  /** Scopes asked for: OpenID's and the API's (Entra: api://<api app id>/<scope>). */
  scope: string;
  /** The claim mapping the services use (shared/oidc.py), for the menus only. */
  roleClaim: string;
  roleMap: Record<string, string>;
  organisationClaim: string;
  coachClaim: string;
  emailClaim: string;
}

const DEFAULTS: Omit<ConsoleConfig, 'authority'> = {
  clientId: 'enjoying-work-console',
  scope: 'openid profile ewc',
  roleClaim: 'roles',
  roleMap: {},
  organisationClaim: 'org',
  coachClaim: 'coach',
  emailClaim: 'email',
};

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const loaded = (await response.json()) as Partial<ConsoleConfig>;
  const clean = Object.fromEntries(Object.entries(loaded).filter(([, v]) => v !== '' && v != null));
  if (!clean.authority) throw new Error('/config.json names no identity provider (authority)');
  return { ...DEFAULTS, ...clean } as ConsoleConfig;
}
