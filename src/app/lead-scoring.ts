import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { EventPublisher, Log } from './ports';
import { publishPendingQualification, type QualificationOutbox } from './qualification-outbox';
import { DetailType, type EngagementRecordedDetail, type LeadIdentifiedDetail, type LeadQualifiedDetail } from '../domain/events';
import { advanced, isApplied, unapplied, type LoggedEvent, type ScoreWatermark } from '../domain/event-log';
import { scoringView, type Lead } from '../domain/lead';
import { apply, compareEvents, scoreCeiling, type ScoredEvent, type ScoreState } from '../domain/scoring/engine';
import { bandOf } from '../domain/score-order';
import { qualifiedDetail, rescoredLead } from '../domain/scoring/qualification';
import type { Ruleset } from '../domain/scoring/ruleset';

/** Who an engagement event belongs to: a known lead, or a visitor of the tracking snippet not yet identified. */
export interface EventSubject {
  readonly kind: 'lead' | 'anonymous';
  readonly id: string;
}

/** An engagement event as recorded, once, in its subject's history. */
export interface RecordedEvent extends ScoredEvent, LoggedEvent {
  readonly subject: EventSubject;
  readonly receivedAt: string;
}

/** The outcome of one score write: anything but `applied` means read again. */
export type ScoreWrite = 'applied' | 'already-applied' | 'lead-changed';

/** What scoring reads of a lead, in one consistent read taken at `readAt`. */
export interface LeadScoringView {
  /** The profile with its score (and the score's version). */
  readonly lead: Lead;
  readonly watermark: ScoreWatermark;
  /** The events recorded since the watermark's `through`, in recording order. */
  readonly recorded: readonly RecordedEvent[];
  readonly readAt: Date;
}

/** The lead's history of engagement events. */
export interface RecordedEvents {
  /** Every event of the lead, each once, oldest first: a rescore under another ruleset replays those in the score. */
  eventsOf(subject: EventSubject): Promise<RecordedEvent[]>;
}

/** Visitors of the tracking snippet: which lead each identified as, and their history moving to it. */
export interface VisitorLinks {
  leadIdForAnonymous(anonymousId: string): Promise<string | undefined>;
  /** Moves a visitor's recorded events into the lead's history (each once, whatever is retried). */
  moveHistory(anonymousId: string, leadId: string): Promise<number>;
}

/** The one write that replaces a lead's score, and the lead's qualification outbox. */
export interface ScoreWriter extends QualificationOutbox {
  scoringView(leadId: string): Promise<LeadScoringView | undefined>;
  /**
   * Replaces the lead's score and watermark (and its pending qualification) in one write, only while
   * the score is still at `scoreVersion`; `band` files the lead for the list sorted by score.
   */
  applyScores(leadId: string, scoreVersion: number | undefined, score: ScoreState, band: number, watermark: ScoreWatermark, pendingQualification?: LeadQualifiedDetail): Promise<ScoreWrite>;
}

export interface ActiveRuleset {
  /**
   * The ruleset live scoring uses. `recent` may lag an activation by the moment a read of the pointer
   * takes to see it (an eventually consistent read); `latest` is the one active now.
   */
  active(freshness?: 'latest' | 'recent'): Promise<Ruleset>;
}

/** How long each event took from being received to being in its lead's score. */
export interface ScoreLatency {
  record(milliseconds: number): void;
}

export interface LeadScoringDependencies {
  readonly recorded: RecordedEvents;
  readonly visitors: VisitorLinks;
  readonly scores: ScoreWriter;
  readonly rulesets: ActiveRuleset;
  readonly publisher: EventPublisher;
  readonly latency: ScoreLatency;
  readonly log: Log;
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

/** What one message asks for: a lead's score brought up to date with its history. */
interface ScoringWork {
  readonly leadId: string;
  readonly correlationId: string;
}

/** The lead kept changing under every attempt to write its score: the messages are retried later. */
export class ScoreContended extends Error {
  override readonly name = 'ScoreContended';
}

const byTime = (a: RecordedEvent, b: RecordedEvent) => compareEvents({ at: a.occurredAt, eventId: a.id }, { at: b.occurredAt, eventId: b.id });

/**
 * Keeps every lead's score current: each recorded event is added to its lead's score exactly once,
 * and a visitor's earlier events when they identify. A message only says which lead has news: the
 * scorer reads what was recorded since the score's watermark, so a repeated, late or lost-and-resent
 * message cannot count an event twice. A qualification is stored with the score (an outbox) and then
 * published, so `lead.qualified` goes out at least once.
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
      const correlations = new Map<string, string>();
      for (const result of settled) {
        if (result.status === 'fulfilled' && result.value && !correlations.has(result.value.leadId)) correlations.set(result.value.leadId, result.value.correlationId);
      }
      // The active ruleset is read once for the batch; a lead whose score is under another version reads it afresh (see `rulesetFor`).
      let batchRuleset: Promise<Ruleset> | undefined;
      const ruleset = () => (batchRuleset ??= this.dependencies.rulesets.active('recent'));
      return new Map([...correlations].map(([leadId, correlationId]) => [leadId, this.scoreLead(leadId, correlationId, ruleset)]));
    });
    const outcomes = new Map<string, Promise<void>>();
    for (const message of messages) {
      outcomes.set(
        message.id,
        (async () => {
          const work = await works.get(message.id);
          const scored = await grouped;
          if (work) await scored.get(work.leadId);
        })(),
      );
    }
    return outcomes;
  }

  /** The lead a message is about (none when a visitor's link points elsewhere); an identified visitor's history joins it first. */
  private async workFor(request: ScoringRequest): Promise<ScoringWork | undefined> {
    const { visitors, log } = this.dependencies;
    const { correlationId } = request.detail;
    if (request['detail-type'] === DetailType.EngagementRecorded) return { leadId: request.detail.leadId, correlationId };
    const { leadId, anonymousId } = request.detail;
    if ((await visitors.leadIdForAnonymous(anonymousId)) !== leadId) return undefined;
    const moved = await visitors.moveHistory(anonymousId, leadId);
    log.debug('Visitor history joined its lead', { leadId, events: moved });
    return { leadId, correlationId };
  }

  private publishPending(leadId: string, pending: LeadQualifiedDetail | undefined): Promise<void> {
    const { publisher, scores, log } = this.dependencies;
    return publishPendingQualification(leadId, pending, { publisher, store: scores, logger: log });
  }

  /**
   * The lead's score with `events` added. A lead last scored under another ruleset (one was activated
   * since) is first rescored from the history its score holds, so its score never mixes two rulesets.
   */
  private async scoreWith(view: LeadScoringView, events: readonly RecordedEvent[], correlationId: string, batchRuleset: () => Promise<Ruleset>) {
    const { recorded } = this.dependencies;
    const { lead } = view;
    const ruleset = await this.rulesetFor(lead.score, batchRuleset);
    const profile = scoringView(lead);
    let { score: state, pendingQualification: pending } = lead;
    if (state && state.rulesetVersion !== ruleset.version) {
      const history = (await recorded.eventsOf({ kind: 'lead', id: lead.id })).filter((event) => isApplied(event, view.watermark));
      ({ state, pending } = rescoredLead(lead, history, ruleset, correlationId, new Date().toISOString()));
    }
    for (const event of events) {
      const change = apply(state, { event, lead: profile }, ruleset);
      state = change.state;
      if (change.qualified) pending = qualifiedDetail(lead.id, state, change.qualified, correlationId, event.receivedAt);
    }
    return { state, pending, band: state ? bandOf(scoreCeiling(state, profile, ruleset)) : undefined };
  }

  /**
   * The ruleset to score a lead under: the batch's, unless the lead's score is under another version.
   * Then the pointer is read afresh, so a batch that read it just before an activation never rescores
   * back to the old ruleset a score the rescoring job has already moved on.
   */
  private async rulesetFor(score: ScoreState | undefined, batchRuleset: () => Promise<Ruleset>): Promise<Ruleset> {
    const ruleset = await batchRuleset();
    if (!score || score.rulesetVersion === ruleset.version) return ruleset;
    return this.dependencies.rulesets.active('latest');
  }

  /** Adds to one lead's score every event recorded since its watermark, once, in one write, retrying on conflicts. */
  private async scoreLead(leadId: string, correlationId: string, batchRuleset: () => Promise<Ruleset>): Promise<void> {
    const { scores, latency, log } = this.dependencies;
    let attempt = 0;
    while (attempt < OPTIMISTIC_ATTEMPTS) {
      const view = await scores.scoringView(leadId);
      if (!view) throw new Error(`Lead ${leadId} not found`);
      const events = unapplied(view.recorded, view.watermark);
      if (events.length === 0) {
        await this.publishPending(leadId, view.lead.pendingQualification);
        return;
      }
      const { state, pending, band } = await this.scoreWith(view, [...events].sort(byTime), correlationId, batchRuleset);
      if (!state || band === undefined) throw new Error(`Lead ${leadId} has no score after scoring ${events.length} event(s)`);
      const outcome = await scores.applyScores(leadId, view.lead.scoreVersion, state, band, advanced(view.watermark, events, view.readAt), pending);
      if (outcome === 'applied') {
        const scoredAt = Date.now();
        for (const event of events) latency.record(scoredAt - Date.parse(event.receivedAt));
        log.debug('Events scored', { leadId, events: events.length, total: state.total });
        await this.publishPending(leadId, pending);
        return;
      }
      attempt += 1;
      await pauseBeforeRetry(attempt);
    }
    throw new ScoreContended(`Lead ${leadId} kept changing; giving up after ${OPTIMISTIC_ATTEMPTS} attempts`);
  }
}
