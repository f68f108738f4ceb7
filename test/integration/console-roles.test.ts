import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { sharedStack } from './shared-stack';

/**
 * The console's sign-in and roles on the running local stack: a development session reaches the real
 * functions, which enforce the role of every route. Sales users follow the stored routing, which other
 * files on this stack own: sales are covered in test/handlers and test/local/dev-sessions.test.ts.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await sharedStack();
});

const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const signIn = async (user: string) => (await call('POST', '/v1/dev/sessions', undefined, { user })).body.token as string;

describe('console sign-in on the local stack', () => {
  it('signs in the seeded marketer, who reads scoring but is refused the admin-only webhooks with a 403 naming role and route', async () => {
    const users = (await call('GET', '/v1/dev/users', undefined)).body.users as { user: string; role: string }[];
    expect(users.slice(0, 2)).toEqual([expect.objectContaining({ user: 'admin', role: 'admin' }), expect.objectContaining({ user: 'marketer', role: 'marketer' })]);
    const marketer = await signIn('marketer');
    expect(await call('GET', '/v1/admin/me', marketer)).toEqual({ status: 200, body: { user: 'marketer', name: 'Mia Marketer', role: 'marketer' } });
    expect((await call('GET', '/v1/admin/rulesets', marketer)).status).toBe(200);
    expect(await call('GET', '/v1/admin/webhooks', marketer)).toEqual({
      status: 403,
      body: { message: 'Role marketer may not call listWebhooks (GET /v1/admin/webhooks): it is open to admin' },
    });
  });

  it('lets the seeded admin and the development token (the CLI) call admin-only routes', async () => {
    expect((await call('GET', '/v1/admin/webhooks', await signIn('admin'))).status).toBe(200);
    expect((await call('GET', '/v1/admin/webhooks', stack.devToken)).status).toBe(200);
  });

  it('lets an admin invite a user who can then sign in, follow the role the admin gives them, and no longer sign in once disabled', async () => {
    const admin = await signIn('admin');
    const user = `invited-${Date.now().toString(36)}`;
    expect(await call('POST', '/v1/admin/users', admin, { user, name: 'Ivy Invited', email: `${user}@example.com`, role: 'marketer' })).toEqual({
      status: 201,
      body: { user, name: 'Ivy Invited', email: `${user}@example.com`, role: 'marketer', enabled: true, status: 'DEVELOPMENT' },
    });
    expect((await call('GET', '/v1/admin/me', await signIn(user))).body).toEqual({ user, name: 'Ivy Invited', role: 'marketer' });
    expect((await call('PUT', `/v1/admin/users/${user}/role`, admin, { role: 'sales' })).status).toBe(200);
    expect((await call('GET', '/v1/admin/me', await signIn(user))).body).toMatchObject({ user, role: 'sales' });
    expect((await call('GET', '/v1/admin/users', admin)).body.users).toContainEqual(expect.objectContaining({ user, role: 'sales', enabled: true }));
    expect((await call('POST', `/v1/admin/users/${user}/disable`, admin)).status).toBe(200);
    expect((await call('POST', '/v1/dev/sessions', undefined, { user })).status).toBe(400);
    // The admin cannot lock themselves out; the seeded admin is unchanged.
    expect((await call('POST', '/v1/admin/users/admin/disable', admin)).status).toBe(409);
    expect((await call('GET', '/v1/admin/me', await signIn('admin'))).body).toMatchObject({ role: 'admin' });
  });
});
