import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { EventPublisher, LeadReader, Log } from './ports';
import { publishPendingQualification, type QualificationOutbox } from './qualification-outbox';
import { DetailType, type EngagementRecordedDetail, type LeadIdentifiedDetail, type LeadQualifiedDetail } from '../domain/events';
import { scoringView, type Lead } from '../domain/lead';
import { apply, compareEvents, type ScoredEvent, type ScoreState } from '../domain/scoring/engine';
import { qualifiedDetail, rescoredLead } from '../domain/scoring/qualification';
import type { Ruleset } from '../domain/scoring/ruleset';

/** Who an engagement event belongs to: a known lead, or a visitor of the tracking snippet not yet identified. */
export interface EventSubject {
  readonly kind: 'lead' | 'anonymous';
  readonly id: string;
}

/** An engagement event as recorded: `scoredAt` is set in the write that adds its points to its lead. */
export interface RecordedEvent extends ScoredEvent {
  readonly subject: EventSubject;
  readonly receivedAt: string;
  readonly scoredAt?: string;
}

/** The outcome of one score write: anything but `applied` means read again. */
export type ScoreWrite = 'applied' | 'already-applied' | 'lead-changed';

/** The recorded engagement events, of leads and of visitors not yet identified. */
export interface RecordedEvents {
  getEvents(eventIds: readonly string[]): Promise<RecordedEvent[]>;
  eventsOf(subject: EventSubject): Promise<RecordedEvent[]>;
  /** The lead's events already in its score: what a rescore under another ruleset replays. */
  scoredHistory(leadId: string): Promise<RecordedEvent[]>;
}

/** Which lead a visitor of the tracking snippet identified as. */
export interface VisitorLinks {
  leadIdForAnonymous(anonymousId: string): Promise<string | undefined>;
}

/** The one write that adds events to a lead's score, and the lead's qualification outbox. */
export interface ScoreWriter extends QualificationOutbox {
  /**
   * Marks every event scored and replaces the lead's score (and its pending qualification) in one
   * write, only while no event is scored yet and the lead is still at `lead.version`.
   */
  applyScores(lead: Pick<Lead, 'id' | 'version'>, events: readonly Pick<RecordedEvent, 'id' | 'subject'>[], score: ScoreState, scoredAt: string, pendingQualification?: LeadQualifiedDetail): Promise<ScoreWrite>;
}

export interface ActiveRuleset {
  active(): Promise<Ruleset>;
}

/** How long each event took from being received to being in its lead's score. */
export interface ScoreLatency {
  record(milliseconds: number): void;
}

export interface LeadScoringDependencies {
  readonly leads: LeadReader;
  readonly recorded: RecordedEvents;
  readonly visitors: VisitorLinks;
  readonly scores: ScoreWriter;
  readonly rulesets: ActiveRuleset;
  readonly publisher: EventPublisher;
  readonly latency: ScoreLatency;
  readonly log: Log;
  /** The most events one score write can carry (one transaction); more are written in turn. */
  readonly maxEventsPerWrite: number;
}

/** A message asking for scoring: an event recorded, or a visitor who identified as a lead. */
export type ScoringRequest =
  | { readonly 'detail-type': typeof DetailType.EngagementRecorded; readonly detail: EngagementRecordedDetail }
  | { readonly 'detail-type': typeof DetailType.LeadIdentified; readonly detail: LeadIdentifiedDetail };

/** One message of a batch: its id, and how to read its request (a message that cannot be read fails alone). */
export interface ScoringMessage {
  readonly id: string;
  read(): ScoringRequest;
}

/** What one message asks for: events to add to a lead's score. */
interface ScoringWork {
  readonly leadId: string;
  readonly eventIds: readonly string[];
  readonly correlationId: string;
}

/** The lead kept changing under every attempt to write its score: the messages are retried later. */
export class ScoreContended extends Error {
  override readonly name = 'ScoreContended';
}

const byTime = (a: RecordedEvent, b: RecordedEvent) => compareEvents({ at: a.occurredAt, eventId: a.id }, { at: b.occurredAt, eventId: b.id });

/**
 * Keeps every lead's score current: each recorded event is added to its lead's score exactly once,
 * and a visitor's earlier events when they identify. A qualification is stored with the score (an
 * outbox) and then published, so `lead.qualified` goes out at least once.
 */
export class LeadScoring {
  constructor(private readonly dependencies: LeadScoringDependencies) {}

  /**
   * Scores a batch, grouped by lead so each lead is read and written once per batch; each message's
   * outcome (by its id) settles with its lead's write, so one lead's failure fails only its messages.
   */
  scoreBatch(messages: readonly ScoringMessage[]): Map<string, Promise<void>> {
    const works = new Map(messages.map((message) => [message.id, (async () => this.workFor(message.read()))()]));
    const grouped = Promise.allSettled(works.values()).then((settled) => {
      const groups = new Map<string, { eventIds: Set<string>; correlationId: string }>();
      for (const result of settled) {
        if (result.status !== 'fulfilled') continue;
        for (const work of result.value) {
          const group = groups.get(work.leadId) ?? { eventIds: new Set<string>(), correlationId: work.correlationId };
          work.eventIds.forEach((eventId) => group.eventIds.add(eventId));
          groups.set(work.leadId, group);
        }
      }
      return new Map([...groups].map(([leadId, group]) => [leadId, this.scoreLead(leadId, [...group.eventIds], group.correlationId)]));
    });
    const outcomes = new Map<string, Promise<void>>();
    for (const message of messages) {
      outcomes.set(
        message.id,
        (async () => {
          const leadIds = ((await works.get(message.id)) ?? []).map((work) => work.leadId);
          const scored = await grouped;
          await Promise.all(leadIds.map((leadId) => scored.get(leadId)));
        })(),
      );
    }
    return outcomes;
  }

  /** The leads a message's events belong to, each with its events (none when there is nothing to do). */
  private async workFor(request: ScoringRequest): Promise<ScoringWork[]> {
    const { recorded, visitors } = this.dependencies;
    const { correlationId } = request.detail;
    if (request['detail-type'] === DetailType.EngagementRecorded) {
      const eventIds = [...new Set(request.detail.eventIds)];
      const events = await recorded.getEvents(eventIds);
      const found = new Set(events.map((event) => event.id));
      const missing = eventIds.filter((eventId) => !found.has(eventId));
      if (missing.length) throw new Error(`Event(s) ${missing.join(', ')} not found`);
      // The stored subject is the truth: an event recorded for a visitor is scored when they identify.
      const byLead = new Map<string, string[]>();
      for (const event of events) {
        if (event.subject.kind === 'lead') byLead.set(event.subject.id, [...(byLead.get(event.subject.id) ?? []), event.id]);
      }
      return [...byLead].map(([leadId, ids]) => ({ leadId, eventIds: ids, correlationId }));
    }
    const { leadId, anonymousId } = request.detail;
    if ((await visitors.leadIdForAnonymous(anonymousId)) !== leadId) return [];
    const history = await recorded.eventsOf({ kind: 'anonymous', id: anonymousId });
    return [{ leadId, eventIds: history.map((event) => event.id), correlationId }];
  }

  private publishPending(leadId: string, pending: LeadQualifiedDetail | undefined): Promise<void> {
    const { publisher, scores, log } = this.dependencies;
    return publishPendingQualification(leadId, pending, { publisher, store: scores, logger: log });
  }

  /**
   * The lead's score with `events` added. A lead last scored under another ruleset (one was activated
   * since) is first rescored from its history, so its score never mixes two rulesets.
   */
  private async scoreWith(lead: Lead, events: readonly RecordedEvent[], correlationId: string) {
    const { recorded, rulesets } = this.dependencies;
    const ruleset = await rulesets.active();
    const view = scoringView(lead);
    let { score: state, pendingQualification: pending } = lead;
    if (state && state.rulesetVersion !== ruleset.version) {
      ({ state, pending } = rescoredLead(lead, await recorded.scoredHistory(lead.id), ruleset, correlationId, new Date().toISOString()));
    }
    for (const event of events) {
      const change = apply(state, { event, lead: view }, ruleset);
      state = change.state;
      if (change.qualified) pending = qualifiedDetail(lead.id, state, change.qualified, correlationId, event.receivedAt);
    }
    return { state, pending };
  }

  /** Adds a batch's events to one lead exactly once, in as few writes as possible, retrying on conflicts. */
  private async scoreLead(leadId: string, eventIds: readonly string[], correlationId: string): Promise<void> {
    const { leads, recorded, scores, latency, log, maxEventsPerWrite } = this.dependencies;
    let attempt = 0;
    while (attempt < OPTIMISTIC_ATTEMPTS) {
      const [lead, events] = await Promise.all([leads.getLead(leadId), recorded.getEvents(eventIds)]);
      if (!lead) throw new Error(`Lead ${leadId} not found`);
      const unscored = events.filter((event) => !event.scoredAt).sort(byTime);
      if (unscored.length === 0) {
        await this.publishPending(lead.id, lead.pendingQualification);
        return;
      }
      const chunk = unscored.slice(0, maxEventsPerWrite);
      const { state, pending } = await this.scoreWith(lead, chunk, correlationId);
      if (!state) throw new Error(`Lead ${leadId} has no score after scoring ${chunk.length} event(s)`);
      const scoredAt = new Date();
      const outcome = await scores.applyScores(lead, chunk, state, scoredAt.toISOString(), pending);
      if (outcome === 'applied') {
        for (const event of chunk) latency.record(scoredAt.getTime() - Date.parse(event.receivedAt));
        log.debug('Events scored', { leadId, events: chunk.length, total: state.total });
        await this.publishPending(lead.id, pending);
        if (chunk.length === unscored.length) return;
        continue;
      }
      attempt += 1;
      if (outcome === 'lead-changed') await pauseBeforeRetry(attempt);
    }
    throw new ScoreContended(`Lead ${leadId} kept changing; giving up after ${OPTIMISTIC_ATTEMPTS} attempts`);
  }
}
