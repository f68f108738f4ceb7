import { JourneyEmails, type EmailStepRuns, type JourneyEmailDependencies } from '../../src/app/journey-emails';
import { JourneyRunner, type Enrolments, type JourneyRunnerDependencies, type JourneyVersions, type StepActions } from '../../src/app/journey-runner';
import { MarketingSendGate } from '../../src/app/marketing-send-gate';
import { marketingSendPolicy } from '../../src/app/send-time-check';
import { DetailType, type DomainEvent } from '../../src/domain/events';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';
import type { EmailStepEnd, LiveJourney, ReportCount, StepClaim, StepKey, StepRecord, StoredEnrolment } from '../../src/domain/journeys/records';
import type { JourneyDefinition } from '../../src/domain/journeys/definition';
import type { EnrolmentState } from '../../src/domain/journeys/interpreter';
import type { StepOf } from '../../src/domain/journeys/definition';
import type { Lead } from '../../src/domain/lead';
import { Faults, type MemoryLeads, MemoryLog, MemoryMailer, MemoryPublisher, MemorySendLedger, MemorySendPolicy } from './in-memory';

/** Yields to other tasks, as a table call would: concurrent deliveries interleave at every store call. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MemoryJourneyVersions implements JourneyVersions {
  readonly versions = new Map<string, JourneyDefinition>();
  readonly heads = new Map<string, { status: 'draft' | 'published' | 'paused' | 'archived'; version: number }>();
  publish(journeyId: string, version: number, definition: JourneyDefinition): void {
    this.versions.set(`${journeyId}#${version}`, definition);
    this.heads.set(journeyId, { status: 'published', version });
  }
  async definition(journeyId: string, version: number) {
    return this.versions.get(`${journeyId}#${version}`);
  }
  /** The list as an adapter holds it in memory for a few seconds (`holdList`): served as it was until asked `fresh`. */
  private held?: LiveJourney[];
  holdList(): void {
    this.held = this.current();
  }
  async live(options: { readonly fresh?: boolean } = {}): Promise<LiveJourney[]> {
    return this.held && !options.fresh ? this.held : this.current();
  }
  private current(): LiveJourney[] {
    return [...this.heads].flatMap(([journeyId, head]) => {
      const definition = this.versions.get(`${journeyId}#${head.version}`);
      return definition && (head.status === 'published' || head.status === 'paused') ? [{ journeyId, version: head.version, status: head.status, definition }] : [];
    });
  }
  async status(journeyId: string) {
    return this.heads.get(journeyId)?.status;
  }
}

/** Enrolments and step claims with the table's conditions: a revision per enrolment, a conditional put per claim. */
export class MemoryEnrolments implements Enrolments, EmailStepRuns {
  readonly enrolments = new Map<string, StoredEnrolment>();
  readonly claims = new Map<string, StepRecord>();
  readonly counts: ReportCount[] = [];
  readonly faults = new Faults<'save' | 'finishStep' | 'finish'>();

  async get(leadId: string, journeyId: string) {
    await turn();
    return this.enrolments.get(`${leadId}#${journeyId}`);
  }
  async ofLead(leadId: string) {
    await turn();
    return [...this.enrolments.values()].filter((enrolment) => enrolment.leadId === leadId);
  }
  async enter(enrolment: EnrolmentState, counts: readonly ReportCount[], replacing?: number) {
    await turn();
    const key = `${enrolment.leadId}#${enrolment.journeyId}`;
    if (this.enrolments.get(key)?.rev !== replacing) return false;
    this.enrolments.set(key, { ...enrolment, rev: (replacing ?? 0) + 1 });
    this.counts.push(...counts);
    return true;
  }
  async save(enrolment: EnrolmentState, rev: number, counts: readonly ReportCount[]) {
    await turn();
    this.faults.check('save');
    const key = `${enrolment.leadId}#${enrolment.journeyId}`;
    if (this.enrolments.get(key)?.rev !== rev) return false;
    this.enrolments.set(key, { ...enrolment, rev: rev + 1 });
    this.counts.push(...counts);
    return true;
  }
  private claimKey = (key: StepKey) => `${key.leadId}#${key.journeyId}#${key.run}#${key.seq}`;
  async claimStep(key: StepKey, stepId: string, at: string): Promise<StepClaim> {
    await turn();
    const existing = this.claims.get(this.claimKey(key));
    if (existing) return { outcome: 'exists', record: existing };
    this.claims.set(this.claimKey(key), { status: 'claimed', stepId, claimedAt: at });
    return { outcome: 'claimed' };
  }
  async retakeStep(key: StepKey, claimedAt: string, at: string) {
    await turn();
    const existing = this.claims.get(this.claimKey(key));
    if (existing?.status !== 'claimed' || existing.claimedAt !== claimedAt) return false;
    this.claims.set(this.claimKey(key), { ...existing, claimedAt: at });
    return true;
  }
  async stepRecord(key: StepKey) {
    await turn();
    return this.claims.get(this.claimKey(key));
  }
  async finishStep(key: StepKey, outcome: { status: 'done' | 'skipped'; reason?: string }) {
    await turn();
    this.faults.check('finishStep');
    const existing = this.claims.get(this.claimKey(key));
    if (existing) this.claims.set(this.claimKey(key), { ...existing, ...outcome });
  }
  async releaseStep(key: StepKey) {
    await turn();
    this.claims.delete(this.claimKey(key));
  }
  async handStep(key: StepKey) {
    await turn();
    const existing = this.claims.get(this.claimKey(key));
    if (existing?.status === 'claimed') this.claims.set(this.claimKey(key), { ...existing, status: 'handed' });
  }
  async take(key: StepKey, stepId: string, at: string) {
    await turn();
    const existing = this.claims.get(this.claimKey(key));
    if (!existing || existing.stepId !== stepId) return { outcome: 'not-handed' as const };
    if (existing.status !== 'claimed' && existing.status !== 'handed') return { outcome: 'exists' as const, record: existing };
    this.claims.set(this.claimKey(key), { ...existing, status: 'sending', sendingAt: at });
    return { outcome: 'taken' as const };
  }
  async finish(key: StepKey, end: EmailStepEnd, counts: readonly ReportCount[]) {
    await turn();
    this.faults.check('finish');
    const existing = this.claims.get(this.claimKey(key));
    if (existing?.status !== 'sending') return false;
    this.claims.set(this.claimKey(key), { ...existing, ...end });
    this.counts.push(...counts);
    return true;
  }
  async release(key: StepKey) {
    await turn();
    const existing = this.claims.get(this.claimKey(key));
    if (existing?.status === 'sending') this.claims.set(this.claimKey(key), { status: 'handed', stepId: existing.stepId, claimedAt: existing.claimedAt });
  }
  /** The waiting and active enrolments whose timer (an active one's: its runner's check) is due at `now`, as the sweep finds them. */
  due(now: Date): StoredEnrolment[] {
    return [...this.enrolments.values()].filter((enrolment) => (enrolment.status === 'waiting' || enrolment.status === 'active') && enrolment.wakeAt !== undefined && Date.parse(enrolment.wakeAt) <= now.getTime());
  }
}

/**
 * The bus between run-journeys and send-journey-email: each hand-over and each step run's end is
 * delivered at once (before the runner marks the claim handed or saves the enrolment), or, `queued`,
 * when the test calls `deliverAll`, as a queue's consumer takes it a moment later.
 */
export class MemoryJourneyBus {
  private readonly pending: (() => Promise<unknown>)[] = [];
  /** Deliveries made so far, by detail type. */
  readonly delivered: string[] = [];
  /** `put`: the bus refuses an event (EventBridge's PutEvents failed), which is then not delivered. */
  readonly faults = new Faults<'put'>();
  constructor(private readonly queued = false) {}
  async put(detailType: string, delivery: () => Promise<unknown>): Promise<void> {
    this.faults.check('put');
    const delivered = () => {
      this.delivered.push(detailType);
      return delivery();
    };
    if (this.queued) this.pending.push(delivered);
    else await delivered();
  }
  /** Delivers the queued events, and those their consumers publish, in order, until none is left. */
  async deliverAll(): Promise<void> {
    for (let next = this.pending.shift(); next; next = this.pending.shift()) await next();
  }
}

/**
 * Step actions that record what they did; an update_lead step changes the lead's attributes and
 * subscriptions in `leads` when given; email and notify steps are handed to `handOver` as the bus
 * would hand them to send-journey-email.
 */
export class MemoryStepActions implements StepActions {
  readonly done: { kind: string; leadId: string; stepId: string }[] = [];
  constructor(
    private readonly handOver?: (reached: { leadId: string; journeyId: string; journeyVersion: number; stepId: string; run: number; seq: number }) => Promise<unknown>,
    private readonly leads?: MemoryLeads,
  ) {}
  async updateLead(lead: Lead, step: StepOf<'update_lead'>) {
    this.done.push({ kind: 'update_lead', leadId: lead.id, stepId: step.id });
    const current = await this.leads?.getLead(lead.id);
    if (current) {
      const subscriptions = step.subscription ? { ...current.subscriptions, [step.subscription.type]: step.subscription.status } : current.subscriptions;
      this.leads?.put({ ...current, attributes: { ...current.attributes, ...step.attributes }, subscriptions } as Lead);
    }
    return { outcome: 'done' as const };
  }
  async email(lead: { id: string }, step: { id: string; type: string }, key: StepKey, version: number) {
    this.done.push({ kind: step.type, leadId: lead.id, stepId: step.id });
    await this.handOver?.({ leadId: lead.id, journeyId: key.journeyId, journeyVersion: version, stepId: step.id, run: key.run, seq: key.seq });
    return { outcome: 'handed' as const };
  }
  async webhook(lead: { id: string }, step: { id: string }) {
    this.done.push({ kind: 'webhook', leadId: lead.id, stepId: step.id });
    return { outcome: 'done' as const };
  }
}

/**
 * send-journey-email's use case on in-memory ports, over the runner's step claims: every email passes
 * the send-time gate (no suppressions, `sendPolicy` or the default policy), links point at example.com,
 * a step taken for sending over a minute ago counts as abandoned. Give what a test reads or steers.
 */
export function memoryJourneyEmails(
  parts: Pick<JourneyEmailDependencies, 'journeys' | 'steps'> & { readonly leads: MemoryLeads; readonly sendPolicy?: MemorySendPolicy } & Partial<Omit<JourneyEmailDependencies, 'leads' | 'journeys' | 'steps'>>,
): JourneyEmails {
  const { leads, sendPolicy, ...given } = parts;
  return new JourneyEmails({
    leads,
    sendCheck: marketingSendPolicy(new MarketingSendGate({ leads, suppressedAmong: async () => new Set(), policy: sendPolicy ?? new MemorySendPolicy(), ledger: new MemorySendLedger(), subscriptionTypes: async () => SEEDED_CATALOGUE })),
    mailer: new MemoryMailer(),
    link: async (path) => `https://example.com${path}`,
    subscriptionTypes: async () => SEEDED_CATALOGUE,
    routing: { get: async () => undefined },
    tasks: { put: async () => undefined },
    salesInbox: 'sales@example.com',
    publisher: new MemoryPublisher(),
    log: new MemoryLog(),
    abandonedSendMs: 60_000,
    ...given,
  });
}

/**
 * A journey runner on in-memory ports, as the journey use-case tests drive it, its email and notify
 * steps sent by `memoryJourneyEmails` over the same claims, whose step ends move the runner's
 * enrolments on, across `bus` (instant unless given queued). update_lead steps change the lead in
 * `leads`. A step claimed over a minute ago counts as abandoned. Give what a test reads or steers.
 */
export function memoryJourneyRunner(
  parts: Pick<JourneyRunnerDependencies, 'journeys' | 'enrolments' | 'clock'> & { readonly enrolments: MemoryEnrolments; readonly leads: MemoryLeads; readonly sendPolicy?: MemorySendPolicy; readonly mailer?: MemoryMailer; readonly bus?: MemoryJourneyBus } & Partial<Pick<JourneyRunnerDependencies, 'views' | 'log'>>,
): JourneyRunner {
  const { leads, sendPolicy, mailer, bus = new MemoryJourneyBus(), ...given } = parts;
  const publisher = {
    publish: async (events: readonly DomainEvent[]) => {
      for (const event of events) if (event.detailType === DetailType.JourneyEmailStepEnded) await bus.put(event.detailType, () => runner.emailStepEnded(event.detail.leadId, event.detail.journeyId, event.detail.run, event.detail.seq));
    },
  };
  const emails = memoryJourneyEmails({ journeys: given.journeys, steps: given.enrolments, leads, publisher, ...(sendPolicy ? { sendPolicy } : {}), ...(mailer ? { mailer } : {}), ...(given.log ? { log: given.log } : {}), ...(given.clock ? { clock: given.clock } : {}) });
  const runner = new JourneyRunner({
    leads,
    views: { view: async () => ({}) },
    actions: new MemoryStepActions((reached) => bus.put(DetailType.JourneyEmailStepReached, () => emails.deliver(reached)), leads),
    log: new MemoryLog(),
    abandonedClaimMs: 60_000,
    ...given,
  });
  return runner;
}
