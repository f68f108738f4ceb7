import type { EventPublisher, Log } from './ports';
import type { TrackedEvent } from './event-intake';
import { Forbidden, Unauthenticated } from '../domain/errors';
import { DetailType, type DomainEvent } from '../domain/events';
import { engagementOf, identifiedEmail, occurredAt, userVisitorId, visitorIdOf, type SegmentCall } from '../domain/tracking/segment-calls';
import { isKeyValid, originAllowed, type WriteKey } from '../domain/tracking/sources';

export interface CollectorDependencies {
  readonly keys: { keyGrant(writeKey: string): Promise<(WriteKey & { readonly origins: readonly string[] }) | undefined> };
  readonly intake: { accept(events: readonly TrackedEvent[], correlationId: string): Promise<{ readonly accepted: number; readonly duplicates: number }> };
  readonly emails: { leadIdForEmail(email: string): Promise<string | undefined> };
  readonly visitors: {
    leadIdForAnonymous(visitorId: string): Promise<string | undefined>;
    /** The first link of a visitor id wins; a later one to another lead is refused. */
    linkAnonymous(visitorId: string, leadId: string, at: string): Promise<'linked' | 'already-linked' | 'linked-to-another-lead'>;
  };
  readonly publisher: EventPublisher;
  readonly log: Log;
  readonly clock?: () => Date;
}

export interface CollectRequest {
  /** From Basic auth (analytics.js) or the body (leadflow.js, whose sendBeacon cannot set headers). */
  readonly writeKey: string | undefined;
  /** The `Origin` header: absent for calls from servers. */
  readonly origin: string | undefined;
  readonly calls: readonly SegmentCall[];
  /** The batch's `sentAt`, for calls that carry none of their own. */
  readonly sentAt?: string;
  readonly correlationId: string;
}

export interface CollectOutcome {
  readonly sourceId: string;
  readonly accepted: number;
  readonly duplicates: number;
}

/** The type an identify call with an address is recorded as, in the lead's history: it makes the lead of a new address. */
export const IDENTIFIED = 'identified';

/**
 * Takes Segment calls for a source. The write key must be a valid key of a source (else 401, nothing
 * stored) and a browser's page must be of one of the source's origins (else 403). The calls' events
 * (engagementOf, and an `identified` event for an identify with an address, which makes the lead of a
 * new address) are accepted together by the event intake; then identities are linked, in call order:
 * - identify with an address (`traits.email`, or a userId that is one) finds or makes the lead and
 *   links the browser's anonymousId and the site's userId to it; without an address, a userId already
 *   linked takes the browser along;
 * - alias joins `previousId` to the lead of `userId` (or, when only `previousId` is known, `userId` to
 *   its lead), as Segment merges a user's ids;
 * - a call with both a userId linked to a lead and an anonymousId not yet linked links it: a second
 *   device of a known lead keeps its own visitor id and its history.
 * Each new link announces `lead.identified`, on which the scorer moves the visitor's history (this
 * request's events included) to the lead.
 */
export class Collector {
  private readonly clock: () => Date;

  constructor(private readonly dependencies: CollectorDependencies) {
    this.clock = dependencies.clock ?? (() => new Date());
  }

  async collect(request: CollectRequest): Promise<CollectOutcome> {
    const receivedAt = this.clock();
    const grant = request.writeKey ? await this.dependencies.keys.keyGrant(request.writeKey) : undefined;
    if (!grant || !isKeyValid(grant, receivedAt)) throw new Unauthenticated('Unknown, revoked or expired write key');
    if (!originAllowed(grant, request.origin)) throw new Forbidden('This write key may not be used from this origin', [{ field: 'origin', message: "is not one of the source's origins" }]);

    const at = receivedAt.toISOString();
    const timed = (call: SegmentCall) => occurredAt(call, request.sentAt, receivedAt);
    // Every event of the request in one intake, which checks them all before writing any: a refused
    // request (an id reused for another event) changes nothing, identities included.
    const events: TrackedEvent[] = request.calls.flatMap((call): TrackedEvent[] => {
      const email = call.type === 'identify' ? identifiedEmail(call) : undefined;
      if (email) return [{ id: call.messageId, type: IDENTIFIED, occurredAt: timed(call), email, properties: { sourceId: grant.sourceId } }];
      const engagement = engagementOf(call);
      return engagement ? [{ ...engagement, occurredAt: timed(call), anonymousId: visitorIdOf(call) }] : [];
    });
    const outcome = events.length ? await this.dependencies.intake.accept(events, request.correlationId) : { accepted: 0, duplicates: 0 };

    const identified: DomainEvent[] = [];
    const link = async (visitorId: string, leadId: string) => {
      if ((await this.dependencies.visitors.linkAnonymous(visitorId, leadId, at)) === 'linked') {
        identified.push({ detailType: DetailType.LeadIdentified, detail: { version: 1, correlationId: request.correlationId, leadId, anonymousId: visitorId } });
      }
    };
    for (const call of request.calls) {
      if (call.type === 'identify') {
        const email = identifiedEmail(call);
        const leadId = email ? await this.dependencies.emails.leadIdForEmail(email) : call.userId ? await this.leadOf(userVisitorId(call.userId)) : undefined;
        if (leadId) for (const visitorId of [call.anonymousId, call.userId ? userVisitorId(call.userId) : undefined]) if (visitorId) await link(visitorId, leadId);
      } else if (call.type === 'alias' && call.userId) {
        await this.alias(call.userId, call.previousId, identifiedEmail(call), link);
      } else if (call.userId && call.anonymousId) {
        const leadId = await this.leadOf(userVisitorId(call.userId));
        if (leadId) await link(call.anonymousId, leadId);
      }
    }
    if (identified.length) await this.dependencies.publisher.publish(identified);
    this.dependencies.log.info('Tracking calls collected', { sourceId: grant.sourceId, calls: request.calls.length, events: events.length, identified: identified.length });
    return { sourceId: grant.sourceId, accepted: outcome.accepted, duplicates: outcome.duplicates };
  }

  private leadOf(visitorId: string): Promise<string | undefined> {
    return this.dependencies.visitors.leadIdForAnonymous(visitorId);
  }

  /** Segment's alias: `previousId` (an anonymousId or an earlier userId) is the same user as `userId`. */
  private async alias(userId: string, previousId: string, email: string | undefined, link: (visitorId: string, leadId: string) => Promise<void>): Promise<void> {
    const previousIds = [previousId, userVisitorId(previousId)];
    const userLead = (email ? await this.dependencies.emails.leadIdForEmail(email) : undefined) ?? (await this.leadOf(userVisitorId(userId)));
    if (userLead) {
      for (const visitorId of previousIds) await link(visitorId, userLead);
      return;
    }
    for (const visitorId of previousIds) {
      const previousLead = await this.leadOf(visitorId);
      if (previousLead) return link(userVisitorId(userId), previousLead);
    }
  }
}
