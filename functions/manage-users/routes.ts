import * as z from 'zod/mini';
import { ADMIN_ONLY, ROLES } from '../../src/domain/roles';
import { UserName } from '../../src/domain/users';
import { defineRoute } from '../../src/http/routes';

const UserParams = z.object({ user: UserName });
const RoleName = z.enum(ROLES, { error: `is one of ${ROLES.join(', ')}` });

const ConsoleUser = z
  .object({
    user: z.string().check(z.describe("The sign-in name; a sales user's is their rep id in the routing.")),
    name: z.string(),
    email: z.optional(z.string()),
    role: z.optional(RoleName).check(z.describe('Absent for a user in no role group, who may sign in but call nothing.')),
    enabled: z.boolean().check(z.describe('A disabled user cannot sign in.')),
    status: z.string().check(z.describe('`FORCE_CHANGE_PASSWORD` until an invited user signs in and sets a password, then `CONFIRMED`; `DEVELOPMENT` for the local sign-in.')),
  }).check(z.meta({ id: 'ConsoleUser' }));

export const InviteUserRequest = z
  .strictObject({
    user: UserName,
    name: z.string({ error: 'is required' }).check(z.trim(), z.minLength(1, 'is required'), z.maxLength(128)),
    email: z.email({ error: 'must be an email address' }).check(z.maxLength(254)),
    role: RoleName,
  }).check(z.meta({ id: 'InviteUserRequest' }));

const UserEnabled = z.object({ user: z.string(), enabled: z.boolean() }).check(z.meta({ id: 'UserEnabled' }));

const SELF = 'Refused with 409 naming `user` when it is the caller: an admin cannot demote or disable themselves, so the console always keeps an admin.';

export const listUsers = defineRoute({
  operationId: 'listUsers',
  method: 'GET',
  path: '/v1/admin/users',
  roles: ADMIN_ONLY,
  summary: 'List the console users with their role and status',
  description: "The Cognito user pool's users in AWS, the development sign-in's users locally.",
  request: {},
  responses: { 200: { description: "`{ users }`: by user name in AWS; locally the seeded users, the routing's reps, then those invited.", schema: z.object({ users: z.array(ConsoleUser) }).check(z.meta({ id: 'ConsoleUserList' })) } },
});

export const inviteUser = defineRoute({
  operationId: 'inviteUser',
  method: 'POST',
  path: '/v1/admin/users',
  roles: ADMIN_ONLY,
  summary: 'Invite a console user with a role',
  description: 'Creates the user in the role given; in AWS Cognito emails them the user name and a temporary password, valid 3 days. Locally they can sign in at once.',
  request: { body: { schema: InviteUserRequest } },
  responses: { 201: { description: 'The user as created.', schema: ConsoleUser } },
  errors: { 409: 'The user name is taken (names `user`).' },
});

export const setUserRole = defineRoute({
  operationId: 'setUserRole',
  method: 'PUT',
  path: '/v1/admin/users/{user}/role',
  roles: ADMIN_ONLY,
  summary: "Change a console user's role",
  description: `The user moves to the role given and leaves the others; it takes effect at their next sign-in or token refresh (within an hour). ${SELF}`,
  request: { params: UserParams, body: { schema: z.strictObject({ role: RoleName }).check(z.meta({ id: 'UserRoleRequest' })) } },
  responses: { 200: { description: '`{ user, role }`.', schema: z.object({ user: z.string(), role: RoleName }).check(z.meta({ id: 'UserRoleSet' })) } },
  errors: { 404: 'No such user.', 409: 'The user is the caller.' },
});

export const disableUser = defineRoute({
  operationId: 'disableUser',
  method: 'POST',
  path: '/v1/admin/users/{user}/disable',
  roles: ADMIN_ONLY,
  summary: 'Stop a console user signing in',
  description: `Their records keep their name; enable them to undo. ${SELF}`,
  request: { params: UserParams },
  responses: { 200: { description: '`{ user, enabled: false }`.', schema: UserEnabled } },
  errors: { 404: 'No such user.', 409: 'The user is the caller.' },
});

export const enableUser = defineRoute({
  operationId: 'enableUser',
  method: 'POST',
  path: '/v1/admin/users/{user}/enable',
  roles: ADMIN_ONLY,
  summary: 'Let a disabled console user sign in again',
  description: 'Their role is as it was.',
  request: { params: UserParams },
  responses: { 200: { description: '`{ user, enabled: true }`.', schema: UserEnabled } },
  errors: { 404: 'No such user.' },
});

export const manageUsersRoutes = [listUsers, inviteUser, setUserRole, disableUser, enableUser] as const;
