import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  type CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { ROLES, type Role, roleOfGroups } from '../domain/roles';
import { type DirectoryUser, type NewUser, noSuchUser, userNameTaken } from '../domain/users';

const errorName = (error: unknown) => (error instanceof Error ? error.name : undefined);

/** Cognito's "no such user" as the directory's NotFound; anything else as it is. */
async function onUser<T>(user: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (errorName(error) === 'UserNotFoundException') throw noSuchUser(user);
    throw error;
  }
}

const attributeOf = (user: UserType, name: string) => user.Attributes?.find((attribute) => attribute.Name === name)?.Value;

/**
 * The console's users in the Cognito user pool, one group per role (infra/console.ts). The function
 * may call only the actions used here, on this pool alone.
 */
export class CognitoUserDirectory {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: () => Promise<string>,
  ) {}

  /** Every user with the role of their groups: one ListUsers walk and one ListUsersInGroup walk per role, not a call per user. */
  async list(): Promise<DirectoryUser[]> {
    const UserPoolId = await this.userPoolId();
    const groupsOf = new Map<string, Role[]>();
    for (const role of ROLES) {
      let NextToken: string | undefined;
      do {
        const page = await this.client.send(new ListUsersInGroupCommand({ UserPoolId, GroupName: role, NextToken }));
        for (const member of page.Users ?? []) if (member.Username) groupsOf.set(member.Username, [...(groupsOf.get(member.Username) ?? []), role]);
        NextToken = page.NextToken;
      } while (NextToken);
    }
    const users: DirectoryUser[] = [];
    let PaginationToken: string | undefined;
    do {
      const page = await this.client.send(new ListUsersCommand({ UserPoolId, PaginationToken }));
      for (const found of page.Users ?? []) {
        if (!found.Username) continue;
        const email = attributeOf(found, 'email');
        users.push({
          user: found.Username,
          name: attributeOf(found, 'name') ?? found.Username,
          ...(email ? { email } : {}),
          role: roleOfGroups(groupsOf.get(found.Username) ?? []),
          enabled: found.Enabled ?? true,
          status: found.UserStatus ?? 'UNKNOWN',
        });
      }
      PaginationToken = page.PaginationToken;
    } while (PaginationToken);
    return users.sort((a, b) => a.user.localeCompare(b.user));
  }

  /** Cognito emails the invitation with a temporary password; the address is taken as verified, since an admin typed it. */
  async create(user: NewUser): Promise<DirectoryUser> {
    const UserPoolId = await this.userPoolId();
    let created: UserType | undefined;
    try {
      ({ User: created } = await this.client.send(
        new AdminCreateUserCommand({
          UserPoolId,
          Username: user.user,
          UserAttributes: [
            { Name: 'email', Value: user.email },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'name', Value: user.name },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      ));
    } catch (error) {
      if (errorName(error) === 'UsernameExistsException') throw userNameTaken(user.user);
      throw error;
    }
    await this.client.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: user.user, GroupName: user.role }));
    return { ...user, enabled: created?.Enabled ?? true, status: created?.UserStatus ?? 'FORCE_CHANGE_PASSWORD' };
  }

  /** Added to the new role's group before leaving the others, so a failure half way leaves the user with a role. */
  async setRole(user: string, role: Role): Promise<void> {
    const UserPoolId = await this.userPoolId();
    const { Groups } = await onUser(user, () => this.client.send(new AdminListGroupsForUserCommand({ UserPoolId, Username: user })));
    await onUser(user, () => this.client.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: user, GroupName: role })));
    for (const group of Groups ?? []) {
      if (group.GroupName && group.GroupName !== role && (ROLES as readonly string[]).includes(group.GroupName)) {
        await onUser(user, () => this.client.send(new AdminRemoveUserFromGroupCommand({ UserPoolId, Username: user, GroupName: group.GroupName })));
      }
    }
  }

  async setEnabled(user: string, enabled: boolean): Promise<void> {
    const UserPoolId = await this.userPoolId();
    await onUser(user, () => this.client.send(enabled ? new AdminEnableUserCommand({ UserPoolId, Username: user }) : new AdminDisableUserCommand({ UserPoolId, Username: user })));
  }
}
