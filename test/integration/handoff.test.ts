import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, settled, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * MQL handoff on the local stack: routing with two reps, two leads qualify and go one to each rep
 * by round-robin; each owner gets one alert; a webhook receiver on 127.0.0.1 gets one signed
 * `lead.qualified` and one `lead.assigned` per lead, even when a qualification reaches the bus twice.
 */
let stack: LocalStack;
let receiver: Server;
let receiverUrl: string;
/** Removed after the file: later files on the shared stack qualify leads too, and the receiver is gone. */
let webhookId: string | undefined;
const deliveries: { headers: Record<string, string>; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)])), body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/leadflow`;
  stack = await sharedStack();
});

afterAll(async () => {
  if (webhookId) await admin('DELETE', `/v1/admin/webhooks/${webhookId}`);
  await new Promise((resolve) => receiver?.close(resolve));
});

const { admin, mails, qualifyLead } = stackClient(() => stack);
const suffix = randomUUID().slice(0, 8);
const ana = `ana-${suffix}@example.com`;
const budi = `budi-${suffix}@example.com`;
// Teams of this file's own: round-robin turns are counted per team id, and the stack is shared.
const apac = `apac-${suffix}`;
const inbound = `inbound-${suffix}`;

interface LeadPage {
  owner?: { repId: string; teamId: string; assignedAt: string };
  score?: { qualified: boolean };
}

const leadPage = async (leadId: string) => (await (await admin('GET', `/v1/admin/leads/${leadId}`)).json()) as LeadPage;
const deliveriesOf = (type: string, leadId: string) =>
  deliveries.filter((delivery) => delivery.headers['leadflow-event-type'] === type && (JSON.parse(delivery.body) as { data: { leadId: string } }).data.leadId === leadId);

describe('MQL handoff on the local stack', () => {
  it('routes two qualified leads one to each rep, alerts each owner once, and sends signed webhooks once per event', { timeout: 90_000 }, async () => {
    const invalid = await admin('PUT', '/v1/admin/routing', { teams: [], rules: [], defaultTeam: 'x' });
    expect(invalid.status).toBe(400);
    const routing = await admin('PUT', '/v1/admin/routing', {
      teams: [
        {
          id: apac, name: 'APAC', inbox: `apac-${suffix}@example.com`,
          reps: [{ id: 'ana', name: 'Ana', email: ana, capacity: 10 }, { id: 'budi', name: 'Budi', email: budi, capacity: 10 }],
        },
        { id: inbound, name: 'Inbound', inbox: `inbound-${suffix}@example.com`, reps: [] },
      ],
      rules: [{ description: 'Indonesia', when: { lead: { country: ['ID'] } }, team: apac }],
      defaultTeam: inbound,
    });
    expect(routing.status).toBe(200);

    const webhook = await admin('POST', '/v1/admin/webhooks', { url: receiverUrl, eventTypes: ['lead.qualified', 'lead.assigned'] });
    expect(webhook.status).toBe(201);
    const registered = (await webhook.json()) as { id: string; secret: string };
    webhookId = registered.id;
    const { secret } = registered;

    // One after the other, so the round-robin order is known: the first goes to Ana, the second to Budi.
    const first = await qualifyLead();
    expect((await eventually(async () => (await leadPage(first)).owner, 30_000)).repId).toBe('ana');
    const second = await qualifyLead();
    expect((await eventually(async () => (await leadPage(second)).owner, 30_000)).repId).toBe('budi');
    expect((await leadPage(first)).owner).toMatchObject({ teamId: apac });

    for (const leadId of [first, second]) {
      await eventually(async () => (deliveriesOf('lead.qualified', leadId).length && deliveriesOf('lead.assigned', leadId).length ? true : undefined), 30_000);
    }

    // The qualification reaches the bus again, as a producer retry would put it (a new bus event id).
    const bus = new EventBridgeClient({ endpoint: stack.endpoints.eventbridge });
    for (const leadId of [first, second]) {
      const [qualified] = deliveriesOf('lead.qualified', leadId);
      const detail = (JSON.parse(qualified?.body ?? '{}') as { data: unknown }).data;
      const put = await bus.send(new PutEventsCommand({ Entries: [{ Source: 'leadflow', DetailType: 'lead.qualified', Detail: JSON.stringify(detail), EventBusName: stack.settings.busName }] }));
      expect(put.FailedEntryCount).toBe(0);
    }
    bus.destroy();
    // The duplicates were queued before PutEvents answered: once every queue is empty, alert-sales and
    // deliver-webhooks have handled them.
    await settled(stack);

    const alerts = (await mails()).filter((mail) => mail.subject.startsWith('MQL:'));
    expect(alerts.filter((mail) => mail.destination.to.includes(ana))).toHaveLength(1);
    expect(alerts.filter((mail) => mail.destination.to.includes(budi))).toHaveLength(1);
    expect(alerts.find((mail) => mail.destination.to.includes(ana))?.body.text).toContain('Owner: Ana, APAC');

    for (const leadId of [first, second]) {
      expect(deliveriesOf('lead.qualified', leadId)).toHaveLength(1);
      expect(deliveriesOf('lead.assigned', leadId)).toHaveLength(1);
    }
    // Each delivery verifies with the Standard Webhooks library and the secret shown at registration.
    const receiverSide = new Webhook(secret);
    for (const delivery of deliveries) {
      expect(receiverSide.verify(delivery.body, delivery.headers)).toMatchObject({ id: delivery.headers['webhook-id'], type: delivery.headers['leadflow-event-type'] });
    }
    const assigned = JSON.parse(deliveriesOf('lead.assigned', second)[0]?.body ?? '{}') as { data: Record<string, unknown> };
    expect(assigned.data).toMatchObject({ leadId: second, repId: 'budi', teamId: apac, qualification: 1 });
  });
});
