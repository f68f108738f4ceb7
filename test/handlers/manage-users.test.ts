import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
  UsernameExistsException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleUser, context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
process.env.USER_POOL_SECRET = 'Leadflow-console-user-pool';
const POOL = 'us-east-1_Example';
const cognito = mockClient(CognitoIdentityProviderClient);
const secrets = mockClient(SecretsManagerClient);
let handler: (typeof import('../../functions/manage-users/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/manage-users/handler'));
});

beforeEach(() => {
  cognito.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: 'Leadflow-console-user-pool' }).resolves({ SecretString: JSON.stringify({ userPoolId: POOL }) });
});

const ADA = consoleUser('ada', ['admin'], 'Ada');
const call = async (method: 'GET' | 'POST' | 'PUT', path: string, options: { route?: string; user?: string; body?: unknown; authorizer?: Record<string, unknown> } = {}) => {
  const result = await handler(
    httpEvent({
      method,
      path,
      ...(options.route ? { route: options.route } : {}),
      ...(options.user ? { pathParameters: { user: options.user } } : {}),
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body), headers: { 'content-type': 'application/json' } }),
      authorizer: options.authorizer ?? ADA,
    }),
    context,
  );
  return { statusCode: result.statusCode, body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {} };
};
const invite = { user: 'sam', name: 'Sam Sales', email: 'sam@example.com', role: 'sales' };
/** Every call that changes the pool: all but the List* reads. */
const writes = () => cognito.calls().filter((sent) => !/^(Admin)?List/.test(sent.args[0].constructor.name));

describe('manage-users on Cognito', () => {
  it('lists the pool\'s users with the role of their groups and their status, from one walk per group, not a call per user', async () => {
    cognito.on(ListUsersInGroupCommand, { GroupName: 'admin' }).resolves({ Users: [{ Username: 'ada' }] });
    cognito.on(ListUsersInGroupCommand, { GroupName: 'sales' }).resolves({ Users: [{ Username: 'rep-ana' }] });
    cognito.on(ListUsersInGroupCommand, { GroupName: 'marketer' }).resolves({ Users: [] });
    cognito
      .on(ListUsersCommand)
      .resolvesOnce({
        Users: [{ Username: 'rep-ana', Enabled: false, UserStatus: 'CONFIRMED', Attributes: [{ Name: 'name', Value: 'Ana' }, { Name: 'email', Value: 'ana@example.com' }] }],
        PaginationToken: 'next',
      })
      .resolvesOnce({ Users: [{ Username: 'ada', Enabled: true, UserStatus: 'FORCE_CHANGE_PASSWORD', Attributes: [{ Name: 'name', Value: 'Ada' }] }, { Username: 'nobody', Enabled: true, UserStatus: 'CONFIRMED' }] });
    const { statusCode, body } = await call('GET', '/v1/admin/users');
    expect(statusCode).toBe(200);
    expect(body.users).toEqual([
      { user: 'ada', name: 'Ada', role: 'admin', enabled: true, status: 'FORCE_CHANGE_PASSWORD' },
      { user: 'nobody', name: 'nobody', enabled: true, status: 'CONFIRMED' },
      { user: 'rep-ana', name: 'Ana', email: 'ana@example.com', role: 'sales', enabled: false, status: 'CONFIRMED' },
    ]);
    expect(cognito.commandCalls(ListUsersCommand).every((listed) => listed.args[0].input.UserPoolId === POOL)).toBe(true);
  });

  it('invites a user: Cognito creates them and emails the invitation, then they join the role group', async () => {
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: 'sam', Enabled: true, UserStatus: 'FORCE_CHANGE_PASSWORD' } });
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    expect(await call('POST', '/v1/admin/users', { body: invite })).toEqual({ statusCode: 201, body: { ...invite, enabled: true, status: 'FORCE_CHANGE_PASSWORD' } });
    expect(cognito.commandCalls(AdminCreateUserCommand)[0]?.args[0].input).toMatchObject({ UserPoolId: POOL, Username: 'sam', DesiredDeliveryMediums: ['EMAIL'] });
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)[0]?.args[0].input).toEqual({ UserPoolId: POOL, Username: 'sam', GroupName: 'sales' });
  });

  it("answers Cognito's UsernameExistsException with a 409 naming the field, and adds no one to a group", async () => {
    cognito.on(AdminCreateUserCommand).rejects(new UsernameExistsException({ message: 'User account already exists', $metadata: {} }));
    const { statusCode, body } = await call('POST', '/v1/admin/users', { body: invite });
    expect(statusCode).toBe(409);
    expect(body.issues).toEqual([{ field: 'user', message: 'is taken (sam)' }]);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
  });

  it('refuses bad input with a 400 naming the field, calling Cognito for nothing', async () => {
    for (const [body, field] of [
      [{ ...invite, role: 'owner' }, 'role'],
      [{ ...invite, email: 'not-an-address' }, 'email'],
      [{ ...invite, user: 'Sam Sales' }, 'user'],
      [{ ...invite, extra: 1 }, '(body)'],
    ] as const) {
      const response = await call('POST', '/v1/admin/users', { body });
      expect(response.statusCode, field).toBe(400);
      expect((response.body.issues as { field: string }[])[0]?.field, field).toBe(field);
    }
    expect(cognito.calls()).toHaveLength(0);
  });

  it('moves a user to the new role group, then out of the others', async () => {
    cognito.on(AdminListGroupsForUserCommand).resolves({ Groups: [{ GroupName: 'sales' }] });
    const response = await call('PUT', '/v1/admin/users/rep-ana/role', { route: '/v1/admin/users/{user}/role', user: 'rep-ana', body: { role: 'marketer' } });
    expect(response).toEqual({ statusCode: 200, body: { user: 'rep-ana', role: 'marketer' } });
    expect(cognito.calls().map((sent) => sent.args[0].constructor.name)).toEqual(['AdminListGroupsForUserCommand', 'AdminAddUserToGroupCommand', 'AdminRemoveUserFromGroupCommand']);
    expect(cognito.commandCalls(AdminRemoveUserFromGroupCommand)[0]?.args[0].input).toEqual({ UserPoolId: POOL, Username: 'rep-ana', GroupName: 'sales' });
  });

  it('answers 404 for a user the pool does not have', async () => {
    cognito.on(AdminDisableUserCommand).rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
    expect((await call('POST', '/v1/admin/users/ghost/disable', { route: '/v1/admin/users/{user}/disable', user: 'ghost' })).statusCode).toBe(404);
  });

  it('refuses an admin demoting or disabling themselves with a 409 saying why, and changes nothing', async () => {
    const demote = await call('PUT', '/v1/admin/users/ada/role', { route: '/v1/admin/users/{user}/role', user: 'ada', body: { role: 'sales' } });
    expect(demote.statusCode).toBe(409);
    expect(demote.body.message).toMatch(/cannot change their own role/);
    const disable = await call('POST', '/v1/admin/users/ada/disable', { route: '/v1/admin/users/{user}/disable', user: 'ada' });
    expect(disable.statusCode).toBe(409);
    expect(disable.body.message).toMatch(/cannot disable themselves/);
    expect(writes()).toHaveLength(0);
  });

  it('is for admins only: a marketer and a sales user are refused before Cognito is called', async () => {
    for (const role of ['marketer', 'sales']) {
      expect((await call('GET', '/v1/admin/users', { authorizer: consoleUser('someone', [role]) })).statusCode).toBe(403);
    }
    expect(cognito.calls()).toHaveLength(0);
  });
});
