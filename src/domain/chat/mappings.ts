import { InvalidInput } from '../errors';
import { valueAt } from './json-path';
import type { ChatSourceKind, GenericMapping } from './sources';

/** One message a visitor wrote in a chat. */
export interface VisitorMessage {
  /** The tool's id of the message, unique within its conversation. */
  readonly id: string;
  readonly occurredAt: string;
  readonly characters: number;
}

/** What a delivery says about a conversation: the visitor's messages in it, who the visitor is, an email they left. */
export interface ChatCapture {
  readonly conversationId: string;
  /** The visitor's id in the tool (or the page's leadflow.js anonymous id), when the payload has one. */
  readonly visitorId?: string;
  /** An address the visitor left in the chat, as typed: checked before it identifies anyone. */
  readonly email?: string;
  /** When the delivery's event happened (an email left with no message is dated by it). */
  readonly occurredAt: string;
  readonly messages: readonly VisitorMessage[];
}

export type MappingOutcome = { readonly kind: 'captured'; readonly capture: ChatCapture } | { readonly kind: 'ignored'; readonly reason: string };

/** What the signed headers add to a generic delivery: the message's id and time when the mapping names none. */
export interface DeliveryContext {
  readonly webhookId?: string;
  readonly webhookTimestamp?: number;
}

const MAX_CONVERSATION_ID = 200;
const EARLIEST = Date.parse('2000-01-01T00:00:00Z');
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** An own property of a record, never one inherited. */
const own = (value: unknown, name: string): unknown => (isRecord(value) && Object.hasOwn(value, name) ? value[name] : undefined);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Text of a message as the visitor typed it: Intercom sends HTML (`<p>Hi</p>`), counted without its tags and entities. */
const plainText = (html: string) => html.replace(/<[^>]*>/g, '').replace(/&(?:[a-z]+|#\d+);/gi, ' ').trim();

function conversationIdOf(value: unknown, field: string): string {
  const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : text(value);
  if (!id) throw InvalidInput.field(field, 'is missing: every chat delivery names its conversation');
  if (id.length > MAX_CONVERSATION_ID || /[\u0000-\u001f\u007f]/.test(id)) throw InvalidInput.field(field, `must be up to ${MAX_CONVERSATION_ID} characters of one line of text`);
  return id;
}

function instant(value: unknown, field: string): string {
  const milliseconds = typeof value === 'number' && Number.isFinite(value) ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(milliseconds) || milliseconds < EARLIEST || milliseconds > 8.64e15) throw InvalidInput.field(field, 'must be an ISO 8601 date-time or Unix seconds from 2000 on');
  return new Date(milliseconds).toISOString();
}

const message = (id: string, occurredAt: string, body: string): VisitorMessage[] => {
  const characters = body.length;
  return characters > 0 ? [{ id, occurredAt, characters: Math.min(characters, 100_000) }] : [];
};

/** Intercom contacts that are the visitor (not an admin, bot or team). */
const INTERCOM_VISITORS = new Set(['user', 'lead', 'contact']);

/** A message of an Intercom conversation: its source (the first message) or one of its parts. */
interface IntercomPart {
  readonly id: string;
  readonly author: unknown;
  readonly body: unknown;
  readonly at: string;
}

/** The comment parts of a conversation (not notes, assignments or state changes), each dated by itself. */
function intercomComments(item: unknown, createdAt: string): IntercomPart[] {
  const list = own(own(item, 'conversation_parts'), 'conversation_parts');
  return (Array.isArray(list) ? list : []).flatMap((part: unknown, index) =>
    own(part, 'part_type') === 'comment'
      ? [
          {
            id: text(own(part, 'id')) ?? String(index),
            author: own(part, 'author'),
            body: own(part, 'body'),
            at: own(part, 'created_at') === undefined ? createdAt : instant(own(part, 'created_at'), `data.item.conversation_parts.conversation_parts[${index}].created_at`),
          },
        ]
      : [],
  );
}

/**
 * An Intercom notification (`type: notification_event`, `topic`, `data.item`): a conversation a visitor
 * started (`conversation.user.created`: its `source` is the first message) or a reply they wrote
 * (`conversation.user.replied`: the new `conversation_parts` of part_type `comment`). The visitor is the
 * message's author (type user or lead: its id, and its email when Intercom knows one). Other topics,
 * including the `ping` sent when a webhook is set up, are ignored.
 */
export function intercomCapture(payload: unknown): MappingOutcome {
  const topic = text(own(payload, 'topic'));
  if (own(payload, 'type') !== 'notification_event' || !topic) throw InvalidInput.field('type', 'must be notification_event with a topic, as Intercom sends');
  if (topic !== 'conversation.user.created' && topic !== 'conversation.user.replied') return { kind: 'ignored', reason: `topic ${topic} carries no visitor message` };
  const item = own(own(payload, 'data'), 'item');
  const conversationId = conversationIdOf(own(item, 'id'), 'data.item.id');
  const createdAt = instant(own(item, 'created_at') ?? own(payload, 'created_at'), 'data.item.created_at');
  const source = own(item, 'source');
  const parts: IntercomPart[] =
    topic === 'conversation.user.created'
      ? [{ id: text(own(source, 'id')) ?? 'source', author: own(source, 'author'), body: own(source, 'body'), at: createdAt }]
      : intercomComments(item, createdAt);
  const visitorParts = parts.filter((part) => INTERCOM_VISITORS.has(text(own(part.author, 'type')) ?? ''));
  const author = visitorParts[0]?.author ?? own(source, 'author');
  const authorIsVisitor = INTERCOM_VISITORS.has(text(own(author, 'type')) ?? '');
  // Without a visitor author (an admin wrote first), the conversation's first contact is the visitor.
  const contacts = own(own(item, 'contacts'), 'contacts');
  const firstContact: unknown = Array.isArray(contacts) ? contacts[0] : undefined;
  const contactId = text(own(authorIsVisitor ? author : firstContact, 'id'));
  const email = authorIsVisitor ? text(own(author, 'email')) : undefined;
  return {
    kind: 'captured',
    capture: {
      conversationId,
      ...(contactId ? { visitorId: `intercom-${contactId}` } : {}),
      ...(email ? { email } : {}),
      occurredAt: createdAt,
      messages: visitorParts.flatMap((part) => message(part.id, part.at, plainText(text(part.body) ?? ''))),
    },
  };
}

/**
 * A tawk.to webhook: `chat:start` (the first message of a chat, by the visitor or an agent, with the
 * visitor's name and email when the pre-chat form asked for them) and `chat:end` (the visitor again, so
 * an email given during the chat identifies the lead). tawk.to sends no visitor id: the chat id stands
 * for the visitor. Other events (tickets, transcripts) are ignored.
 */
export function tawkCapture(payload: unknown): MappingOutcome {
  const event = text(own(payload, 'event'));
  if (!event) throw InvalidInput.field('event', 'is missing: tawk.to names the event of every webhook');
  if (event !== 'chat:start' && event !== 'chat:end') return { kind: 'ignored', reason: `event ${event} carries no chat message` };
  const conversationId = conversationIdOf(own(payload, 'chatId'), 'chatId');
  const occurredAt = instant(own(payload, 'time'), 'time');
  const first = own(payload, 'message');
  const byVisitor = event === 'chat:start' && own(own(first, 'sender'), 'type') === 'visitor';
  const email = text(own(own(payload, 'visitor'), 'email'));
  return {
    kind: 'captured',
    capture: {
      conversationId,
      ...(email ? { email } : {}),
      occurredAt,
      messages: byVisitor ? message('start', occurredAt, text(own(first, 'text'))?.trim() ?? '') : [],
    },
  };
}

/** A value read through a configured path: text (or a whole number) or absent; anything else is a 400 naming the path. */
function configured(payload: unknown, path: string | undefined, what: string): string | undefined {
  if (!path) return undefined;
  const value = valueAt(payload, path);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw InvalidInput.field(path, `must be text (the source's mapping reads ${what} there)`);
}

/** A generic source's payload, read through the user's mapping; the signed webhook-id and timestamp stand in for a message id and time it does not name. */
export function genericCapture(payload: unknown, mapping: GenericMapping, context: DeliveryContext): MappingOutcome {
  const conversationId = conversationIdOf(configured(payload, mapping.conversationId, 'the conversation id'), mapping.conversationId);
  const timestampPath = mapping.timestamp;
  const rawTime = timestampPath ? valueAt(payload, timestampPath) : undefined;
  const occurredAt = rawTime === undefined || rawTime === null ? instant(context.webhookTimestamp, 'webhook-timestamp') : instant(rawTime, timestampPath ?? 'timestamp');
  const messageId = configured(payload, mapping.messageId, 'the message id') ?? context.webhookId ?? '';
  const body = configured(payload, mapping.messageText, 'the message text')?.trim() ?? '';
  const email = configured(payload, mapping.visitorEmail, 'the visitor email');
  const visitorId = configured(payload, mapping.visitorId, 'the visitor id');
  return {
    kind: 'captured',
    capture: { conversationId, ...(visitorId ? { visitorId } : {}), ...(email ? { email } : {}), occurredAt, messages: message(messageId, occurredAt, body) },
  };
}

export function chatCapture(kind: ChatSourceKind, payload: unknown, mapping: GenericMapping | undefined, context: DeliveryContext): MappingOutcome {
  if (kind === 'intercom') return intercomCapture(payload);
  if (kind === 'tawkto') return tawkCapture(payload);
  if (!mapping) throw new Error('A generic chat source has no mapping');
  return genericCapture(payload, mapping, context);
}
