import { resolve } from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction, routeKey } from '../../manifest/types';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
Object.assign(process.env, { PRIVACY_SALT_SECRET: 'privacy-salt', PUBLIC_BASE_URL: 'https://mail.example.com' });

/** Every AWS client the HTTP functions use turns every call away, as a throttled table or service does after the SDK's own retries. */
const throttling = (name: string) => Object.assign(new Error('Rate exceeded for table leadflow-test, key jane@example.com'), { name });
const mocks = [
  mockClient(DynamoDBDocumentClient).onAnyCommand().rejects(throttling('ProvisionedThroughputExceededException')),
  mockClient(DynamoDBClient).onAnyCommand().rejects(throttling('ProvisionedThroughputExceededException')),
  mockClient(EventBridgeClient).onAnyCommand().rejects(throttling('ThrottlingException')),
  mockClient(SecretsManagerClient).onAnyCommand().rejects(throttling('ThrottlingException')),
  mockClient(SchedulerClient).onAnyCommand().rejects(throttling('ThrottlingException')),
  mockClient(SESv2Client).onAnyCommand().rejects(throttling('TooManyRequestsException')),
  mockClient(CognitoIdentityProviderClient).onAnyCommand().rejects(throttling('TooManyRequestsException')),
];
afterAll(() => {
  for (const mock of mocks) mock.restore();
});

const LEAD_ID = '0a1b2c3d-0000-4000-8000-000000000001';
const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * One request per HTTP function, by operation id: well formed, so it reaches a store call. A function
 * added to the manifest fails the test below until it has one (or is named among those making no call).
 */
const requests: Readonly<Record<string, { readonly operationId: string; readonly params?: Record<string, string>; readonly query?: Record<string, string>; readonly headers?: Record<string, string>; readonly body?: string }>> = {
  'capture-form': { operationId: 'submitForm', params: { formId: 'demo' }, ...json({ email: 'jane@example.com' }) },
  'show-forms': { operationId: 'showForm', params: { formId: 'demo' } },
  'ingest-events': { operationId: 'sendEvents', ...json({ events: [{ id: 'evt-00000001', type: 'page_view', occurredAt: new Date().toISOString(), email: 'jane@example.com', properties: { url: 'https://example.com/pricing' } }] }) },
  'capture-chat': { operationId: 'captureChat', params: { sourceId: 'intercom' }, ...json({}) },
  'collect-events': { operationId: 'getSourceSettings', params: { writeKey: 'wk_0123456789abcdef' } },
  'preference-centre': { operationId: 'showPreferences', query: { token: 'v1.k1.payload.signature' } },
  'manage-sources': { operationId: 'listSources' },
  'manage-suppressions': { operationId: 'listSuppressions' },
  'lead-data-rights': { operationId: 'exportLead', params: { leadId: LEAD_ID } },
  'manage-campaigns': { operationId: 'listCampaigns' },
  'control-campaigns': { operationId: 'pauseCampaign', params: { campaignId: LEAD_ID } },
  'manage-send-settings': { operationId: 'getSendPolicy' },
  'manage-journeys': { operationId: 'listJourneys' },
  'manage-journey-enrolments': { operationId: 'getJourneyMoveAll', params: { journeyId: '0a1b2c3d-0000-4000-8000-00000000000a' } },
  'manage-segments': { operationId: 'listSegments' },
  'manage-templates': { operationId: 'listTemplates' },
  'manage-forms': { operationId: 'listForms' },
  'manage-routing': { operationId: 'getRouting' },
  'manage-webhooks': { operationId: 'listWebhooks' },
  'manage-chat-sources': { operationId: 'listChatSources' },
  'get-lead': { operationId: 'getLead', params: { leadId: LEAD_ID } },
  'list-leads': { operationId: 'listLeads' },
  'manage-users': { operationId: 'listUsers' },
  'record-purchases': { operationId: 'recordPurchases', ...json({ purchases: [{ orderId: 'A-1', leadId: LEAD_ID, product: 'Pro plan', amount: 49.5, currency: 'usd', purchasedAt: '2026-11-01T00:00:00.000Z' }] }) },
  'manage-rulesets': { operationId: 'listRulesets' },
  'backtest-ruleset': { operationId: 'backtestRuleset', params: { version: '1' }, ...json({}) },
  'sales-feedback': { operationId: 'getSalesReasons' },
  'handoff-reports': { operationId: 'getHandoffReport', query: { from: '2026-10', to: '2026-11' } },
  'customer-feedback': { operationId: 'answerSurvey', query: { token: 'v1.k1.payload.signature', score: '9' } },
  'receive-help-desk-tickets': { operationId: 'receiveHelpDeskTickets', ...json({ tickets: [] }) },
  'manage-care-settings': { operationId: 'getCareSettings' },
  'manage-customer-care': { operationId: 'getCustomerCare', params: { leadId: LEAD_ID } },
};
/** Use cases that say how far a batch got before the refusal, rather than only naming it. */
const reportsHowFarItGot = ['record-purchases'];
/** Functions that call no AWS service, by the request that shows it: they answer it with every service throttled. */
const callingNoService: typeof requests = {
  'api-docs': { operationId: 'getOpenApiDocument' },
  'serve-snippet': { operationId: 'getLeadflowJs' },
  'who-am-i': { operationId: 'getMe' },
};

const httpFunctions = manifest.functions.filter(isHttpFunction);

function eventFor(name: string): APIGatewayProxyEventV2 {
  const fn = httpFunctions.find((candidate) => candidate.name === name);
  const request = requests[name] ?? callingNoService[name];
  const route = fn?.trigger.routes.find((candidate) => candidate.operationId === request?.operationId);
  if (!route || !request) throw new Error(`${name} has no route ${request?.operationId}`);
  const path = route.path.replace(/\{(\w+)\}/g, (_, param: string) => request.params?.[param] ?? '');
  const event = httpEvent({
    method: route.method,
    path,
    route: route.path,
    ...(request.params ? { pathParameters: request.params } : {}),
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body ? { body: request.body } : {}),
  });
  expect(event.routeKey).toBe(routeKey(route));
  return request.query ? { ...event, queryStringParameters: request.query } : event;
}

describe('a throttled table or service answers 503 with Retry-After on every HTTP function', () => {
  it('names a request for every HTTP function in the manifest that calls a service: those granted a service or the table', () => {
    expect(Object.keys(callingNoService).sort()).toEqual(httpFunctions.filter((fn) => fn.access.length === 0 && !fn.table).map((fn) => fn.name).sort());
    expect(Object.keys(requests).sort()).toEqual(httpFunctions.map((fn) => fn.name).filter((name) => !(name in callingNoService)).sort());
  });

  it.each(Object.keys(callingNoService))('%s calls no service: it answers 200 with every service throttled', async (name) => {
    const fn = httpFunctions.find((candidate) => candidate.name === name);
    const { handler } = (await import(resolve(fn?.entry ?? ''))) as { handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2> };
    expect((await handler(eventFor(name), context)).statusCode).toBe(200);
  });

  it.each(Object.keys(requests))('%s: 503, Retry-After, a message naming the refusal and none of its details', async (name) => {
    const fn = httpFunctions.find((candidate) => candidate.name === name);
    const { handler } = (await import(resolve(fn?.entry ?? ''))) as { handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2> };
    const response = await handler(eventFor(name), context);
    expect({ status: response.statusCode, retryAfter: response.headers?.['retry-after'] }).toEqual({ status: 503, retryAfter: '2' });
    const { message } = JSON.parse(response.body ?? '{}') as { message?: string };
    expect(message).toMatch(reportsHowFarItGot.includes(name) ? /repeat the same request/ : /\((ProvisionedThroughputExceededException|ThrottlingException|TooManyRequestsException)\); repeat the same request$/);
    expect(response.body).not.toMatch(/jane@example\.com|Rate exceeded/);
  });
});
