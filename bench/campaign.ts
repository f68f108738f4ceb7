import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { putItems } from './put-items';
import { loadavg } from 'node:os';
import { capacityBetween } from '../local/consumed-capacity';
import { startLocalStack, type LocalStack } from '../local/stack';
import * as keys from '../src/adapters/keys';
import { ON_DEMAND_DOLLARS_PER_MILLION, SES_DOLLARS_PER_EMAIL, settled, summedUnits } from './capacity';
import { cpuMeter } from './cpu';

/**
 * The functions a campaign's send goes through: the send request, the planner and the senders. The
 * progress reads the bench makes every second (manage-campaigns) are its own, not the campaign's.
 */
const SENDING_PATH = new Set(['control-campaigns', 'plan-campaign', 'send-campaign']);

/**
 * Plan-and-send of one campaign to `recipients` subscribers on the local stack: the leads are loaded
 * straight into DynamoDB Local (the form API would take hours for 100,000), then the campaign is sent
 * through the admin API exactly as a marketer would, and the mails are counted in the local SES store.
 */
export async function campaignSend(recipients: number, sesRate: number, workersPerFunction = 1) {
  return (await sendCampaign(recipients, sesRate, workersPerFunction, false)).timing;
}

/**
 * What a campaign's recipient costs in DynamoDB: what DynamoDB reported for every call of the sending
 * path, all indexes included (at AWS's charges where DynamoDB Local reports less), from the send
 * request until every recipient is accounted for. A run of its own: asking every call for its
 * capacity took DynamoDB Local 7-13% more CPU a recipient (docs/performance.md), which the timed run is spared.
 */
export async function campaignCost(recipients: number, sesRate: number) {
  const { cost } = await sendCampaign(recipients, sesRate, 1, true);
  if (!cost) throw new Error('the campaign run measured no capacity');
  return cost;
}

async function sendCampaign(recipients: number, sesRate: number, workersPerFunction: number, measureCapacity: boolean) {
  const stack = await startLocalStack({ log: () => {}, settings: { sesMaxSendRate: sesRate }, workersPerFunction, measureCapacity });
  try {
    const run = randomUUID().slice(0, 8);
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
    const at = new Date().toISOString();
    const leads = Array.from({ length: recipients }, (_, index) => {
      const id = randomUUID();
      return { ...keys.lead(id), ...keys.leadListing(id), entity: 'lead', id, email: `bench-${index}-${run}@example.com`, firstName: `Lead ${index}`, industry: index % 2 ? 'SaaS' : 'Fintech', createdAt: at, updatedAt: at, firstTouch: { at }, lastTouch: { at }, subscriptions: { events: 'opted_in' }, version: 1 };
    });
    const loadStarted = performance.now();
    await putItems(documents, stack.settings.tableName, leads, 8);
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    const admin = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${stack.devToken}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      const answer = (await response.json()) as Record<string, unknown>;
      if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
      return answer;
    };
    const subject = `Bench ${run}`;
    const campaign = await admin('POST', '/v1/admin/campaigns', {
      name: subject,
      subscription: 'events',
      segment: { lead: { industry: ['SaaS', 'Fintech'] } },
      template: { subject: `${subject} for {{ lead.firstName | "you" }}`, html: '<p>Hello {{ lead.firstName | "there" }}, our webinar is next week.</p>' },
    });
    const started = performance.now();
    const cpuOfSending = cpuMeter(stack.dynamodbPid);
    const capacityBeforeSending = stack.measurements.capacity();
    await admin('POST', `/v1/admin/campaigns/${String(campaign.id)}/send`);
    let plannedSeconds: number | undefined;
    let state: Record<string, unknown> = {};
    const loads: number[] = [];
    const deadline = Date.now() + Math.max(600_000, recipients * 30);
    // A progress read the loaded local stack answers with a 5xx (its function timed out) is read again a second later.
    let statusReadsFailed = 0;
    let failedInARow = 0;
    while (Date.now() < deadline) {
      try {
        state = await admin('GET', `/v1/admin/campaigns/${String(campaign.id)}`);
        failedInARow = 0;
      } catch (error) {
        statusReadsFailed += 1;
        failedInARow += 1;
        if (failedInARow >= 30) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      loads.push(loadavg()[0] ?? 0);
      if (plannedSeconds === undefined && state.planned === true) plannedSeconds = (performance.now() - started) / 1000;
      if (state.status === 'sent') break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const sendSeconds = (performance.now() - started) / 1000;
    const cpu = cpuOfSending();
    const { emails } = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: { subject: string; destination: { to: string[] } }[] };
    const sent = emails.filter((email) => email.subject.startsWith(subject));
    const addressed = new Set(sent.flatMap((email) => email.destination.to));
    const cost = measureCapacity ? await costOfSending(stack, capacityBeforeSending, recipients, sent.length) : undefined;
    // Every send-rate window of this run: how many SES calls each write to a window let through.
    const windows: Record<string, unknown>[] = [];
    let page: Record<string, unknown> | undefined;
    do {
      const result = await documents.send(new QueryCommand({ TableName: stack.settings.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.sendRateWindow(0).pk }, ...(page ? { ExclusiveStartKey: page } : {}) }));
      windows.push(...(result.Items ?? []));
      page = result.LastEvaluatedKey;
    } while (page);
    const windowCalls = windows.reduce((sum, window) => sum + Number(window.calls ?? 0), 0);
    const windowWrites = windows.reduce((sum, window) => sum + Number(window.grants ?? 0), 0);
    const timing = {
      recipients,
      sesRateLimitPerSecond: sesRate,
      workersPerFunction,
      loadLeadsSeconds: Math.round(loadSeconds),
      status: String(state.status),
      planned: Number(state.recipients),
      sent: Number(state.sent),
      skipped: Number(state.skipped),
      planSeconds: plannedSeconds === undefined ? NaN : Math.round(plannedSeconds * 10) / 10,
      planAndSendSeconds: Math.round(sendSeconds * 10) / 10,
      recipientsPerSecond: Math.round((Number(state.sent) / sendSeconds) * 10) / 10,
      sesCallsPerRecipient: Math.round((sent.length / recipients) * 1000) / 1000,
      recipientsMailedTwice: sent.length - addressed.size,
      sesCallsPerRateWindowWrite: windowWrites ? Math.round((windowCalls / windowWrites) * 10) / 10 : NaN,
      statusReadsFailed,
      loadAverageDuringRun: loads.length ? `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}` : '',
      // What planning and sending needed, however much of the machine they got: this process (every thread) and DynamoDB Local.
      nodeCpuMsPerRecipient: Math.round((cpu.nodeCpuSeconds * 1000 * 100) / recipients) / 100,
      dynamoDbCpuMsPerRecipient: Math.round((cpu.dynamoDbCpuSeconds * 1000 * 100) / recipients) / 100,
    };
    return { timing, cost };
  } finally {
    await stack.stop();
  }
}

/** The sending path's DynamoDB units and calls per recipient since `before`, and with `sesCalls` what they cost on demand. */
async function costOfSending(stack: LocalStack, before: ReturnType<LocalStack['measurements']['capacity']>, recipients: number, sesCalls: number) {
  // A campaign reads as sent once every recipient's outcome is counted, so its last table call is behind
  // it; the workers' reports of those calls may still be on their way to this thread.
  await settled(stack);
  const sending = summedUnits(Object.fromEntries(Object.entries(capacityBetween(before, stack.measurements.capacity())).filter(([name]) => SENDING_PATH.has(name))));
  const perRecipient = (value: number) => Math.round((value / recipients) * 1000) / 1000;
  return {
    costRecipients: recipients,
    writeUnitsPerRecipient: perRecipient(sending.writeUnits),
    readUnitsPerRecipient: perRecipient(sending.readUnits),
    tableCallsPerRecipient: perRecipient(sending.byFunction.reduce((sum, fn) => sum + fn.calls, 0)),
    estimatedRefusedWriteUnitsPerRecipient: perRecipient(sending.estimatedFailedWriteUnits),
    // At us-east-1's list prices: on-demand DynamoDB, and SES for the emails this run sent.
    dynamoDbDollarsPerMillionRecipients:
      Math.round(perRecipient(sending.writeUnits * ON_DEMAND_DOLLARS_PER_MILLION.writeRequestUnits + sending.readUnits * ON_DEMAND_DOLLARS_PER_MILLION.readRequestUnits) * 100) / 100,
    sesDollarsPerMillionRecipients: Math.round((sesCalls / recipients) * SES_DOLLARS_PER_EMAIL * 1e6 * 100) / 100,
    ...Object.fromEntries(
      sending.byFunction
        .filter((fn) => fn.calls > 0)
        .flatMap((fn) => [
          [`perRecipient.${fn.name}.writeUnits`, perRecipient(fn.writeUnits)],
          [`perRecipient.${fn.name}.readUnits`, perRecipient(fn.readUnits)],
          [`perRecipient.${fn.name}.tableCalls`, perRecipient(fn.calls)],
        ]),
    ),
    ...Object.fromEntries(
      [...sending.byTarget].flatMap(([target, consumed]) => [
        [`perRecipient.on ${target}.writeUnits`, perRecipient(consumed.writeUnits)],
        [`perRecipient.on ${target}.readUnits`, perRecipient(consumed.readUnits)],
      ]),
    ),
  };
}
