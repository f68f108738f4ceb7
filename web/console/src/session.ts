import * as z from 'zod';
import type { CognitoSettings, ConsoleConfig } from './config';

export const ROLES = ['admin', 'marketer', 'sales'] as const;
export type Role = (typeof ROLES)[number];

/** Who is signed in, as `GET /v1/admin/me` and `POST /v1/dev/sessions` answer, with the bearer token. */
export const Session = z.object({ token: z.string().min(1), user: z.string(), name: z.string(), role: z.enum(ROLES) });
export type Session = z.infer<typeof Session>;

const Me = Session.omit({ token: true });
/** What `GET /v1/dev/users` answers (local/dev-sessions.ts). */
const DevUsers = z.object({ users: z.array(Me) });
/** The ID token is the one sent to the API: it carries the user's name and groups, and its audience is the app client. */
const CognitoTokens = z.object({ id_token: z.string(), expires_in: z.number().optional() });

const SESSION_KEY = 'leadflow.session';
const PKCE_KEY = 'leadflow.pkce';

/** The session kept for this tab: gone when the tab closes, never in localStorage. */
export function storedSession(): Session | undefined {
  const parsed = Session.safeParse(JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null'));
  return parsed.success ? parsed.data : undefined;
}

export const keepSession = (session: Session) => sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));

export function forgetSession(config: ConsoleConfig) {
  sessionStorage.removeItem(SESSION_KEY);
  if (config.auth.kind === 'cognito') {
    const logout = new URL(`https://${config.auth.domain}/logout`);
    logout.searchParams.set('client_id', config.auth.clientId);
    logout.searchParams.set('logout_uri', config.auth.redirectUri);
    window.location.assign(logout);
  }
}

async function json(response: Response, what: string): Promise<unknown> {
  if (!response.ok) throw new Error(`${what} answered ${response.status}`);
  return response.json();
}

/** Who the token belongs to, by `GET /v1/admin/me`. */
export async function whoAmI(apiUrl: string, token: string): Promise<Session> {
  const response = await fetch(new URL('/v1/admin/me', apiUrl), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  return { token, ...Me.parse(await json(response, 'GET /v1/admin/me')) };
}

/** The users development sign-in offers (the local API's seeded admin, marketer and sales reps). */
export async function developmentUsers(apiUrl: string): Promise<z.infer<typeof Me>[]> {
  const response = await fetch(new URL('/v1/dev/users', apiUrl), { headers: { accept: 'application/json' } });
  return DevUsers.parse(await json(response, 'GET /v1/dev/users')).users;
}

export async function developmentSignIn(apiUrl: string, user: string): Promise<Session> {
  const response = await fetch(new URL('/v1/dev/sessions', apiUrl), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ user }) });
  return Session.parse(await json(response, 'POST /v1/dev/sessions'));
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const randomText = (bytes: number) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

/** Sends the browser to Cognito's managed login (authorisation code with PKCE); it comes back with `?code&state`. */
export async function startCognitoSignIn(cognito: CognitoSettings): Promise<void> {
  const verifier = randomText(48);
  const state = randomText(16);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const authorize = new URL(`https://${cognito.domain}/oauth2/authorize`);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: cognito.clientId,
    redirect_uri: cognito.redirectUri,
    scope: 'openid email profile',
    code_challenge_method: 'S256',
    code_challenge: challenge,
    state,
  }))
    authorize.searchParams.set(name, value);
  window.location.assign(authorize);
}

const PkceState = z.object({ verifier: z.string(), state: z.string() });

/** Whether this page load is Cognito's redirect back with a code. */
export const isCognitoCallback = () => new URLSearchParams(window.location.search).has('code');

/** Exchanges the code Cognito sent back for tokens (checking `state`), then asks the API who this is. */
export async function finishCognitoSignIn(config: ConsoleConfig, cognito: CognitoSettings): Promise<Session> {
  const query = new URLSearchParams(window.location.search);
  const pkce = PkceState.safeParse(JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null'));
  sessionStorage.removeItem(PKCE_KEY);
  window.history.replaceState(null, '', window.location.pathname);
  if (!pkce.success || query.get('state') !== pkce.data.state) throw new Error('the sign-in answer does not match the sign-in this tab started');
  const response = await fetch(`https://${cognito.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: cognito.clientId, code: query.get('code') ?? '', redirect_uri: cognito.redirectUri, code_verifier: pkce.data.verifier }),
  });
  const tokens = CognitoTokens.parse(await json(response, 'the token exchange'));
  return whoAmI(config.apiUrl, tokens.id_token);
}
