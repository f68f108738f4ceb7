import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction, routeKey } from '../../manifest/types';
import { ADMIN_ONLY, MARKETING, maySeeLead, ownLeadsOnly, ROLES, type Role } from '../../src/domain/roles';
import { callerOf, groupsOf } from '../../src/http/caller';
import { defineRoute, routesHandler } from '../../src/http/routes';
import { consoleUser, context, httpEvent, IAM_AUTHORIZER } from '../handlers/fixtures';

const adminRoutes = manifest.functions.filter(isHttpFunction).filter((fn) => fn.trigger.audience === 'admin').flatMap((fn) => fn.trigger.routes);
const publicRoutes = manifest.functions.filter(isHttpFunction).filter((fn) => fn.trigger.audience === 'public').flatMap((fn) => fn.trigger.routes);
const openTo = (role: Role) => adminRoutes.filter((route) => route.roles?.includes(role)).map((route) => route.operationId).sort();

describe('roles declared on the routes', () => {
  it('every admin route names the roles that may call it, admin among them; no public route names any', () => {
    expect(adminRoutes.filter((route) => !route.roles?.includes('admin')).map(routeKey)).toEqual([]);
    expect(publicRoutes.filter((route) => route.roles !== undefined).map(routeKey)).toEqual([]);
  });

  it('admin: every admin route, users and settings included', () => {
    expect(openTo('admin')).toEqual(adminRoutes.map((route) => route.operationId).sort());
  });

  it("sales: who they are, their leads (with their score over time) and feedback on them, their team's inbox, the reason lists, the subscription types (read only), the handoff report; nothing else", () => {
    expect(openTo('sales')).toEqual(['claimInboxLead', 'getHandoffReport', 'getLead', 'getLeadScoreHistory', 'getMe', 'getSalesReasons', 'getSubscriptionTypes', 'getTeamInbox', 'giveFeedback', 'listLeads']);
  });

  it('marketer: scoring, segments, templates, campaigns, forms, sources and reports, but no settings, webhooks, suppressions, erasure or bulk writes', () => {
    const marketer = openTo('marketer');
    for (const operationId of ['activateRuleset', 'saveRulesetDraft', 'backtestRuleset', 'createSegment', 'createTemplate', 'scheduleCampaign', 'saveForm', 'createSource', 'getHandoffReport', 'getLead', 'publishJourney', 'getCareReport', 'listWebhookChoices'])
      expect(marketer).toContain(operationId);
    for (const operationId of ['replaceRouting', 'replaceSalesReasons', 'createWebhook', 'listWebhooks', 'liftSuppression', 'eraseLead', 'exportLead', 'recordPurchases', 'applyCrmUpdates', 'giveFeedback', 'replaceSendPolicy', 'replaceCareSettings'])
      expect(marketer).not.toContain(operationId);
  });
});

describe('who made each admin change', () => {
  it('every admin function answers through routesHandler, which logs each of its changes with who made it (the test below), so no admin write route goes unrecorded', () => {
    const adminFunctions = manifest.functions.filter(isHttpFunction).filter((fn) => fn.trigger.audience === 'admin');
    const writeRoutes = adminFunctions.flatMap((fn) => fn.trigger.routes).filter((route) => route.method !== 'GET');
    expect(writeRoutes.length).toBeGreaterThan(50);
    expect(adminFunctions.filter((fn) => !/\broutesHandler\(/.test(readFileSync(fn.entry, 'utf8'))).map((fn) => fn.name)).toEqual([]);
  });
});

describe('callerOf', () => {
  const event = (authorizer?: Record<string, unknown>) => httpEvent({ path: '/v1/admin/me', method: 'GET', ...(authorizer ? { authorizer } : {}) });

  it('reads IAM as a service with full access', () => {
    expect(callerOf(event(IAM_AUTHORIZER))).toEqual({ kind: 'service', principal: 'AIDAEXAMPLE' });
    // An assumed role's session name (often a person's email) is left out; the development token has no id.
    expect(callerOf(event({ iam: { userId: 'AROAEXAMPLE:ops@example.com', userArn: 'arn:aws:sts::123456789012:assumed-role/ops/ops@example.com' } }))).toEqual({ kind: 'service', principal: 'AROAEXAMPLE' });
    expect(callerOf(event({ iam: {} }))).toEqual({ kind: 'service' });
  });

  it("reads a Cognito ID token's claims: sign-in name, display name, role from the groups API Gateway flattened into `[a b]`", () => {
    expect(callerOf(event(consoleUser('rep-ana', ['sales'], 'Ana Putri')))).toEqual({ kind: 'user', user: 'rep-ana', name: 'Ana Putri', role: 'sales', subject: 'sub-rep-ana' });
  });

  it('reads an access token (username, no name) and gives a member of several groups the role that may do the most', () => {
    const claims = { sub: 'abc', username: 'mia', 'cognito:groups': '[sales marketer]' };
    expect(callerOf(event({ jwt: { claims } }))).toEqual({ kind: 'user', user: 'mia', name: 'mia', role: 'marketer', subject: 'abc' });
  });

  it('reads a signed-in person in no role group, or no authorizer at all, as nobody', () => {
    expect(callerOf(event({ jwt: { claims: { sub: 'abc', username: 'x', 'cognito:groups': '[Viewers]' } } }))).toEqual({ kind: 'anonymous' });
    expect(callerOf(event({ jwt: { claims: { sub: 'abc', username: 'x' } } }))).toEqual({ kind: 'anonymous' });
    expect(callerOf(httpEvent({ path: '/v1/events' }))).toEqual({ kind: 'anonymous' });
  });

  it('reads the group claim in every form it arrives in', () => {
    expect(groupsOf('[admin sales]')).toEqual(['admin', 'sales']);
    expect(groupsOf('admin,sales')).toEqual(['admin', 'sales']);
    expect(groupsOf(['marketer'])).toEqual(['marketer']);
    expect(groupsOf('[]')).toEqual([]);
  });
});

describe('routesHandler enforces the route roles', () => {
  const logger = new Logger({ logLevel: 'SILENT' });
  const marketing = defineRoute({
    operationId: 'activateThing',
    method: 'POST',
    path: '/v1/admin/things/{id}/activate',
    roles: MARKETING,
    summary: 'test route',
    request: {},
    responses: { 200: { description: 'ok' } },
  });
  const settings = defineRoute({ ...marketing, operationId: 'readSettings', method: 'GET', path: '/v1/admin/settings', roles: ADMIN_ONLY });
  const unguarded = defineRoute({ ...marketing, operationId: 'publicThing', path: '/v1/things', roles: undefined });
  const ran: string[] = [];
  const handler = routesHandler({ logger, maxBodyBytes: 1024, unavailable: () => undefined }, [marketing, settings, unguarded], {
    activateThing: async ({ caller }) => {
      ran.push(caller.kind === 'user' ? caller.role : caller.kind);
      return { statusCode: 200, body: '{}' };
    },
    readSettings: async () => ({ statusCode: 200, body: '{}' }),
    publicThing: async () => ({ statusCode: 200, body: '{}' }),
  });
  const call = (route: { method: string; path: string }, authorizer?: Record<string, unknown>) =>
    handler(httpEvent({ method: route.method, path: route.path, ...(authorizer ? { authorizer } : { authorizer: {} }) }), context);

  it.each(ROLES)('%s: allowed exactly where the route lists the role, else 403 naming the role and the route before anything runs', async (role) => {
    ran.length = 0;
    const response = await call(marketing, consoleUser(`someone-${role}`, [role]));
    if (MARKETING.includes(role)) {
      expect(response.statusCode).toBe(200);
      expect(ran).toEqual([role]);
    } else {
      expect(response.statusCode).toBe(403);
      expect(JSON.parse(response.body ?? '{}')).toEqual({ message: `Role ${role} may not call activateThing (POST /v1/admin/things/{id}/activate): it is open to admin, marketer` });
      expect(ran).toEqual([]);
    }
    expect((await call(settings, consoleUser(`someone-${role}`, [role]))).statusCode).toBe(role === 'admin' ? 200 : 403);
  });

  it('a service (IAM, the development token) may call every route', async () => {
    expect((await call(marketing, IAM_AUTHORIZER)).statusCode).toBe(200);
    expect((await call(settings, IAM_AUTHORIZER)).statusCode).toBe(200);
  });

  it('a request without a known authorizer, or from a person in no role group, is refused', async () => {
    expect((await call(marketing)).statusCode).toBe(403);
    expect((await call(settings, { jwt: { claims: { sub: 'x', username: 'x', 'cognito:groups': '[Viewers]' } } })).statusCode).toBe(403);
  });

  it('a signed-in person reaching a route that declares no roles is refused, not trusted', async () => {
    const response = await call(unguarded, consoleUser('ada', ['admin']));
    expect(response.statusCode).toBe(403);
    expect((await call(unguarded)).statusCode).toBe(200);
  });

  it('logs each change with the operation, role and opaque subject of who made it (for IAM, its unique id without the session name), and nothing that names them; reads are not logged', async () => {
    const info = vi.spyOn(logger, 'info');
    await call(marketing, consoleUser('mia.santoso@example.com', ['marketer'], 'Mia Santoso'));
    await call(settings, consoleUser('ada', ['admin']));
    await call(marketing, { iam: { userId: 'AROAEXAMPLE:ops@example.com', userArn: 'arn:aws:sts::123456789012:assumed-role/ops/ops@example.com' } });
    expect(info.mock.calls).toEqual([
      ['Admin action', { operationId: 'activateThing', caller: { kind: 'user', role: 'marketer', subject: 'sub-mia.santoso@example.com' }, statusCode: 200 }],
      ['Admin action', { operationId: 'activateThing', caller: { kind: 'service', principal: 'AROAEXAMPLE' }, statusCode: 200 }],
    ]);
    info.mockRestore();
  });
});

describe('maySeeLead', () => {
  const rep = { kind: 'user', user: 'rep-ana', name: 'Ana', role: 'sales', subject: 's' } as const;
  it('lets a sales rep see their own leads only, and everyone else every lead', () => {
    expect(maySeeLead(rep, { repId: 'rep-ana' })).toBe(true);
    expect(maySeeLead(rep, { repId: 'rep-budi' })).toBe(false);
    expect(maySeeLead(rep, undefined)).toBe(false);
    expect(maySeeLead({ ...rep, role: 'marketer' }, { repId: 'rep-budi' })).toBe(true);
    expect(maySeeLead({ kind: 'service' }, undefined)).toBe(true);
  });

  it('limits the lead lists of a sales rep to their own leads, and no one else', () => {
    expect(ownLeadsOnly(rep)).toBe('rep-ana');
    expect(ownLeadsOnly({ ...rep, role: 'admin' })).toBeUndefined();
    expect(ownLeadsOnly({ kind: 'service' })).toBeUndefined();
  });
});
