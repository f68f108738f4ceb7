import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { monthsBetween } from '../../src/domain/handoff/report';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (typeof import('../../functions/handoff-reports/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/handoff-reports/handler'));
});

const transition = (leadId: string, from: string, to: string, at: string, extra: Record<string, unknown> = {}) => ({
  pk: `LEAD#${leadId}`, sk: `STAGE#${at}#00000002`, gsi1pk: `TRANSITIONS#${at.slice(0, 7)}`, gsi1sk: `${at}#${leadId}`, entity: 'stage-transition',
  leadId, from, to, at, cause: to === 'mql' ? 'qualified' : 'accepted', actor: 'rep-1', leadCreatedAt: '2026-10-30T00:00:00.000Z', ...extra,
});

const report = async (query: Record<string, string>) => {
  const event = { ...httpEvent({ method: 'GET', path: '/v1/admin/reports/handoff' }), queryStringParameters: query };
  const response = await handler(event, context);
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
};

beforeEach(() => {
  dynamo.reset();
  dynamo.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
    const month = input.ExpressionAttributeValues[':partition'];
    if (month === 'TRANSITIONS#2026-11') {
      return { Items: [transition('a', 'lead', 'mql', '2026-11-02T00:00:00.000Z'), transition('a', 'mql', 'sql', '2026-11-03T00:00:00.000Z')] };
    }
    return { Items: [] };
  });
});

describe('handoff-reports', () => {
  it('reads each month of the window from the month index and reports on them', async () => {
    // The window ends this month, so nothing after it is read: a later "now" would read on to it.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T12:00:00.000Z'));
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const response = await report({ from: '2026-10', to: '2026-11' });
    expect(response.status).toBe(200);
    const asked = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues?.[':partition']).sort();
    expect(asked).toEqual(['TRANSITIONS#2026-10', 'TRANSITIONS#2026-11']);
    expect(response.body).toMatchObject({
      months: { from: '2026-10', to: '2026-11' },
      mqlAcceptance: { accepted: 1, rejected: 0, ratePercent: 100 },
      timeToMql: { leads: 1, medianDays: 3 },
    });
  });

  it("reads on past the window so a cohort's later conversions count, up to twelve months after it or now", async () => {
    dynamo.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
      const items: Record<string, ReturnType<typeof transition>[]> = {
        'TRANSITIONS#2025-02': [transition('b', 'lead', 'mql', '2025-02-10T00:00:00.000Z')],
        'TRANSITIONS#2025-06': [transition('b', 'mql', 'sql', '2025-06-01T00:00:00.000Z')],
      };
      return { Items: items[input.ExpressionAttributeValues[':partition'] ?? ''] ?? [] };
    });
    const response = await report({ from: '2025-01', to: '2025-02' });
    const asked = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues?.[':partition']).sort();
    expect(asked).toEqual(monthsBetween('2025-01', '2026-02').map((month) => `TRANSITIONS#${month}`));
    expect(response.body.funnel).toEqual([expect.objectContaining({ month: '2025-01' }), expect.objectContaining({ month: '2025-02', entered: expect.objectContaining({ mql: 1, sql: 0 }) })]);
    expect(response.body.conversion).toContainEqual(expect.objectContaining({ from: 'mql', entered: 1, converted: 1, ratePercent: 100 }));

    dynamo.resetHistory();
    const recent = new Date();
    recent.setUTCMonth(recent.getUTCMonth() - 1);
    const lastMonth = recent.toISOString().slice(0, 7);
    await report({ from: lastMonth, to: lastMonth });
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues?.[':partition']).sort()).toEqual([`TRANSITIONS#${lastMonth}`, `TRANSITIONS#${thisMonth}`]);
  });

  it('refuses a bad month, a window backwards or too long, naming the parameter', async () => {
    expect((await report({ from: '2026-13' })).body).toMatchObject({ issues: [{ field: 'from' }] });
    expect((await report({ from: '2026-11', to: '2026-10' })).body).toMatchObject({ issues: [{ field: 'from' }] });
    const tooLong = await report({ from: '2020-01', to: '2026-11' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ issues: [{ field: 'from' }] });
    expect((await report({ month: '2026-11' })).status).toBe(400);
    // A year before 1970 (before 1000 it came back without its leading zero, and the report failed with a 500).
    expect((await report({ to: '0127-12' })).body).toMatchObject({ issues: [{ field: 'to', message: 'must be a month as yyyy-mm, from 1970-01 on' }] });
    expect((await report({ from: '1969-12', to: '1970-02' })).body).toMatchObject({ issues: [{ field: 'from' }] });
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    expect((await report({ from: '1970-01', to: '1970-02' })).status).toBe(200);
    expect((await report({ to: '9999-12' })).status).toBe(200);
  });
});
