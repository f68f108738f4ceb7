import { createHash } from 'node:crypto';
import type { EventPublisher, Log } from './ports';
import type { IntakeOutcome, TrackedEvent } from './event-intake';
import type { KeyRing } from '../domain/consent/signed-token';
import { checkEmail } from '../domain/email';
import { describeError, InvalidInput, NotFound, Unauthenticated, Unavailable } from '../domain/errors';
import { DetailType } from '../domain/events';
import { chatCapture, type ChatCapture } from '../domain/chat/mappings';
import { CHAT_SIGNATURE_HEADERS, deliveryFacts, REPLAY_WINDOW_SECONDS, signatureProblem, staleProblem, TIMESTAMP_TOLERANCE_SECONDS, type Headers } from '../domain/chat/signatures';
import { verifyingSecrets, type ChatSource, type DeliveryClaim } from '../domain/chat/sources';

export interface ChatCaptureDependencies {
  readonly sources: {
    get(sourceId: string): Promise<ChatSource | undefined>;
    /**
     * Claims a delivery before taking it, the record kept until `expiresAt` (epoch seconds): `taken` when
     * it was taken before, `in-progress` while another call takes it now.
     */
    claimDelivery(sourceId: string, deliveryKey: string, now: Date, expiresAt: number): Promise<DeliveryClaim>;
    /** Marks a claimed delivery taken: every later call with its key is a duplicate. */
    finishDelivery(sourceId: string, deliveryKey: string, token: string): Promise<void>;
    /** Gives a claim back after the delivery failed half way, so the tool's retry takes it. */
    releaseDelivery(sourceId: string, deliveryKey: string, token: string): Promise<void>;
  };
  keyRing(): Promise<KeyRing>;
  readonly intake: { accept(tracked: readonly TrackedEvent[], correlationId: string): Promise<IntakeOutcome> };
  readonly emails: { leadIdForEmail(email: string): Promise<string | undefined> };
  readonly visitors: { linkAnonymous(anonymousId: string, leadId: string, at: string): Promise<'linked' | 'already-linked' | 'linked-to-another-lead'> };
  readonly publisher: EventPublisher;
  readonly log: Log;
}

/** One call of a chat tool's webhook, as it arrived. */
export interface ChatDelivery {
  readonly sourceId: string;
  readonly headers: Headers;
  /** The body's bytes as text, exactly as signed. */
  readonly rawBody: string;
  readonly correlationId: string;
}

export type ChatOutcome =
  | {
      readonly status: 'accepted';
      readonly events: IntakeOutcome['events'];
      readonly identified: boolean;
      /** The lead of the email left in the chat. */
      readonly leadId?: string;
    }
  | { readonly status: 'ignored'; readonly reason: string }
  /** The same delivery came before: answered without effect, so a replay changes nothing and a tool's retry stops. */
  | { readonly status: 'duplicate' };

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
const ANONYMOUS_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The visitor id a chat's events wait under until the visitor identifies: the tool's visitor id when
 * it has the snippet's shape (so a page that passed leadflow.js's anonymous id to the widget joins its
 * browsing history), a hash of it otherwise, and the conversation's own id where the tool sends none.
 */
export function chatVisitorId(sourceId: string, capture: Pick<ChatCapture, 'conversationId' | 'visitorId'>): string {
  if (capture.visitorId === undefined) return `chat-${digest('conversation', sourceId, capture.conversationId)}`;
  return ANONYMOUS_ID.test(capture.visitorId) ? capture.visitorId : `chat-${digest('visitor', sourceId, capture.visitorId)}`;
}

/**
 * A capture as `chat_message` events: one per visitor message, and one for an email left with no
 * message in the same delivery (at most one per conversation). Ids come from the tool's own ids, so a
 * retried or replayed delivery names the same events and is stored once.
 */
export function chatEvents(sourceId: string, capture: ChatCapture, email: string | undefined): TrackedEvent[] {
  const subject = email ? { email } : { anonymousId: chatVisitorId(sourceId, capture) };
  const { conversationId } = capture;
  const messages = capture.messages.map((message) => ({
    id: `chat_${digest('message', sourceId, conversationId, message.id)}`,
    type: 'chat_message',
    occurredAt: message.occurredAt,
    properties: { conversationId, characters: message.characters },
    ...subject,
  }));
  if (messages.length || !email) return messages;
  return [{ id: `chat_${digest('email', sourceId, conversationId)}`, type: 'chat_message', occurredAt: capture.occurredAt, properties: { conversationId }, ...subject }];
}

/**
 * Takes a chat tool's webhook call: proves it is the tool's (its signature under the source's secret,
 * a time inside the source's window, and not a delivery taken before), reads the conversation from it
 * and records the visitor's messages as `chat_message` events through event intake. An email left in
 * the chat makes (or finds) the lead and links the chat's visitor id to it, as a form does, so the
 * chat's earlier events join the lead. A delivery is claimed before it is taken (a concurrent copy
 * waits) and marked taken after, so a replay is answered as a duplicate without effect; a call that
 * failed half way gives its claim back and the tool's retry does it again (its events, named by the
 * tool's ids, are stored once).
 */
export class ChatCaptureUseCase {
  constructor(private readonly dependencies: ChatCaptureDependencies) {}

  async take(delivery: ChatDelivery, now = new Date()): Promise<ChatOutcome> {
    const { sources, log } = this.dependencies;
    const { sourceId, headers, rawBody } = delivery;
    const source = await sources.get(sourceId);
    if (!source) throw new NotFound(`No chat source ${sourceId}`);
    const secrets = verifyingSecrets(await this.dependencies.keyRing(), source, now);
    const unsigned = signatureProblem(source.kind, secrets, headers, rawBody);
    if (unsigned) throw new Unauthenticated(`Unauthenticated: ${unsigned.field} ${unsigned.message}`, [unsigned]);

    let payload: unknown;
    try {
      payload = JSON.parse(rawBody);
    } catch {
      throw InvalidInput.field('(body)', 'is not valid JSON');
    }
    const facts = deliveryFacts(source.kind, headers, payload, rawBody);
    const stale = staleProblem(source.kind, facts, now.getTime());
    if (stale) throw new Unauthenticated(`Unauthenticated: ${stale.field} ${stale.message}`, [stale]);
    // Read before anything is written: a delivery this source cannot take changes nothing.
    const webhookTimestamp = Number(headers[CHAT_SIGNATURE_HEADERS.webhookTimestamp]);
    const mapped = chatCapture(source.kind, payload, source.mapping, {
      ...(headers[CHAT_SIGNATURE_HEADERS.webhookId] ? { webhookId: headers[CHAT_SIGNATURE_HEADERS.webhookId] } : {}),
      ...(Number.isFinite(webhookTimestamp) ? { webhookTimestamp } : {}),
    });
    // Kept as long as the source's window, so a replay is either found here or refused as too old.
    const expiresAt = Math.ceil(now.getTime() / 1000) + REPLAY_WINDOW_SECONDS[source.kind] + TIMESTAMP_TOLERANCE_SECONDS;
    const claim = await sources.claimDelivery(sourceId, facts.deliveryKey, now, expiresAt);
    if (claim.outcome === 'taken') {
      log.info('Chat delivery already taken', { sourceId });
      return { status: 'duplicate' };
    }
    if (claim.outcome === 'in-progress') throw new Unavailable('The same delivery is being taken now; send it again shortly', 2);

    let outcome: ChatOutcome;
    try {
      outcome = mapped.kind === 'ignored' ? { status: 'ignored', reason: mapped.reason } : await this.record(sourceId, mapped.capture, delivery.correlationId, now);
    } catch (error) {
      await sources.releaseDelivery(sourceId, facts.deliveryKey, claim.token);
      throw error;
    }
    await sources.finishDelivery(sourceId, facts.deliveryKey, claim.token);
    log.info('Chat delivery taken', { sourceId, kind: source.kind, status: outcome.status });
    return outcome;
  }

  private async record(sourceId: string, capture: ChatCapture, correlationId: string, now: Date): Promise<ChatOutcome> {
    const { intake, emails, visitors, publisher, log } = this.dependencies;
    const checked = capture.email === undefined ? undefined : checkEmail(capture.email);
    // An address mistyped in a chat is the visitor's slip, not the tool's: the messages still count, anonymously.
    if (checked && !checked.ok) log.info('Email left in chat not usable; messages kept for the visitor', { sourceId, reason: checked.reason });
    const email = checked?.ok ? checked.email : undefined;
    const events = chatEvents(sourceId, capture, email);
    const intakeOutcome = events.length ? await intake.accept(events, correlationId) : { accepted: 0, duplicates: 0, events: [] };
    if (!email) return { status: 'accepted', events: intakeOutcome.events, identified: false };

    const leadId = await emails.leadIdForEmail(email);
    if (!leadId) throw new Error('The lead of an address that just recorded chat events was not found');
    const anonymousId = chatVisitorId(sourceId, capture);
    const link = await visitors.linkAnonymous(anonymousId, leadId, now.toISOString());
    if (link !== 'linked-to-another-lead') {
      try {
        // Published on repeats too: an earlier attempt may have linked and then failed here.
        await publisher.publish([{ detailType: DetailType.LeadIdentified, detail: { version: 1, correlationId, leadId, anonymousId } }]);
      } catch (error) {
        log.error('Chat visitor linked but not announced', { sourceId, leadId, error: describeError(error) });
        throw new Unavailable('Chat stored but not yet processed; send the same delivery again', 2);
      }
    }
    return { status: 'accepted', events: intakeOutcome.events, identified: link !== 'linked-to-another-lead', leadId };
  }
}
