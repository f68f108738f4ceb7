/**
 * MQL handoff figures for `npm run bench`: `leads` leads qualify through the public API (a form, then
 * two qualifying events) with a routing of one team of four reps by round-robin and a webhook
 * receiver on 127.0.0.1 subscribed to `lead.qualified` and `lead.assigned`. Measures the time from an
 * accepted events request to the sales alert being sent and to the `lead.qualified` webhook arriving,
 * then puts every qualification on the bus a second time, as a producer retry would, and counts alerts
 * and webhook deliveries per qualification (each must stay at one) and the spread of leads over reps.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../local/stack';
import { inBatches, percentile } from './batches';

const CONCURRENCY = 16;
const REPS = ['ana', 'budi', 'citra', 'dewi'];

interface Delivery {
  readonly type: string;
  readonly at: number;
  readonly data: { leadId?: string; repId?: string } & Record<string, unknown>;
}

export async function handoffLatency(stack: LocalStack, leads: number) {
  const deliveries: Delivery[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = Date.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: Delivery['data'] };
        deliveries.push({ type: String(request.headers['leadflow-event-type']), at, data: body.data ?? {} });
      } catch {
        deliveries.push({ type: 'unparsable', at, data: {} });
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
  const bus = new EventBridgeClient({ endpoint: stack.endpoints.eventbridge });
  try {
    const run = randomUUID().slice(0, 8);
    const admin = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${stack.devToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const answer = (await response.json()) as Record<string, unknown>;
      if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
      return answer;
    };
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status !== 202) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
      return response.json() as Promise<{ leadId?: string }>;
    };

    // No followUp: an assigned lead waits for its rep, so no timers run during the bench.
    await admin('PUT', '/v1/admin/routing', {
      teams: [
        {
          id: 'bench', name: 'Bench', inbox: `bench-team-${run}@example.com`,
          reps: REPS.map((id) => ({ id, name: id, email: `${id}-${run}@example.com`, capacity: Math.max(1, leads) })),
        },
      ],
      rules: [],
      defaultTeam: 'bench',
    });
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/leadflow`;
    await admin('POST', '/v1/admin/webhooks', { url: receiverUrl, eventTypes: ['lead.qualified', 'lead.assigned'] });

    const accepted = new Map<string, number>();
    await inBatches(Array.from({ length: leads }, (_, index) => index), CONCURRENCY, async (index) => {
      const email = `handoff-${index}-${run}@example.com`;
      const { leadId } = await post('/v1/forms/contact/submissions', {
        email, firstName: 'Jane', company: 'Acme', role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 25_000, country: 'ID',
      });
      if (!leadId) throw new Error('the form answered without a leadId');
      const now = new Date().toISOString();
      await post('/v1/events', {
        events: [
          { id: `bench-${randomUUID()}`, type: 'page_view', occurredAt: now, email, properties: { url: 'https://example.com/demo', secondsOnPage: 180 } },
          { id: `bench-${randomUUID()}`, type: 'webinar_registration', occurredAt: now, email, properties: { webinarId: 'scoring-101' } },
        ],
      });
      accepted.set(leadId, Date.now());
    });

    const of = (type: string) => deliveries.filter((delivery) => delivery.type === type && delivery.data.leadId !== undefined && accepted.has(delivery.data.leadId));
    const firstOf = (type: string) => {
      const first = new Map<string, Delivery>();
      for (const delivery of of(type)) if (!first.has(delivery.data.leadId as string)) first.set(delivery.data.leadId as string, delivery);
      return first;
    };

    const alertLatencies: number[] = [];
    let unalerted = [...accepted.keys()];
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      const stillUnalerted: string[] = [];
      await inBatches(unalerted, 32, async (leadId) => {
        const { Items = [] } = await documents.send(
          new QueryCommand({ TableName: stack.settings.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :alert)', ExpressionAttributeValues: { ':pk': `LEAD#${leadId}`, ':alert': 'ALERT#' } }),
        );
        const sent = Items.filter((item) => item.status === 'sent' && typeof item.sentAt === 'string').map((item) => Date.parse(item.sentAt as string));
        if (sent.length) alertLatencies.push(Math.min(...sent) - (accepted.get(leadId) as number));
        else stillUnalerted.push(leadId);
      });
      unalerted = stillUnalerted;
      if (!unalerted.length && firstOf('lead.qualified').size === leads && firstOf('lead.assigned').size === leads) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const qualified = firstOf('lead.qualified');
    const webhookLatencies = [...qualified.values()].map((delivery) => delivery.at - (accepted.get(delivery.data.leadId as string) as number));
    const assignments = new Map(REPS.map((rep) => [rep, 0]));
    for (const delivery of firstOf('lead.assigned').values()) assignments.set(String(delivery.data.repId), (assignments.get(String(delivery.data.repId)) ?? 0) + 1);

    // The local SES keeps every email of the process (aws-ses-v2-local's store is the module's), so a
    // whole `npm run bench` would count the alerts of the throughput section's leads too: only this
    // run's reps and team are counted.
    const runAddresses = new Set([...REPS.map((id) => `${id}-${run}@example.com`), `bench-team-${run}@example.com`]);
    const mqlAlerts = async () => {
      const { emails } = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: { subject: string; destination: { to: string[] } }[] };
      return emails.filter((email) => email.subject.startsWith('MQL:') && email.destination.to.some((address) => runAddresses.has(address))).length;
    };
    const alertsBeforeDuplicates = await mqlAlerts();

    // The qualification reaches the bus again, as a producer retry would put it (a new bus event id).
    await inBatches([...qualified.values()], CONCURRENCY, async (delivery) => {
      const put = await bus.send(new PutEventsCommand({ Entries: [{ Source: 'leadflow', DetailType: 'lead.qualified', Detail: JSON.stringify(delivery.data), EventBusName: stack.settings.busName }] }));
      if (put.FailedEntryCount) throw new Error(`the bus refused a duplicate: ${put.Entries?.[0]?.ErrorMessage ?? 'unknown'}`);
    });
    // Time for alert-sales and deliver-webhooks to consume the duplicates.
    await new Promise((resolve) => setTimeout(resolve, 5_000));

    const alertsAfterDuplicates = await mqlAlerts();
    alertLatencies.sort((a, b) => a - b);
    webhookLatencies.sort((a, b) => a - b);
    const perRep = [...assignments.values()];
    const round = (value: number) => Math.round(value * 1000) / 1000;
    return {
      leads,
      acceptToAlertP50Ms: percentile(alertLatencies, 50),
      acceptToAlertP99Ms: percentile(alertLatencies, 99),
      acceptToWebhookP50Ms: percentile(webhookLatencies, 50),
      acceptToWebhookP99Ms: percentile(webhookLatencies, 99),
      alertsPerQualification: round(alertsBeforeDuplicates / leads),
      alertsPerQualificationWithDuplicates: round(alertsAfterDuplicates / leads),
      webhooksPerEvent: round((of('lead.qualified').length + of('lead.assigned').length) / (2 * leads)),
      assignmentsMinPerRep: Math.min(...perRep),
      assignmentsMaxPerRep: Math.max(...perRep),
      unalerted: unalerted.length,
    };
  } finally {
    bus.destroy();
    documents.destroy();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
