import * as z from 'zod/mini';
import { Conflict, NotFound } from './errors';
import type { RoutingConfig } from './handoff/routing';
import type { Role } from './roles';

/**
 * The people who may sign in to the console and their roles: Cognito's users and groups in AWS, the
 * development sign-in's users locally. A sales user's name is their rep id in the routing, so the
 * leads routing gives a rep are the ones they see.
 */

/** A sign-in name: what a person types to sign in and what records name them by (`actor`). */
export const UserName = z
  .string({ error: 'is required' }).check(z.regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'is 1 to 64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit'));

export interface DirectoryUser {
  readonly user: string;
  readonly name: string;
  /** Absent for the development sign-in's built-in users, who have no mailbox. */
  readonly email?: string;
  /** Undefined when the user is in no role's group: they may sign in but call nothing. */
  readonly role: Role | undefined;
  /** A disabled user cannot sign in; their records keep their name. */
  readonly enabled: boolean;
  /**
   * Where their sign-in stands: Cognito's user status (`FORCE_CHANGE_PASSWORD` until they accept the
   * invitation, then `CONFIRMED`), `DEVELOPMENT` for the local sign-in, which needs no password.
   */
  readonly status: string;
}

export interface NewUser {
  readonly user: string;
  readonly name: string;
  readonly email: string;
  readonly role: Role;
}

/** The development sign-in's built-in users: an admin and a marketer. */
export const SEEDED_USERS: readonly DirectoryUser[] = [
  { user: 'admin', name: 'Ada Admin', role: 'admin', enabled: true, status: 'DEVELOPMENT' },
  { user: 'marketer', name: 'Mia Marketer', role: 'marketer', enabled: true, status: 'DEVELOPMENT' },
];

/**
 * The development sign-in's users: the seeded admin and marketer, the routing's reps as sales users,
 * and the users stored by the users admin, a stored user replacing a built-in one of the same name
 * (its role changed, or disabled). Ordered by name after the seeded ones.
 */
export function developmentDirectory(routing: RoutingConfig | undefined, stored: readonly DirectoryUser[]): DirectoryUser[] {
  const reps = (routing?.teams ?? []).flatMap((team) => team.reps.map((rep): DirectoryUser => ({ user: rep.id, name: rep.name, role: 'sales', enabled: true, status: 'DEVELOPMENT' })));
  const byName = new Map<string, DirectoryUser>();
  for (const user of [...SEEDED_USERS, ...reps, ...stored]) byName.set(user.user, user);
  return [...byName.values()];
}

/** What a directory says when the user named does not exist. */
export const noSuchUser = (user: string) => new NotFound(`No user ${user}`);

/** What a directory says when a new user's name is taken. */
export const userNameTaken = (user: string) => new Conflict(`A user named ${user} already exists`, [{ field: 'user', message: `is taken (${user})` }]);
