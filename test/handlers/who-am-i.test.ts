import { beforeAll, describe, expect, it } from 'vitest';
import { consoleUser, context, httpEvent, IAM_AUTHORIZER, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
let handler: (typeof import('../../functions/who-am-i/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/who-am-i/handler'));
});

const me = async (authorizer: Record<string, unknown>) => {
  const response = await handler(httpEvent({ method: 'GET', path: '/v1/admin/me', authorizer }), context);
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as unknown };
};

describe('GET /v1/admin/me', () => {
  it.each([
    ['admin', 'ada'],
    ['marketer', 'mia'],
    ['sales', 'rep-ana'],
  ] as const)('tells a signed-in %s who they are and their role', async (role, user) => {
    expect(await me(consoleUser(user, [role], `Name of ${user}`))).toEqual({ status: 200, body: { user, name: `Name of ${user}`, role } });
  });

  it('tells a service (the CLI, the development token) it is a service with the admin role', async () => {
    expect(await me(IAM_AUTHORIZER)).toEqual({ status: 200, body: { user: 'service', name: 'Service', role: 'admin' } });
  });

  it('refuses a signed-in person in no role group', async () => {
    expect((await me({ jwt: { claims: { sub: 'x', username: 'x' } } })).status).toBe(403);
  });
});
