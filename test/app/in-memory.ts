import type { FollowUpKey, FollowUpRouting, FollowUpStep, FollowUpStepStore, QualificationKey, ReassignAttempt } from '../../src/app/follow-up-handoff';
import type { EventSubject, LeadScoringView, RecordedEvent, RecordedEvents, ScoreWrite, ScoreWriter, VisitorLinks } from '../../src/app/lead-scoring';
import { distinctEvents, EMPTY_WATERMARK, isApplied, type ScoreWatermark } from '../../src/domain/event-log';
import type { CampaignSends, RecipientDeferrals, SendClaim, SendRecord, SkipRecord } from '../../src/app/campaign-sending';
import type { MarketingSendLedger, SendPolicySource } from '../../src/app/marketing-send-gate';
import { OPEN_POLICY, type LedgerSend, type SendPolicy } from '../../src/domain/consent/send-policy';
import type { SendTriggers } from '../../src/app/campaign-controls';
import type { CampaignRecords } from '../../src/app/campaigns';
import type { TemplateLookup } from '../../src/app/template-tests';
import type { Template } from '../../src/domain/campaigns/template';
import type { TemplateVersionRecord } from '../../src/domain/campaigns/template-versions';
import type { AssignmentRouting } from '../../src/app/lead-assignment';
import type { AlertClaim, AlertRecords } from '../../src/app/mql-alert';
import type { LeadsByEmail, PurchaseLedger } from '../../src/app/purchase-recording';
import type { Email, EmailSender, EventPublisher, LeadReader, LeadsReader, Log } from '../../src/app/ports';
import type { DeliveryNetwork, WebhookDeliveryStore } from '../../src/app/webhook-delivery';
import type { Assignment, AssignAttempt, KeepAttempt } from '../../src/domain/handoff/routing';
import type { DeliveryClaim, PinnedPost, SigningEndpoint } from '../../src/domain/handoff/webhooks';
import type { Campaign, CampaignStatus, ResolvedCampaignDefinition } from '../../src/domain/campaigns/campaign';
import type { CampaignSchedule } from '../../src/domain/campaigns/schedule';
import type { DetailByType, DetailType, DomainEvent, LeadQualifiedDetail } from '../../src/domain/events';
import type { FollowUpKind } from '../../src/domain/handoff/follow-up';
import type { RoutingConfig } from '../../src/domain/handoff/routing';
import type { Lead, LeadOwner, PurchaseSummary, Touch } from '../../src/domain/lead';
import type { Purchase } from '../../src/domain/purchases';
import type { ScoreState } from '../../src/domain/scoring/engine';

/**
 * In-memory ports: each keeps what it was given in plain maps and lists a test can read and set,
 * with the same conditions as the table's writes, and a queue of failures to inject.
 */

/** Failures to inject: each call of the named operation takes the next one queued (and throws it) until none are left. */
export class Faults<Operation extends string> {
  private readonly queued = new Map<Operation, Error[]>();

  fail(operation: Operation, error: Error = new Error(`${operation} failed`), times = 1): void {
    this.queued.set(operation, [...(this.queued.get(operation) ?? []), ...Array.from({ length: times }, () => error)]);
  }

  check(operation: Operation): void {
    const error = this.queued.get(operation)?.shift();
    if (error) throw error;
  }
}

export class MemoryLog implements Log {
  readonly lines: { level: string; message: string; attributes: Readonly<Record<string, unknown>> }[] = [];
  debug(message: string, attributes: Readonly<Record<string, unknown>>) {
    this.lines.push({ level: 'debug', message, attributes });
  }
  info(message: string, attributes: Readonly<Record<string, unknown>>) {
    this.lines.push({ level: 'info', message, attributes });
  }
  warn(message: string, attributes: Readonly<Record<string, unknown>>) {
    this.lines.push({ level: 'warn', message, attributes });
  }
  error(message: string, attributes: Readonly<Record<string, unknown>>) {
    this.lines.push({ level: 'error', message, attributes });
  }
  messages(level: string): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }
}

export class MemoryPublisher implements EventPublisher {
  readonly events: DomainEvent[] = [];
  readonly faults = new Faults<'publish'>();
  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.faults.check('publish');
    this.events.push(...events);
  }
  of<T extends DetailType>(detailType: T): DetailByType[T][] {
    return this.events.filter((event) => event.detailType === detailType).map((event) => event.detail as DetailByType[T]);
  }
}

/** A bus that takes the events of a call one at a time and, while `failAfter` is set, fails the call after that many: a publish cut off part-way. */
export class PartlyFailingBus implements EventPublisher {
  readonly events: DomainEvent[] = [];
  failAfter: number | undefined;
  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const [index, event] of events.entries()) {
      if (this.failAfter !== undefined && index >= this.failAfter) throw new Error('PutEvents failed');
      this.events.push(event);
    }
  }
  of<T extends DetailType>(detailType: T): DetailByType[T][] {
    return this.events.filter((event) => event.detailType === detailType).map((event) => event.detail as DetailByType[T]);
  }
}

export class MemoryMailer implements EmailSender {
  readonly sent: Email[] = [];
  readonly faults = new Faults<'send'>();
  async send(email: Email): Promise<string> {
    this.faults.check('send');
    this.sent.push(email);
    return `message-${this.sent.length}`;
  }
  recipients(): string[] {
    return this.sent.flatMap((email) => email.to);
  }
}

export class MemoryLeads implements LeadReader, LeadsReader {
  readonly leads = new Map<string, Lead>();
  /** Each `getLeads` call's ids, in order. */
  readonly readsOfMany: string[][] = [];
  put(lead: Lead): void {
    this.leads.set(lead.id, lead);
  }
  async getLead(leadId: string): Promise<Lead | undefined> {
    return this.leads.get(leadId);
  }
  /** As the table reads a profile alone: the lead without its score. */
  async profileOf(leadId: string): Promise<Lead | undefined> {
    const lead = this.leads.get(leadId);
    if (!lead) return undefined;
    const { score: _score, scoreVersion: _scoreVersion, pendingQualification: _pending, ...profile } = lead;
    return profile;
  }
  async getLeads(leadIds: readonly string[]): Promise<readonly Lead[]> {
    this.readsOfMany.push([...leadIds]);
    return leadIds.flatMap((leadId) => this.leads.get(leadId) ?? []);
  }
}

/** Stored templates: each version kept as written, the head naming the latest. */
export class MemoryTemplates implements TemplateLookup {
  readonly versions = new Map<string, TemplateVersionRecord[]>();
  add(templateId: string, content: Template): TemplateVersionRecord {
    const versions = this.versions.get(templateId) ?? [];
    const record = { templateId, version: versions.length + 1, createdAt: '2026-11-20T00:00:00Z', ...content };
    this.versions.set(templateId, [...versions, record]);
    return record;
  }
  async get(templateId: string) {
    const versions = this.versions.get(templateId);
    return versions ? { templateId, latestVersion: versions.length } : undefined;
  }
  async getVersion(templateId: string, version: number) {
    return this.versions.get(templateId)?.[version - 1];
  }
}

/** The routing configuration, the teams' turns, the reps' open leads and each qualification's one routing decision. */
export class MemoryRouting implements FollowUpRouting, AssignmentRouting {
  readonly turns = new Map<string, number>();
  readonly open = new Map<string, number>();
  readonly decisions = new Map<string, Assignment>();

  constructor(
    public config: RoutingConfig | undefined,
    private readonly leads: MemoryLeads = new MemoryLeads(),
  ) {}

  private static id(key: QualificationKey): string {
    return `${key.leadId}#${key.rulesetVersion}#${key.qualification}`;
  }

  async get() {
    return this.config && { config: this.config, version: 1, updatedAt: '2026-11-20T00:00:00Z' };
  }

  async withProfile(leadId: string) {
    return { routing: await this.get(), lead: await this.leads.profileOf(leadId) };
  }

  async takeTurn(teamId: string): Promise<number> {
    const turn = (this.turns.get(teamId) ?? 0) + 1;
    this.turns.set(teamId, turn);
    return turn;
  }

  async openCounts(repIds: readonly string[]): Promise<Record<string, number>> {
    return Object.fromEntries(repIds.map((repId) => [repId, this.open.get(repId) ?? 0]));
  }

  async getAssignment(key: QualificationKey): Promise<Assignment | undefined> {
    return this.decisions.get(MemoryRouting.id(key));
  }

  async tryAssign(key: QualificationKey, owner: LeadOwner, capacity: number): Promise<AssignAttempt> {
    if (this.decisions.has(MemoryRouting.id(key))) return 'already-decided';
    const lead = this.leads.leads.get(key.leadId);
    if (!lead || lead.owner) return 'lead-has-owner';
    const open = this.open.get(owner.repId) ?? 0;
    if (open >= capacity) return 'rep-full';
    this.decisions.set(MemoryRouting.id(key), { status: 'assigned', repId: owner.repId, teamId: owner.teamId, assignedAt: owner.assignedAt });
    this.leads.put({ ...lead, owner, version: lead.version + 1 });
    this.open.set(owner.repId, open + 1);
    return 'assigned';
  }

  async tryKeep(key: QualificationKey, owner: LeadOwner): Promise<KeepAttempt> {
    if (this.decisions.has(MemoryRouting.id(key))) return 'already-decided';
    const lead = this.leads.leads.get(key.leadId);
    if (lead?.owner?.repId !== owner.repId || lead.owner.releasedAt === undefined) return 'owner-changed';
    this.decisions.set(MemoryRouting.id(key), { status: 'assigned', kept: true, repId: owner.repId, teamId: owner.teamId, assignedAt: owner.assignedAt });
    this.leads.put({ ...lead, owner, version: lead.version + 1 });
    this.open.set(owner.repId, (this.open.get(owner.repId) ?? 0) + 1);
    return 'kept';
  }

  async recordUnassigned(key: QualificationKey, teamId: string, at: string): Promise<'recorded' | 'already-decided'> {
    if (this.decisions.has(MemoryRouting.id(key))) return 'already-decided';
    this.decisions.set(MemoryRouting.id(key), { status: 'unassigned', teamId, at });
    return 'recorded';
  }
}

/** Follow-up steps over the leads and routing given, with the conditions of the table's writes. */
export class MemoryFollowUpSteps implements FollowUpStepStore {
  readonly steps = new Map<string, FollowUpStep>();
  readonly faults = new Faults<'markDone'>();
  /** Outcomes the next `tryReassign` calls answer without writing, as a lost race would. */
  readonly lostRaces: Exclude<ReassignAttempt, 'reassigned'>[] = [];

  constructor(
    private readonly leads: MemoryLeads,
    private readonly routing: MemoryRouting,
    private readonly staleAfterMs: number,
  ) {}

  static id(key: FollowUpKey, kind: FollowUpKind): string {
    return `${key.leadId}#${key.rulesetVersion}#${key.qualification}#${key.round}#${kind}`;
  }

  async get(key: FollowUpKey, kind: FollowUpKind): Promise<FollowUpStep | undefined> {
    return this.steps.get(MemoryFollowUpSteps.id(key, kind));
  }

  async claim(key: FollowUpKey, kind: FollowUpKind, outcome: 'reminded' | 'team-inbox', repId: string, at: string): Promise<'claimed' | 'taken'> {
    const id = MemoryFollowUpSteps.id(key, kind);
    const held = this.steps.get(id);
    const stale = held?.status === 'claimed' && held.outcome !== 'reassigned' && Date.parse(held.at) < Date.parse(at) - this.staleAfterMs;
    if (held && !stale) return 'taken';
    this.steps.set(id, { status: 'claimed', outcome, repId, at });
    return 'claimed';
  }

  async release(key: FollowUpKey, kind: FollowUpKind): Promise<void> {
    const id = MemoryFollowUpSteps.id(key, kind);
    if (this.steps.get(id)?.status === 'claimed') this.steps.delete(id);
  }

  async markDone(key: FollowUpKey, kind: FollowUpKind): Promise<'done' | 'claim-gone'> {
    this.faults.check('markDone');
    const id = MemoryFollowUpSteps.id(key, kind);
    const step = this.steps.get(id);
    if (!step) return 'claim-gone';
    this.steps.set(id, { ...step, status: 'done' });
    return 'done';
  }

  async markInterrupted(key: FollowUpKey, kind: FollowUpKind): Promise<void> {
    const id = MemoryFollowUpSteps.id(key, kind);
    const step = this.steps.get(id);
    if (step?.outcome === 'reassigned' && step.status === 'claimed') this.steps.set(id, { ...step, status: 'interrupted' });
  }

  async tryReassign(key: FollowUpKey, lead: { readonly version: number }, from: LeadOwner, owner: LeadOwner, capacity: number): Promise<ReassignAttempt> {
    const lost = this.lostRaces.shift();
    if (lost) return lost;
    const id = MemoryFollowUpSteps.id(key, 'reassign');
    if (this.steps.has(id)) return 'already-done';
    const current = this.leads.leads.get(key.leadId);
    if (!current || current.version !== lead.version || current.owner?.repId !== from.repId) return 'lead-changed';
    const open = this.routing.open.get(owner.repId) ?? 0;
    if (open >= capacity) return 'rep-full';
    this.steps.set(id, { status: 'claimed', outcome: 'reassigned', repId: from.repId, at: owner.assignedAt, owner, waitedSince: from.assignedAt });
    this.leads.put({ ...current, owner, version: current.version + 1, updatedAt: owner.assignedAt });
    this.routing.open.set(owner.repId, open + 1);
    this.routing.open.set(from.repId, Math.max(0, (this.routing.open.get(from.repId) ?? 0) - 1));
    return 'reassigned';
  }
}

/** An event to record in memory: its recording time defaults to when it was received. */
export type EventToRecord = Omit<RecordedEvent, 'recordedAt'> & { readonly recordedAt?: string };

/** Leads with their recorded events, score watermarks and visitor links; a score write has the table's conditions. */
export class MemoryScoringStore extends MemoryLeads implements RecordedEvents, VisitorLinks, ScoreWriter {
  /** Every recorded event, in recording order (a concurrent retry may record one twice). */
  readonly events: RecordedEvent[] = [];
  readonly watermarks = new Map<string, ScoreWatermark>();
  readonly visitors = new Map<string, string>();
  /** Every score write that was applied, in order, with the events it added. */
  readonly writes: { leadId: string; eventIds: string[]; score: ScoreState }[] = [];
  readonly faults = new Faults<'applyScores'>();
  /** Leads whose writes fail, as a throttled or unreachable table would. */
  readonly failingLeads = new Set<string>();
  /** Called before each score write's conditions are checked: a test changes the lead there, as a concurrent writer would. */
  beforeWrite: (leadId: string) => void = () => undefined;
  /** The clock of the scorer's reads: tests move it past the recording deadline. */
  now = () => new Date();

  record(...events: EventToRecord[]): void {
    for (const event of events) this.events.push({ ...event, recordedAt: event.recordedAt ?? event.receivedAt });
  }

  /** The current place of an event (the first copy), by id. */
  event(eventId: string): RecordedEvent | undefined {
    return this.events.find((event) => event.id === eventId);
  }

  async leadIdForAnonymous(anonymousId: string): Promise<string | undefined> {
    return this.visitors.get(anonymousId);
  }

  async moveHistory(anonymousId: string, leadId: string): Promise<number> {
    const recordedAt = this.now().toISOString();
    let moved = 0;
    this.events.forEach((event, index) => {
      if (event.subject.kind !== 'anonymous' || event.subject.id !== anonymousId) return;
      this.events[index] = { ...event, subject: { kind: 'lead', id: leadId }, recordedAt };
      moved += 1;
    });
    return moved;
  }

  private historyOf(subject: EventSubject): RecordedEvent[] {
    return this.events.filter((event) => event.subject.kind === subject.kind && event.subject.id === subject.id);
  }

  async eventsOf(subject: EventSubject, options: { readonly newestFirst?: boolean; readonly limit?: number } = {}): Promise<RecordedEvent[]> {
    const events = distinctEvents(this.historyOf(subject)).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    if (options.newestFirst) events.reverse();
    return events.slice(0, options.limit);
  }

  async scoringView(leadId: string): Promise<LeadScoringView | undefined> {
    const lead = this.leads.get(leadId);
    if (!lead) return undefined;
    const watermark = this.watermarks.get(leadId) ?? EMPTY_WATERMARK;
    const recorded = this.historyOf({ kind: 'lead', id: leadId })
      .filter((event) => event.recordedAt > watermark.through)
      .sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
    return { lead, watermark, recorded, readAt: this.now() };
  }

  /** Each lead's band as the last applied score write filed it. */
  readonly bands = new Map<string, number>();

  async applyScores(leadId: string, scoreVersion: number | undefined, score: ScoreState, band: number, watermark: ScoreWatermark, pendingQualification?: LeadQualifiedDetail): Promise<ScoreWrite> {
    this.faults.check('applyScores');
    if (this.failingLeads.has(leadId)) throw new Error(`Writes of lead ${leadId} fail`);
    this.beforeWrite(leadId);
    const current = this.leads.get(leadId);
    if (!current || current.scoreVersion !== scoreVersion) return 'lead-changed';
    const before = this.watermarks.get(leadId) ?? EMPTY_WATERMARK;
    const history = distinctEvents(this.historyOf({ kind: 'lead', id: leadId }));
    const added = history.filter((event) => isApplied(event, watermark) && !isApplied(event, before)).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));
    this.watermarks.set(leadId, watermark);
    this.bands.set(leadId, band);
    this.put({ ...current, score, scoreVersion: (scoreVersion ?? 0) + 1, ...(pendingQualification ? { pendingQualification } : {}) });
    this.writes.push({ leadId, eventIds: added.map((event) => event.id), score });
    return 'applied';
  }

  async clearPendingQualification(leadId: string, qualification: number): Promise<void> {
    const current = this.leads.get(leadId);
    if (current?.pendingQualification?.qualification !== qualification) return;
    const { pendingQualification: _cleared, ...rest } = current;
    this.put(rest);
  }
}

/** A delivery record of one endpoint and event. */
export type DeliveryRecord =
  | { readonly status: 'sending'; readonly token: string; readonly claimedAt: string }
  | { readonly status: 'delivered'; readonly responseStatus: number; readonly at: string }
  | { readonly status: 'refused'; readonly problem: string; readonly at: string };

/** Webhook endpoints and their delivery records, with the claim's conditions (stale takeover, token to settle). */
export class MemoryWebhooks implements WebhookDeliveryStore {
  readonly endpoints: SigningEndpoint[] = [];
  readonly deliveries = new Map<string, DeliveryRecord>();
  private tokens = 0;

  constructor(private readonly staleAfterMs: number) {}

  static id(webhookId: string, eventId: string): string {
    return `${webhookId}#${eventId}`;
  }

  async listForSigning(): Promise<SigningEndpoint[]> {
    return [...this.endpoints];
  }

  async claimDelivery(webhookId: string, eventId: string, now: Date): Promise<DeliveryClaim> {
    const id = MemoryWebhooks.id(webhookId, eventId);
    const held = this.deliveries.get(id);
    if (held?.status === 'delivered') return { outcome: 'already-delivered' };
    if (held?.status === 'refused') return { outcome: 'already-refused' };
    if (held && Date.parse(held.claimedAt) >= now.getTime() - this.staleAfterMs) return { outcome: 'in-progress' };
    this.tokens += 1;
    const token = `token-${this.tokens}`;
    this.deliveries.set(id, { status: 'sending', token, claimedAt: now.toISOString() });
    return { outcome: 'claimed', token };
  }

  private settle(webhookId: string, eventId: string, token: string, record: DeliveryRecord): void {
    const id = MemoryWebhooks.id(webhookId, eventId);
    const held = this.deliveries.get(id);
    if (held?.status !== 'sending' || held.token !== token) throw new Error(`The claim of ${id} is not held with ${token}`);
    this.deliveries.set(id, record);
  }

  async markDelivered(webhookId: string, eventId: string, token: string, responseStatus: number, at: Date): Promise<void> {
    this.settle(webhookId, eventId, token, { status: 'delivered', responseStatus, at: at.toISOString() });
  }

  async markRefused(webhookId: string, eventId: string, token: string, problem: string, at: Date): Promise<void> {
    this.settle(webhookId, eventId, token, { status: 'refused', problem, at: at.toISOString() });
  }

  async releaseDelivery(webhookId: string, eventId: string, token: string): Promise<void> {
    const id = MemoryWebhooks.id(webhookId, eventId);
    const held = this.deliveries.get(id);
    if (held?.status === 'sending' && held.token === token) this.deliveries.delete(id);
  }
}

/** The receivers' world: host names and their addresses, and how each host answers a POST. */
export class MemoryNetwork implements DeliveryNetwork {
  readonly dns = new Map<string, string[]>();
  readonly posted: PinnedPost[] = [];
  /** The status each host answers; 200 when not set. A function may throw, as a timeout or a reset would. */
  readonly answers = new Map<string, () => number>();

  readonly resolver = {
    resolve: async (hostname: string): Promise<string[]> => {
      const addresses = this.dns.get(hostname);
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses;
    },
  };

  readonly connector = {
    post: async (request: PinnedPost): Promise<number> => {
      this.posted.push(request);
      return this.answers.get(request.url.hostname)?.() ?? 200;
    },
  };

  postsTo(hostname: string): PinnedPost[] {
    return this.posted.filter((request) => request.url.hostname === hostname);
  }
}

/** One alert record per qualification, with the claim's conditions (stale takeover, token to settle). */
export class MemoryAlerts implements AlertRecords {
  readonly records = new Map<string, { status: 'sending' | 'sent'; token: string; claimedAt: number; messageId?: string }>();
  private tokens = 0;

  constructor(private readonly staleAfterMs: number) {}

  static id(key: QualificationKey): string {
    return `${key.leadId}#${key.rulesetVersion}#${key.qualification}`;
  }

  async claim(key: QualificationKey, now: Date): Promise<AlertClaim> {
    const held = this.records.get(MemoryAlerts.id(key));
    if (held?.status === 'sent') return { outcome: 'already-sent' };
    if (held && held.claimedAt >= now.getTime() - this.staleAfterMs) return { outcome: 'in-progress' };
    this.tokens += 1;
    const token = `token-${this.tokens}`;
    this.records.set(MemoryAlerts.id(key), { status: 'sending', token, claimedAt: now.getTime() });
    return { outcome: 'claimed', token };
  }

  async markSent(key: QualificationKey, token: string, messageId: string): Promise<void> {
    const held = this.records.get(MemoryAlerts.id(key));
    if (held?.token !== token) throw new Error(`The alert claim of ${MemoryAlerts.id(key)} is not held with ${token}`);
    this.records.set(MemoryAlerts.id(key), { ...held, status: 'sent', messageId });
  }

  async release(key: QualificationKey, token: string): Promise<void> {
    if (this.records.get(MemoryAlerts.id(key))?.token === token) this.records.delete(MemoryAlerts.id(key));
  }
}

/** Campaigns and their send records; each outcome is counted once in its campaign's totals, as the table's transactions do. */
export class MemoryCampaigns implements CampaignSends, CampaignRecords {
  readonly campaigns = new Map<string, Campaign>();
  readonly sends = new Map<string, SendRecord & { readonly messageId?: string }>();
  readonly counts = new Map<string, number>();

  async create(id: string, definition: Omit<ResolvedCampaignDefinition, 'segmentId'>, audience: Pick<Campaign, 'audience' | 'segmentRef'>, at: string): Promise<Campaign> {
    const campaign: Campaign = { id, ...definition, ...audience, status: 'draft', createdAt: at, recipients: 0, planned: false, sent: 0, skipped: 0 };
    this.campaigns.set(id, campaign);
    return campaign;
  }

  async startSending(id: string, at: string): Promise<'started' | 'not-a-draft'> {
    const campaign = this.campaigns.get(id);
    if (campaign?.status !== 'draft') return 'not-a-draft';
    this.campaigns.set(id, { ...campaign, status: 'sending', sendStartedAt: at });
    return 'started';
  }

  async markPlanningRequested(id: string): Promise<void> {
    const campaign = this.campaigns.get(id);
    if (campaign) this.campaigns.set(id, { ...campaign, planningRequested: true });
  }

  /** The rounds each campaign's plan has begun, as `startPlanRound` started them. */
  readonly planRounds = new Map<string, { number: number; startedAt: string; accounted: number }[]>();

  async startPlanRound(id: string, accounted: number, at: string): Promise<{ number: number; startedAt: string }> {
    const rounds = this.planRounds.get(id) ?? [];
    const round = { number: rounds.length + 2, startedAt: at, accounted };
    this.planRounds.set(id, [...rounds, round]);
    const campaign = this.campaigns.get(id);
    if (campaign) this.campaigns.set(id, { ...campaign, recipients: accounted, planned: false });
    return { number: round.number, startedAt: at };
  }

  async schedule(id: string, schedule: CampaignSchedule): Promise<boolean> {
    const campaign = this.campaigns.get(id);
    if (campaign?.status !== 'draft' && campaign?.status !== 'scheduled') return false;
    this.campaigns.set(id, { ...campaign, status: 'scheduled', schedule });
    return true;
  }

  async unschedule(id: string): Promise<boolean> {
    const campaign = this.campaigns.get(id);
    if (campaign?.status !== 'scheduled') return false;
    const { schedule: _schedule, ...draft } = campaign;
    this.campaigns.set(id, { ...draft, status: 'draft' });
    return true;
  }

  private static id(campaignId: string, leadId: string): string {
    return `${campaignId}#${leadId}`;
  }

  private count(campaignId: string, outcome: string): void {
    const counter = `${campaignId}#${outcome}`;
    this.counts.set(counter, (this.counts.get(counter) ?? 0) + 1);
  }

  send(campaignId: string, leadId: string) {
    return this.sends.get(MemoryCampaigns.id(campaignId, leadId));
  }

  async get(id: string): Promise<Campaign | undefined> {
    return this.campaigns.get(id);
  }

  async getItem(id: string): Promise<Campaign | undefined> {
    return this.campaigns.get(id);
  }

  async setStatus(id: string, from: readonly CampaignStatus[], to: CampaignStatus, reason?: string): Promise<boolean> {
    const campaign = this.campaigns.get(id);
    if (!campaign || !from.includes(campaign.status)) return false;
    this.campaigns.set(id, { ...campaign, status: to, ...(reason ? { statusReason: reason } : {}) });
    return true;
  }

  async claimSend(campaignId: string, leadId: string, at: string): Promise<SendClaim> {
    const record = this.sends.get(MemoryCampaigns.id(campaignId, leadId));
    if (record) return { outcome: 'exists', record };
    this.sends.set(MemoryCampaigns.id(campaignId, leadId), { status: 'sending', claimedAt: at });
    return { outcome: 'claimed' };
  }

  async recordSkip(campaignId: string, leadId: string, reason: string): Promise<SkipRecord> {
    const record = this.sends.get(MemoryCampaigns.id(campaignId, leadId));
    if (record) return { outcome: 'exists', record };
    this.sends.set(MemoryCampaigns.id(campaignId, leadId), { status: 'skipped', reason });
    this.count(campaignId, 'skipped');
    return { outcome: 'recorded' };
  }

  async markSent(campaignId: string, leadId: string, messageId: string): Promise<void> {
    const record = this.sends.get(MemoryCampaigns.id(campaignId, leadId));
    if (record?.status !== 'sending') return;
    this.sends.set(MemoryCampaigns.id(campaignId, leadId), { status: 'sent', messageId });
    this.count(campaignId, 'sent');
  }

  async markInterrupted(campaignId: string, leadId: string): Promise<'counted' | 'already-counted'> {
    const record = this.sends.get(MemoryCampaigns.id(campaignId, leadId));
    if (record?.status !== 'sending') return 'already-counted';
    this.sends.set(MemoryCampaigns.id(campaignId, leadId), { ...record, status: 'interrupted' });
    this.count(campaignId, 'interrupted');
    return 'counted';
  }

  async releaseSend(campaignId: string, leadId: string): Promise<void> {
    if (this.sends.get(MemoryCampaigns.id(campaignId, leadId))?.status === 'sending') this.sends.delete(MemoryCampaigns.id(campaignId, leadId));
  }
}

/** Purchases by order id and the address-to-lead index, writing leads' summaries against their versions as the table does. */
export class MemoryPurchases implements PurchaseLedger, LeadsByEmail {
  readonly orders = new Map<string, { readonly leadId: string; readonly purchase: Purchase }>();
  readonly faults = new Faults<'record' | 'ensureLeadForEmail'>();
  /** Runs before each write: a test changes the lead here to make the write lose the race. */
  beforeWrite: (leadId: string) => void = () => undefined;

  constructor(private readonly leads: MemoryLeads) {}

  async ensureLeadForEmail(email: string, touch: Touch): Promise<string> {
    this.faults.check('ensureLeadForEmail');
    const existing = [...this.leads.leads.values()].find((lead) => lead.email === email);
    if (existing) return existing.id;
    const id = `lead-${this.leads.leads.size + 1}`;
    this.leads.put({ id, email, createdAt: touch.at, updatedAt: touch.at, firstTouch: touch, lastTouch: touch, subscriptions: {}, version: 1 });
    return id;
  }

  async get(orderId: string) {
    return this.orders.get(orderId);
  }

  async record(lead: Pick<Lead, 'id' | 'version'>, purchase: Purchase, summary: PurchaseSummary, recordedAt: string): Promise<'recorded' | 'duplicate' | 'lead-changed'> {
    this.faults.check('record');
    this.beforeWrite(lead.id);
    if (this.orders.has(purchase.orderId)) return 'duplicate';
    const stored = this.leads.leads.get(lead.id);
    if (stored?.version !== lead.version) return 'lead-changed';
    this.orders.set(purchase.orderId, { leadId: lead.id, purchase });
    this.leads.put({ ...stored, purchases: summary, updatedAt: recordedAt, version: stored.version + 1 });
    return 'recorded';
  }
}

/** The campaigns' timed send triggers, by campaign. */
export class MemoryTriggers implements SendTriggers {
  readonly triggers = new Map<string, CampaignSchedule>();
  readonly faults = new Faults<'schedule' | 'unschedule'>();
  /** Runs after a trigger is set: a test changes the campaign here, as a request racing this one would. */
  afterSchedule: (campaignId: string) => void = () => undefined;

  async schedule(campaignId: string, schedule: CampaignSchedule): Promise<void> {
    this.faults.check('schedule');
    this.triggers.set(campaignId, schedule);
    this.afterSchedule(campaignId);
  }

  async unschedule(campaignId: string): Promise<void> {
    this.faults.check('unschedule');
    this.triggers.delete(campaignId);
  }
}

/** The send-time policy as a test sets it. */
export class MemorySendPolicy implements SendPolicySource {
  policy: SendPolicy = OPEN_POLICY;
  async current(): Promise<SendPolicy> {
    return this.policy;
  }
}

/**
 * Leads' marketing send ledgers with the table's conditional write: a write at a version another
 * writer moved is refused. With `interleave`, every call yields first, as a network call does, so
 * concurrent callers read the same version before either writes.
 */
export class MemorySendLedger implements MarketingSendLedger {
  readonly ledgers = new Map<string, { readonly sends: readonly LedgerSend[]; readonly version: number }>();
  refusedWrites = 0;
  /** Reads of one lead's ledger (a batch's reads are `readsOfMany`). */
  singleReads = 0;
  readsOfMany = 0;
  interleave = false;

  private async yieldTurn(): Promise<void> {
    if (this.interleave) await new Promise((resolve) => setImmediate(resolve));
  }

  async read(leadId: string) {
    await this.yieldTurn();
    this.singleReads += 1;
    return this.ledgers.get(leadId) ?? { sends: [], version: 0 };
  }

  async readMany(leadIds: readonly string[]) {
    await this.yieldTurn();
    this.readsOfMany += 1;
    return new Map(leadIds.map((leadId) => [leadId, this.ledgers.get(leadId) ?? { sends: [], version: 0 }]));
  }

  async write(leadId: string, sends: readonly LedgerSend[], expectedVersion: number): Promise<boolean> {
    await this.yieldTurn();
    if ((this.ledgers.get(leadId)?.version ?? 0) !== expectedVersion) {
      this.refusedWrites += 1;
      return false;
    }
    this.ledgers.set(leadId, { sends, version: expectedVersion + 1 });
    return true;
  }

  keys(leadId: string): string[] {
    return (this.ledgers.get(leadId)?.sends ?? []).map((send) => send.key);
  }
}

/** Campaign recipients deferred to the end of their quiet hours, and those left to settle, by campaign and instant. */
export class MemoryDeferrals implements RecipientDeferrals {
  readonly deferred: { campaignId: string; leadIds: string[]; until: string }[] = [];
  readonly toSettle: { campaignId: string; leadIds: string[]; at: string }[] = [];
  async defer(campaignId: string, leadIds: readonly string[], until: string): Promise<void> {
    this.deferred.push({ campaignId, leadIds: [...leadIds], until });
  }
  async settleLater(campaignId: string, leadIds: readonly string[], at: string): Promise<void> {
    this.toSettle.push({ campaignId, leadIds: [...leadIds], at });
  }
}
