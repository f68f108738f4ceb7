import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * Chat capture on the local stack: a generic chat source is added through the admin API, a chat tool
 * posts two signed Standard Webhooks calls — a visitor's first message, then a reply with the email
 * they left — and the lead of that email ends up scored for both chat messages (the anonymous one
 * joined it when the visitor identified). A replay of a call changes nothing.
 */
let stack: LocalStack;
const { admin, getLead } = stackClient(() => stack);

beforeAll(async () => {
  stack = await sharedStack();
});

describe('chat capture on the local stack', () => {
  it('a signed chat with an email leads to a lead scored for its chat messages; a replay changes nothing', async () => {
    const sourceId = `site-${randomUUID().slice(0, 8)}`;
    const added = await admin('POST', '/v1/admin/chat-sources', {
      id: sourceId,
      kind: 'generic',
      mapping: { conversationId: 'conversation.id', messageId: 'message.id', messageText: 'message.text', visitorEmail: 'visitor.email', visitorId: 'visitor.id' },
    });
    expect(added.status).toBe(201);
    const { secret, webhookPath } = (await added.json()) as { secret: string; webhookPath: string };
    const tool = new Webhook(secret);
    const send = (id: string, payload: unknown, signedAt = new Date()) => {
      const body = JSON.stringify(payload);
      return fetch(`${stack.apiUrl}${webhookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)), 'webhook-signature': tool.sign(id, signedAt, body) },
        body,
      });
    };
    const conversation = { id: `conv-${randomUUID()}` };
    const visitor = { id: `anon_${randomUUID().replaceAll('-', '').slice(0, 20)}` };
    const email = `chatter-${randomUUID()}@example.com`;

    const first = await send(`msg_${randomUUID()}`, { conversation, message: { id: 'm1', text: 'Hi, do you integrate with Salesforce?' }, visitor });
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ status: 'accepted', identified: false });

    const replyId = `msg_${randomUUID()}`;
    const reply = { conversation, message: { id: 'm2', text: `Sure, mail me at ${email}` }, visitor: { ...visitor, email } };
    const second = await send(replyId, reply);
    expect(second.status).toBe(202);
    const { leadId } = (await second.json()) as { leadId: string };
    expect(leadId).toEqual(expect.any(String));

    // Scored once each: the anonymous first message moved to the lead, the reply recorded for it.
    const scored = await eventually(async () => {
      const lead = await getLead(leadId);
      return lead.score?.breakdown['chat-conversation']?.times === 2 ? lead : undefined;
    }, 60_000);
    expect(scored.score?.eventCount).toBe(2);

    const unsigned = await fetch(`${stack.apiUrl}${webhookPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reply) });
    expect(unsigned.status).toBe(401);
    const replayed = await send(replyId, reply);
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toEqual({ status: 'duplicate' });
    expect((await getLead(leadId)).score?.eventCount).toBe(2);
  }, 120_000);
});
