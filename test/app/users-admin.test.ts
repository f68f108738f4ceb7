import { describe, expect, it } from 'vitest';
import { UsersAdmin, type UserDirectory } from '../../src/app/users-admin';
import { Conflict, NotFound } from '../../src/domain/errors';
import type { Caller, Role } from '../../src/domain/roles';
import { type DirectoryUser, type NewUser, noSuchUser, userNameTaken } from '../../src/domain/users';

/** A directory in memory: the stand-in for Cognito and the local table. */
class InMemoryUserDirectory implements UserDirectory {
  readonly users = new Map<string, DirectoryUser>();

  constructor(users: readonly DirectoryUser[]) {
    for (const user of users) this.users.set(user.user, user);
  }

  async list() {
    return [...this.users.values()];
  }

  async create(user: NewUser) {
    if (this.users.has(user.user)) throw userNameTaken(user.user);
    const created: DirectoryUser = { ...user, enabled: true, status: 'FORCE_CHANGE_PASSWORD' };
    this.users.set(user.user, created);
    return created;
  }

  async setRole(user: string, role: Role) {
    this.users.set(user, { ...this.existing(user), role });
  }

  async setEnabled(user: string, enabled: boolean) {
    this.users.set(user, { ...this.existing(user), enabled });
  }

  private existing(user: string) {
    const found = this.users.get(user);
    if (!found) throw noSuchUser(user);
    return found;
  }
}

const ada: DirectoryUser = { user: 'ada', name: 'Ada', email: 'ada@example.com', role: 'admin', enabled: true, status: 'CONFIRMED' };
const bo: DirectoryUser = { user: 'bo', name: 'Bo', email: 'bo@example.com', role: 'admin', enabled: true, status: 'CONFIRMED' };
const adaSignedIn: Caller = { kind: 'user', user: 'ada', name: 'Ada', role: 'admin', subject: 'sub-ada' };
const setUp = () => {
  const directory = new InMemoryUserDirectory([ada, bo]);
  return { directory, admin: new UsersAdmin(directory) };
};

describe('users admin', () => {
  it('invites a user in a role, who is then listed with that role, enabled and waiting for their first sign-in', async () => {
    const { admin } = setUp();
    await admin.invite({ user: 'sam', name: 'Sam', email: 'sam@example.com', role: 'sales' });
    expect(await admin.list()).toContainEqual({ user: 'sam', name: 'Sam', email: 'sam@example.com', role: 'sales', enabled: true, status: 'FORCE_CHANGE_PASSWORD' });
  });

  it('refuses a name already taken with a Conflict naming user, keeping the existing user as they were', async () => {
    const { admin, directory } = setUp();
    const refused = admin.invite({ user: 'bo', name: 'Another Bo', email: 'other@example.com', role: 'sales' });
    await expect(refused).rejects.toBeInstanceOf(Conflict);
    await expect(refused).rejects.toMatchObject({ issues: [{ field: 'user' }] });
    expect(directory.users.get('bo')).toEqual(bo);
  });

  it("lets one admin change another's role, disable and enable them", async () => {
    const { admin, directory } = setUp();
    expect(await admin.setRole(adaSignedIn, 'bo', 'marketer')).toEqual({ user: 'bo', role: 'marketer' });
    expect(await admin.setEnabled(adaSignedIn, 'bo', false)).toEqual({ user: 'bo', enabled: false });
    expect(directory.users.get('bo')).toMatchObject({ role: 'marketer', enabled: false });
    await admin.setEnabled(adaSignedIn, 'bo', true);
    expect(directory.users.get('bo')).toMatchObject({ role: 'marketer', enabled: true });
  });

  it('refuses an admin demoting or disabling themselves with a Conflict saying why, and changes nothing', async () => {
    const { admin, directory } = setUp();
    for (const role of ['marketer', 'sales'] as const) {
      await expect(admin.setRole(adaSignedIn, 'ada', role)).rejects.toThrow(/cannot change their own role/);
    }
    await expect(admin.setEnabled(adaSignedIn, 'ada', false)).rejects.toThrow(/cannot disable themselves/);
    await expect(admin.setEnabled(adaSignedIn, 'ada', false)).rejects.toMatchObject({ issues: [{ field: 'user', message: 'is you (ada)' }] });
    expect(directory.users.get('ada')).toEqual(ada);
    // Keeping their own admin role is no lockout; a service (the CLI) has no self to lock out.
    expect(await admin.setRole(adaSignedIn, 'ada', 'admin')).toEqual({ user: 'ada', role: 'admin' });
    expect(await admin.setEnabled({ kind: 'service' }, 'ada', false)).toEqual({ user: 'ada', enabled: false });
  });

  it('says NotFound for a user the directory does not have', async () => {
    const { admin } = setUp();
    await expect(admin.setRole(adaSignedIn, 'ghost', 'sales')).rejects.toBeInstanceOf(NotFound);
    await expect(admin.setEnabled(adaSignedIn, 'ghost', true)).rejects.toBeInstanceOf(NotFound);
  });
});
