import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { eventually, stackClient } from './helpers';

/** SES bounce and complaint events, as the configuration set delivers them, keep the suppression list. */
let stack: LocalStack;
const { admin } = stackClient(() => stack);

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  stack = await startLocalStack({ visibilityTimeoutSeconds: 1, log: () => {} });
});

afterAll(async () => {
  await stack?.stop();
});

async function sesEvent(detailType: 'Email Bounced' | 'Email Complaint Received', detail: Record<string, unknown>) {
  const bus = new EventBridgeClient({ endpoint: stack.endpoints.eventbridge });
  const result = await bus.send(new PutEventsCommand({ Entries: [{ Source: 'aws.ses', DetailType: detailType, Detail: JSON.stringify(detail), EventBusName: stack.settings.busName }] }));
  expect(result.FailedEntryCount).toBe(0);
}
const bounce = (email: string, bounceType: string, messageId = randomUUID()) =>
  sesEvent('Email Bounced', { eventType: 'Bounce', mail: { messageId }, bounce: { bounceType, bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] } });
const suppression = async (email: string) => {
  const response = await admin('GET', `/v1/admin/suppressions/${encodeURIComponent(email)}`);
  return response.status === 200 ? ((await response.json()) as { reason: string; email?: string }) : undefined;
};

describe('suppression list on the local stack', () => {
  it('suppresses hard bounces and complaints at once, and lists them', async () => {
    const hard = `hard-${randomUUID()}@example.com`;
    const complainer = `complainer-${randomUUID()}@example.com`;
    await bounce(hard, 'Permanent');
    await sesEvent('Email Complaint Received', { eventType: 'Complaint', mail: { messageId: randomUUID() }, complaint: { complainedRecipients: [{ emailAddress: complainer }], complaintFeedbackType: 'abuse' } });
    expect(await eventually(() => suppression(hard))).toMatchObject({ reason: 'hard_bounce', email: hard });
    expect(await eventually(() => suppression(complainer))).toMatchObject({ reason: 'complaint' });
    const listed = (await (await admin('GET', '/v1/admin/suppressions')).json()) as { suppressions: { email?: string }[] };
    expect(listed.suppressions.map((entry) => entry.email)).toEqual(expect.arrayContaining([hard, complainer]));
  });

  it('suppresses after three transient bounces of different messages; a redelivered one counts once', async () => {
    const soft = `soft-${randomUUID()}@example.com`;
    const repeated = randomUUID();
    await bounce(soft, 'Transient', repeated);
    await bounce(soft, 'Transient', repeated);
    await bounce(soft, 'Transient');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await suppression(soft)).toBeUndefined();
    await bounce(soft, 'Transient');
    expect(await eventually(() => suppression(soft))).toMatchObject({ reason: 'repeated_soft_bounce' });
  });

  it('lifts a suppression only with a reason', async () => {
    const email = `lift-${randomUUID()}@example.com`;
    await bounce(email, 'Permanent');
    await eventually(() => suppression(email));
    const noReason = await admin('POST', `/v1/admin/suppressions/${encodeURIComponent(email)}/lift`, {});
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ issues: [{ field: 'reason' }] });
    expect((await admin('POST', `/v1/admin/suppressions/${encodeURIComponent(email)}/lift`, { reason: 'Mailbox fixed, confirmed by phone' })).status).toBe(200);
    expect(await suppression(email)).toBeUndefined();
    expect((await admin('GET', '/v1/admin/suppressions/not-an-email')).status).toBe(400);
  });
});
