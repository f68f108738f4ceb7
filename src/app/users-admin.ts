import { Conflict } from '../domain/errors';
import type { Caller, Role } from '../domain/roles';
import type { DirectoryUser, NewUser } from '../domain/users';

/**
 * Where the console's users live: Amazon Cognito's user pool in AWS (its groups are the roles), the
 * table the development sign-in reads locally.
 */
export interface UserDirectory {
  list(): Promise<DirectoryUser[]>;
  /** Creates the user in `role` and invites them (Cognito emails a temporary password); a name already taken is refused with a Conflict naming `user`. */
  create(user: NewUser): Promise<DirectoryUser>;
  /** Moves the user to `role` alone; NotFound when there is no such user. */
  setRole(user: string, role: Role): Promise<void>;
  /** NotFound when there is no such user. */
  setEnabled(user: string, enabled: boolean): Promise<void>;
}

/** The user a change is about is the caller: refused for anything that would take their admin role away. */
function refuseSelfLockout(caller: Caller, user: string, change: 'demote' | 'disable'): void {
  if (caller.kind !== 'user' || caller.user !== user) return;
  throw new Conflict(
    change === 'demote'
      ? 'An admin cannot change their own role: another admin must, so the console always keeps one'
      : 'An admin cannot disable themselves: another admin must, so the console always keeps one',
    [{ field: 'user', message: `is you (${user})` }],
  );
}

/** The users admin: list, invite, change a role, disable and enable; admins only (the route says so). */
export class UsersAdmin {
  constructor(private readonly directory: UserDirectory) {}

  list(): Promise<DirectoryUser[]> {
    return this.directory.list();
  }

  invite(user: NewUser): Promise<DirectoryUser> {
    return this.directory.create(user);
  }

  async setRole(caller: Caller, user: string, role: Role): Promise<{ user: string; role: Role }> {
    if (role !== 'admin') refuseSelfLockout(caller, user, 'demote');
    await this.directory.setRole(user, role);
    return { user, role };
  }

  async setEnabled(caller: Caller, user: string, enabled: boolean): Promise<{ user: string; enabled: boolean }> {
    if (!enabled) refuseSelfLockout(caller, user, 'disable');
    await this.directory.setEnabled(user, enabled);
    return { user, enabled };
  }
}
