// The development and test identity provider: a real OpenID Connect provider (panva's
// oidc-provider, OpenID Certified) with a sign-in page where a developer picks a role and an
// organisation or coach. It issues what Microsoft Entra ID issues in production: Authorization
// Code with PKCE for the console (a public client), and RS256 JWT access tokens for the API
// audience carrying `roles`, `org`, `coach` and `email` claims, verified by the services against
// /jwks (the notifications service keys a person's feed by the `email` claim).
//
//   node dev-oidc/server.mjs --port 9400 --console http://127.0.0.1:8080 \
//        [--directory http://127.0.0.1:8001/api/enrolment] [--keys var/oidc/keys.json]
//
// Development only: it binds to 127.0.0.1, signs anyone in, and lets tests rotate its keys
// (POST /dev/keys/rotate publishes a new signing key beside the old one; POST /dev/keys/retire
// drops every key but the newest).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Provider from 'oidc-provider';

const ROLES = [
  ['coordinator', 'Programme coordinator'],
  ['coach', 'QI coach'],
  ['team_lead', 'Project lead'],
  ['finance', 'Finance officer'],
  ['operator', 'Operator'],
  // Someone the identity provider knows but the programme does not yet: may apply.
  ['applicant', 'Applicant (not yet in the programme)'],
];
const CLIENT_ID = process.env.OIDC_CLIENT_ID || 'enjoying-work-console';
const AUDIENCE = process.env.OIDC_AUDIENCE || 'enjoying-work-api';
const API_SCOPE = 'ewc';
// A resource indicator must be an absolute URI; the tokens' audience is AUDIENCE.
const RESOURCE = 'urn:enjoying-work:api';
// The address a sign-in carries when the page's e-mail field is left empty: one per role, so a
// developer signing in as a role always sees that role's feed.
const defaultEmail = (role) => `${role.replace(/_/g, '.')}@example.nhs.uk`;
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}
function options(name) {
  return process.argv.flatMap((arg, i) => (arg === `--${name}` ? [process.argv[i + 1]] : []));
}

const port = Number(option('port', process.env.OIDC_PORT || '9400'));
const issuer = option('issuer', `http://127.0.0.1:${port}`);
const consoleOrigins = options('console');
const directory = option('directory', '');
const keysFile = option('keys', '');

// --- keys ------------------------------------------------------------------------------------

function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

function loadKeys() {
  if (keysFile && fs.existsSync(keysFile)) return JSON.parse(fs.readFileSync(keysFile, 'utf8'));
  return [newKey()];
}

function saveKeys(keys) {
  if (!keysFile) return;
  fs.mkdirSync(path.dirname(keysFile), { recursive: true });
  fs.writeFileSync(keysFile, JSON.stringify(keys), { mode: 0o600 });
}

// The newest key first: it signs; older ones stay published until retired.
let keys = loadKeys();
saveKeys(keys);

// --- accounts --------------------------------------------------------------------------------

// Each choice made on the sign-in page is an account: a readable subject (it shows in the
// services' records, e.g. who recorded a payment) with the role, organisation and coach picked.
// Kept beside the keys file, so a restart keeps people signed in.
const accountsFile = keysFile ? path.join(path.dirname(keysFile), 'accounts.json') : '';
const accounts = accountsFile && fs.existsSync(accountsFile) ? JSON.parse(fs.readFileSync(accountsFile, 'utf8')) : {};

function accountId(choice) {
  const digest = crypto.createHash('sha256')
    .update(JSON.stringify([choice.role, choice.org || '', choice.coach || '', choice.name, choice.email]))
    .digest('hex')
    .slice(0, 8);
  const slug = choice.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'developer';
  const id = `${slug}-${digest}`;
  accounts[id] = choice;
  if (accountsFile) fs.writeFileSync(accountsFile, JSON.stringify(accounts), { mode: 0o600 });
  return id;
}

function account(id) {
  return Object.hasOwn(accounts, id) ? accounts[id] : undefined;
}

function platformClaims(id) {
  const found = account(id);
  if (!found) return {};
  return {
    name: found.name,
    roles: [found.role],
    ...(found.email ? { email: found.email } : {}),
    ...(found.org ? { org: found.org } : {}),
    ...(found.coach ? { coach: found.coach } : {}),
  };
}

// --- the provider ----------------------------------------------------------------------------

function configuration() {
  return {
    clients: [
      {
        client_id: CLIENT_ID,
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: consoleOrigins.map((origin) => `${origin}/signed-in`),
        post_logout_redirect_uris: consoleOrigins.map((origin) => `${origin}/`),
      },
    ],
    jwks: { keys },
    cookies: { keys: ['enjoying-work-development-cookies'] },
    scopes: ['openid', 'profile', API_SCOPE, 'offline_access'],
    claims: { openid: ['sub'], profile: ['name'], [API_SCOPE]: ['roles', 'org', 'coach', 'email'] },
    pkce: { required: () => true },
    ttl: { AccessToken: 3600, IdToken: 3600, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 },
    async findAccount(_ctx, sub) {
      if (!account(sub)) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...platformClaims(sub) }) };
    },
    async extraTokenClaims(_ctx, token) {
      return token.accountId ? platformClaims(token.accountId) : undefined;
    },
    clientBasedCORS(_ctx, origin, client) {
      return client.redirectUris.some((uri) => new URL(uri).origin === origin);
    },
    // First-party console: no consent screen; the grant covers the console's scopes.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const found = await ctx.oidc.provider.Grant.find(grantId);
        if (found) return found;
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(`openid profile ${API_SCOPE} offline_access`);
      grant.addOIDCClaims(['name', 'roles', 'org', 'coach', 'email']);
      grant.addResourceScope(RESOURCE, API_SCOPE);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Signing out', `<h1>Signing out</h1>${form}
            <p>You are signing out of the development sign-in.</p>
            <button form="op.logoutForm" type="submit" name="logout" value="yes">Sign out</button>`);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== RESOURCE) throw new Error(`unknown resource ${resource}`);
          return {
            scope: API_SCOPE,
            audience: AUDIENCE,
            accessTokenTTL: 3600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><pre>${escape(JSON.stringify(out, null, 2))}</pre>`);
    },
  };
}

let provider = build();

function build() {
  const built = new Provider(issuer, configuration());
  built.on('server_error', (_ctx, error) => console.error('oidc server_error', error));
  return built;
}

// --- the sign-in page ------------------------------------------------------------------------

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function page(title, body) {
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} - development sign-in</title>
<style>
body{font-family:Arial,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#212b32;line-height:1.5}
label{display:block;font-weight:bold;margin-top:1rem}
select,input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box;border:2px solid #4c6272}
button{margin-top:1.5rem;font-size:1.1rem;padding:.6rem 1.2rem;background:#007f3b;color:#fff;border:0;border-radius:4px;cursor:pointer}
.hint{color:#4c6272;font-weight:normal;display:block}
.banner{background:#fff9c4;border-left:6px solid #ffeb3b;padding:.5rem 1rem}
</style></head><body><main>${body}</main></body></html>`;
}

// The provider's own short-lived coordinator token, to list organisations and coaches from the
// enrolment API for the pickers (the services trust this provider's keys).
function directoryToken() {
  const key = keys[0];
  const now = Math.floor(Date.now() / 1000);
  const encode = (part) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const body = `${encode({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })}.${encode({
    iss: issuer, aud: AUDIENCE, sub: 'development-sign-in-page', iat: now, exp: now + 60, roles: ['coordinator'],
  })}`;
  const signature = crypto.sign('sha256', Buffer.from(body), crypto.createPrivateKey({ key, format: 'jwk' }));
  return `${body}.${signature.toString('base64url')}`;
}

async function listDirectory(what) {
  if (!directory) return null;
  try {
    const response = await fetch(`${directory}/${what}`, {
      headers: { Authorization: `Bearer ${directoryToken()}` },
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) return null;
    return await response.json();
  } catch {
    return null;
  }
}

function picker(name, label, hint, items) {
  if (!items) {
    return `<label for="${name}">${label} <span class="hint">${hint} (an id)</span></label>
      <input id="${name}" name="${name}" autocomplete="off">`;
  }
  // A coach's address rides along, so that picking a coach signs in with that coach's feed.
  const choices = items
    .map((item) => `<option value="${escape(item.id)}"${item.email ? ` data-email="${escape(item.email)}"` : ''}>${escape(item.name)}</option>`)
    .join('');
  return `<label for="${name}">${label} <span class="hint">${hint}</span></label>
    <select id="${name}" name="${name}"><option value="">None</option>${choices}</select>`;
}

async function signInPage(uid, clientId) {
  const [organisations, coaches] = await Promise.all([listDirectory('organisations'), listDirectory('coaches')]);
  const roles = ROLES.map(([value, text]) => `<option value="${value}">${text}</option>`).join('');
  return page('Sign in', `
<p class="banner">Development sign-in: anyone may sign in as anyone. In production people sign in
with their organisation's account (for example NHSmail through Microsoft Entra ID).</p>
<h1>Sign in to Enjoying Work</h1>
<p>Signing in to <code>${escape(clientId)}</code>.</p>
<form method="post" action="/interaction/${escape(uid)}/login">
  <label for="name">Your name</label>
  <input id="name" name="name" autocomplete="name" value="Alex Morgan" required>
  <label for="role">Role</label>
  <select id="role" name="role">${roles}</select>
  ${picker('org', 'Organisation', 'for a project lead', organisations)}
  ${picker('coach', 'Coach', 'for a QI coach', coaches)}
  <label for="email">Email address <span class="hint">The notification feed shows what is sent to this
  address (it follows the choices above until you type one)</span></label>
  <input id="email" name="email" type="email" autocomplete="email" value="${escape(defaultEmail(ROLES[0][0]))}">
  <button type="submit">Sign in</button>
</form>
<script>
// The e-mail follows the role, or the coach picked, until the developer types one of their own.
(() => {
  const role = document.getElementById('role');
  const coach = document.getElementById('coach');
  const email = document.getElementById('email');
  const byRole = (value) => value.replace(/_/g, '.') + '@example.nhs.uk';
  let typed = false;
  const follow = () => {
    if (typed) return;
    const picked = coach && coach.selectedOptions ? coach.selectedOptions[0] : null;
    email.value = (picked && picked.dataset.email) || byRole(role.value);
  };
  email.addEventListener('input', () => { typed = true; });
  role.addEventListener('change', follow);
  if (coach) coach.addEventListener('change', follow);
})();
</script>`);
}

// Left empty: the coach's own address when a coach was picked, else the role's.
async function emailByDefault(role, coach) {
  if (coach) {
    const found = (await listDirectory('coaches'))?.find((item) => item.id === coach);
    if (found?.email) return found.email.toLowerCase();
  }
  return role ? defaultEmail(role) : '';
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && !action) {
    if (details.prompt.name === 'login') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(await signInPage(uid, details.params.client_id));
      return;
    }
    // Anything but login (consent is granted by loadExistingGrant): finish it as it stands.
    await provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const role = form.get('role');
    const org = (form.get('org') || '').trim();
    const coach = (form.get('coach') || '').trim();
    const name = (form.get('name') || '').trim() || 'Developer';
    const email = (form.get('email') || '').trim().toLowerCase() || (await emailByDefault(role, coach));
    if (!ROLES.some(([r]) => r === role) || (org && !UUID.test(org)) || (coach && !UUID.test(coach)) || !EMAIL.test(email)) {
      res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(page('Sign in', '<h1>Check your choices</h1><p>Pick a role; organisation and coach must be ids; the email address must be one.</p>'));
      return;
    }
    const id = accountId({ role, org: org || undefined, coach: coach || undefined, name, email });
    await provider.interactionFinished(req, res, { login: { accountId: id } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(405);
  res.end();
}

function rotate(retire) {
  keys = retire ? [keys[0]] : [newKey(), ...keys];
  saveKeys(keys);
  provider = build(); // the in-memory adapter keeps sessions and grants across rebuilds
  return { kids: keys.map((key) => key.kid) };
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const match = url.pathname.match(/^\/interaction\/([\w-]+)(?:\/(login))?$/);
    if (match) {
      await interaction(req, res, match[1], match[2]);
      return;
    }
    if (req.method === 'POST' && (url.pathname === '/dev/keys/rotate' || url.pathname === '/dev/keys/retire')) {
      const body = JSON.stringify(rotate(url.pathname.endsWith('retire')));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
      return;
    }
    provider.callback()(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) {
      res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(page('Sign-in error', `<h1>Sign-in error</h1><p>${escape(error.message)}</p>`));
    }
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`development OpenID provider at ${issuer} (console: ${consoleOrigins.join(', ') || 'none'})`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
