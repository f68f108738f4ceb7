import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chatEvents, chatVisitorId } from '../../src/app/chat-capture';
import { jsonPathProblem, valueAt } from '../../src/domain/chat/json-path';
import { genericCapture, intercomCapture, tawkCapture } from '../../src/domain/chat/mappings';
import { ChatSourceRequest } from '../../src/domain/chat/sources';
import { InvalidInput } from '../../src/domain/errors';

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../fixtures/chat/${name}.json`, import.meta.url), 'utf8'));

describe('Intercom notifications, as documented', () => {
  it('a conversation a visitor started is its first message, by its author, with the email Intercom knows', () => {
    expect(intercomCapture(fixture('intercom-conversation-user-created'))).toEqual({
      kind: 'captured',
      capture: {
        conversationId: '147',
        visitorId: 'intercom-6543f1a2b7c8d9e0f1a2b3c4',
        email: 'Jane.Doe@Example.com',
        occurredAt: '2023-11-14T22:13:20.000Z',
        // "Hi, how does your pricing work for a team of 40?" without its <p>.
        messages: [{ id: '403918396', occurredAt: '2023-11-14T22:13:20.000Z', characters: 48 }],
      },
    });
  });

  it('a reply is each new comment part the visitor wrote, dated by the part', () => {
    const outcome = intercomCapture(fixture('intercom-conversation-user-replied'));
    expect(outcome).toMatchObject({ kind: 'captured', capture: { conversationId: '147', email: 'jane@example.com', messages: [{ id: '8812345001', occurredAt: '2023-11-14T22:18:20.000Z' }] } });
  });

  it("ignores an admin's reply and the set-up ping: no visitor message in them", () => {
    const adminReply = { ...fixture('intercom-conversation-user-replied'), topic: 'conversation.admin.replied' };
    expect(intercomCapture(adminReply)).toEqual({ kind: 'ignored', reason: 'topic conversation.admin.replied carries no visitor message' });
    expect(intercomCapture({ type: 'notification_event', topic: 'ping', data: { item: {} } }).kind).toBe('ignored');
  });

  it('refuses a body that is not a notification, naming the field', () => {
    expect(() => intercomCapture({ hello: 'world' })).toThrow(InvalidInput);
    const noConversation = fixture('intercom-conversation-user-created');
    (noConversation.data as { item: Record<string, unknown> }).item.id = undefined;
    expect(() => intercomCapture(JSON.parse(JSON.stringify(noConversation)))).toThrow(/data\.item\.id is missing/);
  });
});

describe('tawk.to webhooks, as documented', () => {
  it('chat:start is the visitor first message; an empty email is no email', () => {
    expect(tawkCapture(fixture('tawkto-chat-start'))).toEqual({
      kind: 'captured',
      capture: {
        conversationId: '70fe3290-99ad-11e9-a30a-51567162179f',
        occurredAt: '2019-06-28T14:03:04.646Z',
        messages: [{ id: 'start', occurredAt: '2019-06-28T14:03:04.646Z', characters: 26 }],
      },
    });
  });

  it('chat:end carries the email the visitor gave during the chat, and no message', () => {
    expect(tawkCapture(fixture('tawkto-chat-end'))).toMatchObject({ kind: 'captured', capture: { email: 'jane@example.com', messages: [] } });
  });

  it("a chat an agent started counts no message of the visitor's; tickets are ignored", () => {
    const byAgent = { ...fixture('tawkto-chat-start'), message: { text: 'Hello!', type: 'msg', sender: { type: 'agent' } } };
    expect(tawkCapture(byAgent)).toMatchObject({ capture: { messages: [] } });
    expect(tawkCapture({ event: 'ticket:create', time: '2019-06-28T14:03:04.646Z' }).kind).toBe('ignored');
  });

  it('refuses a time that is not one, naming it', () => {
    expect(() => tawkCapture({ ...fixture('tawkto-chat-start'), time: 'yesterday' })).toThrow(/time must be an ISO 8601 date-time/);
  });
});

describe('a generic source, through its mapping', () => {
  const mapping = { conversationId: 'data.conversation.id', messageText: 'data.message.text', visitorEmail: 'data.visitor.email', visitorId: 'data.visitor.anonymousId', timestamp: 'data.message.sentAt', messageId: 'data.message.id' };
  const payload = {
    type: 'message.created',
    data: { conversation: { id: 9001 }, message: { id: 'm-1', text: ' Can I book a demo? ', sentAt: '2026-11-30T10:00:00Z' }, visitor: { email: 'jane@example.com', anonymousId: 'anon_1234567890' } },
  };

  it('reads each part where the mapping says', () => {
    expect(genericCapture(payload, mapping, { webhookId: 'msg_1', webhookTimestamp: 1_800_000_000 })).toEqual({
      kind: 'captured',
      capture: { conversationId: '9001', visitorId: 'anon_1234567890', email: 'jane@example.com', occurredAt: '2026-11-30T10:00:00.000Z', messages: [{ id: 'm-1', occurredAt: '2026-11-30T10:00:00.000Z', characters: 18 }] },
    });
  });

  it('falls back to the signed webhook-id and timestamp for a message id and time the payload does not name', () => {
    const capture = genericCapture({ conversation: 'c-1', text: 'hello' }, { conversationId: 'conversation', messageText: 'text' }, { webhookId: 'msg_2', webhookTimestamp: 1_764_496_800 });
    expect(capture).toMatchObject({ capture: { messages: [{ id: 'msg_2', occurredAt: '2025-11-30T10:00:00.000Z', characters: 5 }] } });
  });

  it('refuses a value of the wrong type, naming the configured path', () => {
    const bad = { ...payload, data: { ...payload.data, visitor: { email: { nested: true } } } };
    expect(() => genericCapture(bad, mapping, {})).toThrow(/data\.visitor\.email must be text/);
  });

  it('paths read own properties only and refuse prototype names at configuration', () => {
    expect(valueAt({ a: [{ b: 'x' }] }, 'a[0].b')).toBe('x');
    expect(valueAt({}, 'toString')).toBeUndefined();
    expect(valueAt({ a: {} }, 'a.constructor')).toBeUndefined();
    expect(jsonPathProblem('data.__proto__.x')).toMatch(/not an allowed property name/);
    expect(jsonPathProblem('a..b')).toBeDefined();
    const refused = ChatSourceRequest.safeParse({ id: 'site', kind: 'generic', mapping: { conversationId: 'constructor.name' } });
    expect(refused.error?.issues[0]?.path).toEqual(['mapping', 'conversationId']);
  });

  it('needs a mapping for a generic source and a secret for a tool', () => {
    expect(ChatSourceRequest.safeParse({ id: 'site', kind: 'generic' }).error?.issues[0]?.path).toEqual(['mapping']);
    expect(ChatSourceRequest.safeParse({ id: 'ic', kind: 'intercom' }).error?.issues[0]?.path).toEqual(['secret']);
    expect(ChatSourceRequest.safeParse({ id: 'ic', kind: 'intercom', secret: 'client-secret-1', mapping: { conversationId: 'a' } }).error?.issues[0]?.path).toEqual(['mapping']);
  });
});

describe('chat_message events', () => {
  const capture = { conversationId: '147', visitorId: 'intercom-6543f1a2b7c8d9e0f1a2b3c4', occurredAt: '2026-11-30T10:00:00.000Z', messages: [{ id: 'p1', occurredAt: '2026-11-30T10:00:00.000Z', characters: 12 }] };

  it('take ids from the tool ids, so a retried delivery names the same events', () => {
    const first = chatEvents('intercom-main', capture, undefined);
    expect(first).toEqual([{ id: expect.stringMatching(/^chat_[0-9a-f]{32}$/), type: 'chat_message', occurredAt: capture.occurredAt, properties: { conversationId: '147', characters: 12 }, anonymousId: 'intercom-6543f1a2b7c8d9e0f1a2b3c4' }]);
    expect(chatEvents('intercom-main', capture, undefined)).toEqual(first);
    // Another source's conversation 147 is another conversation.
    expect(chatEvents('intercom-eu', capture, undefined)[0]?.id).not.toBe(first[0]?.id);
  });

  it('go to the lead of an email left in the chat; an email with no message is one event per conversation', () => {
    expect(chatEvents('s', capture, 'jane@example.com')[0]).toMatchObject({ email: 'jane@example.com' });
    const emailOnly = chatEvents('s', { ...capture, messages: [] }, 'jane@example.com');
    expect(emailOnly).toEqual([{ id: expect.stringMatching(/^chat_/), type: 'chat_message', occurredAt: capture.occurredAt, properties: { conversationId: '147' }, email: 'jane@example.com' }]);
    expect(chatEvents('s', { ...capture, occurredAt: '2026-12-01T00:00:00.000Z', messages: [] }, 'jane@example.com')[0]?.id).toBe(emailOnly[0]?.id);
    expect(chatEvents('s', { ...capture, messages: [] }, undefined)).toEqual([]);
  });

  it("wait under the tool's visitor id, a hash of an odd one, or the conversation where the tool sends none", () => {
    expect(chatVisitorId('s', { conversationId: 'c', visitorId: 'anon_1234567890' })).toBe('anon_1234567890');
    expect(chatVisitorId('s', { conversationId: 'c', visitorId: 'visitor with spaces' })).toMatch(/^chat-[0-9a-f]{32}$/);
    expect(chatVisitorId('s', { conversationId: 'c' })).toMatch(/^chat-[0-9a-f]{32}$/);
    expect(chatVisitorId('s', { conversationId: 'c' })).not.toBe(chatVisitorId('s', { conversationId: 'd' }));
  });
});
