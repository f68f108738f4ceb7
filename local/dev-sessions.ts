import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { ROLES, type Role } from '../src/domain/roles';
import { type DirectoryUser, SEEDED_USERS as SEEDED_DIRECTORY_USERS } from '../src/domain/users';

/**
 * Development sign-in for the console on the local stack (never deployed): pick a user, get a token
 * for their role. The users are an admin, a marketer, one sales user per rep of the stored routing,
 * named by the rep's id, so a rep signed in sees the leads routing gave them, and whoever the users
 * admin invited (src/adapters/development-users.ts). Tokens are
 * signed with a key derived from the development token, so they keep working across restarts as long
 * as it does, and expire after a working day.
 */

export interface DevUser {
  readonly user: string;
  readonly name: string;
  readonly role: Role;
}

export interface DevSession extends DevUser {
  readonly token: string;
}

/** A development session lasts this long; sign in again after. */
export const DEV_SESSION_HOURS = 12;
const TOKEN_PREFIX = 'dev1';

/**
 * The users one may sign in as: those of the development directory (the seeded admin and marketer,
 * the routing's reps as sales, as the users admin changed them, and those it created) that are
 * enabled and have a role.
 */
export const developmentUsers = (directory: readonly DirectoryUser[]): DevUser[] =>
  directory.flatMap((entry) => (entry.enabled && entry.role ? [{ user: entry.user, name: entry.name, role: entry.role }] : []));

export const SEEDED_USERS: readonly DevUser[] = developmentUsers(SEEDED_DIRECTORY_USERS);

const Payload = z.strictObject({ user: z.string().min(1), name: z.string().min(1), role: z.enum(ROLES), expiresAt: z.number() });

const sessionKey = (devToken: string) => createHmac('sha256', devToken).update('leadflow development sessions').digest();
const signatureOf = (devToken: string, payload: string) => createHmac('sha256', sessionKey(devToken)).update(payload).digest('base64url');

/** A token for `user`, valid for DEV_SESSION_HOURS from `now`. */
export function signDevSession(devToken: string, user: DevUser, now = Date.now()): DevSession {
  const payload = Buffer.from(JSON.stringify({ user: user.user, name: user.name, role: user.role, expiresAt: now + DEV_SESSION_HOURS * 3_600_000 })).toString('base64url');
  return { ...user, token: `${TOKEN_PREFIX}.${payload}.${signatureOf(devToken, payload)}` };
}

/** The user a development session token was signed for, or undefined when it is not one, is forged or has expired. */
export function verifyDevSession(devToken: string, token: string, now = Date.now()): DevUser | undefined {
  const [prefix, payload, signature, ...rest] = token.split('.');
  if (prefix !== TOKEN_PREFIX || !payload || !signature || rest.length) return undefined;
  const expected = Buffer.from(signatureOf(devToken, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = Payload.safeParse(decoded);
  if (!parsed.success || parsed.data.expiresAt <= now) return undefined;
  return { user: parsed.data.user, name: parsed.data.name, role: parsed.data.role };
}

/** What API Gateway's JWT authorizer would pass on for this user's Cognito ID token. */
export const jwtAuthorizerOf = (user: DevUser) => ({
  jwt: { claims: { sub: `dev-${user.user}`, 'cognito:username': user.user, name: user.name, 'cognito:groups': `[${user.role}]`, token_use: 'id' }, scopes: null },
});

export const DevSessionRequest = z.strictObject({ user: z.string({ error: 'is required' }).min(1, 'is required').max(64) });
