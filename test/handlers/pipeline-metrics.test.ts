import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

/**
 * The pipeline's latency metrics, as CloudWatch reads them from the functions' output (embedded
 * metric format): submit to score (score-lead) and submit to MQL alert (alert-sales), which the
 * stack alarms on.
 */
setHandlerEnvironment();
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
const ses = mockClient(SESv2Client);
let scoreLead: (typeof import('../../functions/score-lead/handler'))['handler'];
let alertSales: (typeof import('../../functions/alert-sales/handler'))['handler'];

beforeAll(async () => {
  ({ handler: scoreLead } = await import('../../functions/score-lead/handler'));
  ({ handler: alertSales } = await import('../../functions/alert-sales/handler'));
});

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] };
  [metric: string]: unknown;
}
let written: string[];
/** The values of `metric` from the EMF lines of `service`: the namespace and dimension the stack's alarms read. */
const emf = (metric: string, service: string): number[] =>
  written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"CloudWatchMetrics"'))
    .map((line) => JSON.parse(line) as EmfLine)
    .filter((line) => line.service === service && line._aws.CloudWatchMetrics.some((entry) => entry.Namespace === 'Leadflow' && entry.Metrics.some((m) => m.Name === metric && m.Unit === 'Milliseconds')))
    .flatMap((line) => [line[metric]].flat() as number[]);

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  ses.reset();
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('pipeline latency metrics', () => {
  it('score-lead reports each event from acceptance to score, and hands the qualifying event\'s acceptance time on with lead.qualified', async () => {
    const lead = { pk: 'LEAD#lead-1', sk: 'PROFILE', id: 'lead-1', email: 'a@example.com', role: 'CEO', industry: 'SaaS', teamSize: 100, budget: 20_000, firstTouch: { at: ago(60_000) }, lastTouch: { at: ago(60_000) }, subscriptions: {}, version: 4 };
    const event = (id: string, type: string, properties: Record<string, unknown>, receivedMsAgo: number) => ({
      pk: 'LEAD#lead-1', sk: `EVENT#${ago(receivedMsAgo)}#${id}`, id, type, occurredAt: ago(receivedMsAgo), receivedAt: ago(receivedMsAgo), properties,
    });
    const items = [
      lead,
      { pk: 'LEAD#lead-1', sk: 'SCORE', entity: 'score', version: 0, through: '', recent: [] },
      event('e-form', 'form_submission', { formId: 'contact' }, 5_000),
      event('e-demo', 'page_view', { url: 'https://example.com/demo', secondsOnPage: 180 }, 4_000),
      event('e-pricing', 'page_view', { url: 'https://example.com/pricing', secondsOnPage: 120 }, 3_000),
      event('e-webinar', 'webinar_registration', {}, 2_000),
    ];
    const table = new TableFake();
    table.attach(dynamo);
    for (const item of items) table.put(item);
    const recorded = (eventId: string) => busEnvelope('engagement.recorded', { version: 1, correlationId: 'c', eventId, leadId: 'lead-1' });

    expect((await scoreLead(sqsEvent(['e-form', 'e-demo', 'e-pricing', 'e-webinar'].map(recorded)), context)).batchItemFailures).toEqual([]);
    const latencies = emf('ScoreLatency', 'score-lead').sort((a, b) => a - b);
    expect(latencies).toHaveLength(4);
    expect(latencies[0]).toBeGreaterThanOrEqual(2_000);
    expect(latencies[3]).toBeGreaterThanOrEqual(5_000);
    expect(latencies[3]).toBeLessThan(60_000);
    const qualified = bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []).find((entry) => entry.DetailType === 'lead.qualified');
    const { signalReceivedAt, qualifiedAt } = JSON.parse(qualified?.Detail ?? '{}') as { signalReceivedAt?: string; qualifiedAt?: string };
    // The event that made the lead qualify is the one whose time is the qualification's.
    const qualifying = items.find((item): item is ReturnType<typeof event> => 'occurredAt' in item && item.occurredAt === qualifiedAt);
    expect(qualifying).toBeDefined();
    expect(signalReceivedAt).toBe(qualifying?.receivedAt);
  });

  it('alert-sales reports the time from accepting the qualifying event to the sent alert, once per alert', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    // The profile and (none configured) the routing, read together.
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'leadflow-test': [{ pk: 'LEAD#lead-1', sk: 'PROFILE', id: 'lead-1', email: 'jane@example.com', firstTouch: { at: ago(60_000) }, lastTouch: { at: ago(60_000) }, subscriptions: {}, version: 3 }] } });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    const detail = {
      version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 1, fit: 65, engagement: 40, score: 105, grade: 'A',
      qualifiedAt: ago(3_000), topContributors: [], signalReceivedAt: ago(3_000),
    };
    expect((await alertSales(sqsEvent([busEnvelope('lead.qualified', detail)]), context)).batchItemFailures).toEqual([]);
    const [latency] = emf('MqlAlertLatency', 'alert-sales');
    expect(emf('MqlAlertLatency', 'alert-sales')).toHaveLength(1);
    expect(latency).toBeGreaterThanOrEqual(3_000);
    expect(latency).toBeLessThan(60_000);

    // A rescoring's qualification has no signal time: nothing to measure.
    written = [];
    const { signalReceivedAt: _none, ...rescored } = detail;
    await alertSales(sqsEvent([busEnvelope('lead.qualified', { ...rescored, qualification: 2 })]), context);
    expect(emf('MqlAlertLatency', 'alert-sales')).toEqual([]);
  });
});
