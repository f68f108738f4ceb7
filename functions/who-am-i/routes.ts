import * as z from 'zod/mini';
import { EVERY_ROLE, ROLES } from '../../src/domain/roles';
import { defineRoute } from '../../src/http/routes';

export const Me = z
  .object({
    user: z.string().check(z.describe("The sign-in name; a sales rep's is their rep id in the routing.")),
    name: z.string(),
    role: z.enum(ROLES),
  }).check(z.meta({ id: 'Me' }));
export type Me = z.infer<typeof Me>;

export const getMe = defineRoute({
  operationId: 'getMe',
  method: 'GET',
  path: '/v1/admin/me',
  roles: EVERY_ROLE,
  summary: 'Who is signed in, and their role',
  description:
    'The console asks once after sign-in, to show what the role may do (the API enforces it on every route). A service (IAM in AWS, the development token locally) is `service` with the admin role, which it has.',
  request: {},
  responses: { 200: { description: '`{ user, name, role }`.', schema: Me } },
});

export const whoAmIRoutes = [getMe] as const;
