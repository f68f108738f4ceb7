import * as z from 'zod/mini';
import { RoutingConfig } from '../../src/domain/handoff/routing';
import { defineRoute } from '../../src/http/routes';
import { ADMIN_ONLY, MARKETING } from '../../src/domain/roles';

const StoredRouting = z
  .object({ ...RoutingConfig.shape, version: z.int().check(z.gte(1)), updatedAt: z.iso.datetime() }).check(z.meta({ id: 'StoredRouting' }));

export const getRouting = defineRoute({
  operationId: 'getRouting',
  method: 'GET',
  path: '/v1/admin/routing',
  roles: MARKETING,
  summary: 'Read the owner routing configuration',
  request: {},
  responses: { 200: { description: 'The teams, rules and default team, with `version` and `updatedAt`.', schema: StoredRouting } },
  errors: { 404: 'No routing configured: MQL alerts go to the sales inbox.' },
});

export const replaceRouting = defineRoute({
  operationId: 'replaceRouting',
  method: 'PUT',
  path: '/v1/admin/routing',
  roles: ADMIN_ONLY,
  summary: 'Replace the owner routing configuration',
  description:
    'Teams (id, name, team `inbox`, reps with id, name, email and `capacity`: the most open MQLs at once), `rules` tried in order (`when`: a pattern over `{ lead }`; `team`) and a `defaultTeam`. ' +
    "A qualified lead without an owner goes to the first matching rule's team, else the default, and to the team's next rep under capacity by round-robin; when all are full, to the team inbox unassigned. " +
    'Refused with 400 naming the field: a rule or default naming no team, a team or rep id used twice, a condition that is malformed or can never match.',
  request: { body: { schema: RoutingConfig } },
  responses: { 200: { description: 'The saved configuration with its new `version`.', schema: StoredRouting } },
  errors: { 409: 'Saved by someone else at the same time; read and repeat.' },
});

export const manageRoutingRoutes = [getRouting, replaceRouting] as const;
