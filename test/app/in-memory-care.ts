import type { CareRecords, CareSettingsReader, EngagementRecorder, OwnerDirectory } from '../../src/app/customer-care';
import type { OneTimeSchedules } from '../../src/app/follow-up-timers';
import type { RecentActivity } from '../../src/app/mql-alert';
import type { RecordedEvent } from '../../src/app/lead-scoring';
import type { SurveyRecords, SurveySend } from '../../src/app/survey-answers';
import type { SurveyMail, SurveySendRecords } from '../../src/app/survey-sending';
import type { TicketLedger } from '../../src/app/ticket-intake';
import { DEFAULT_RISK_FORMULA, type StoredRiskFormula } from '../../src/domain/care/churn-risk';
import { DEFAULT_CARE_SETTINGS, type CareSettings, type CustomerCare } from '../../src/domain/care/customer';
import type { SurveySendClaim } from '../../src/domain/care/surveys';
import { CONFIGURED_LIFESPAN, type Lifespan } from '../../src/domain/care/lifetime-value';
import { signSurveyLink, type SurveyLink } from '../../src/domain/care/survey-links';
import { scoresOf, type SurveyAnswer, type SurveyDefinition, type SurveyLinkClaims } from '../../src/domain/care/surveys';
import type { Ticket } from '../../src/domain/care/tickets';
import type { KeyRing } from '../../src/domain/consent/signed-token';
import type { AlertClaim } from '../../src/domain/handoff/alert-email';
import type { DetailByType, OneTimeSchedule } from '../../src/domain/events';
import type { Lead } from '../../src/domain/lead';
import type { MemoryLeads } from './in-memory';

export const KEY_RING: KeyRing = { current: 'k1', keys: { k1: 'a-test-secret-of-at-least-32-bytes!!' } };

/** The care record, tickets, survey sends and alert claims of the table, with the conditions of its writes. */
export class MemoryCare implements TicketLedger, SurveyRecords, CareRecords, SurveySendRecords, CareSettingsReader, RecentActivity, EngagementRecorder, SurveyMail, OwnerDirectory {
  readonly tickets = new Map<string, Ticket>();
  readonly sends = new Map<string, SurveySend & { token?: string; messageId?: string }>();
  readonly alerts = new Map<string, { status: 'sending' | 'sent'; token: string }>();
  readonly engagement: { id: string; type: string; properties: Readonly<Record<string, unknown>> }[] = [];
  readonly events: RecordedEvent[] = [];
  readonly suppressed = new Set<string>();
  careSettings: CareSettings = DEFAULT_CARE_SETTINGS;
  averageLifespan: Lifespan = CONFIGURED_LIFESPAN;
  formula: StoredRiskFormula = { version: 1, formula: DEFAULT_RISK_FORMULA, createdAt: '2026-01-01T00:00:00.000Z' };
  private tokens = 0;

  constructor(private readonly leads: MemoryLeads) {}

  private bump(lead: Pick<Lead, 'id' | 'version'>, care: CustomerCare, at: string): boolean {
    const stored = this.leads.leads.get(lead.id);
    if (stored?.version !== lead.version) return false;
    this.leads.put({ ...stored, care, updatedAt: at, version: stored.version + 1 });
    return true;
  }

  async get(leadId: string, ticketId: string) {
    return this.tickets.get(`${leadId}#${ticketId}`);
  }

  async record(lead: Pick<Lead, 'id' | 'version'>, ticket: Ticket, care: CustomerCare, at: string) {
    const kept = this.tickets.get(`${lead.id}#${ticket.ticketId}`);
    if (kept && Date.parse(kept.updatedAt) >= Date.parse(ticket.updatedAt)) return 'not-newer' as const;
    if (!this.bump(lead, care, at)) return 'lead-changed' as const;
    this.tickets.set(`${lead.id}#${ticket.ticketId}`, ticket);
    return 'recorded' as const;
  }

  async getSend(leadId: string, sendId: string) {
    return this.sends.get(`${leadId}#${sendId}`);
  }

  async recordAnswer(lead: Pick<Lead, 'id' | 'version'>, send: SurveySend, answer: SurveyAnswer, care: CustomerCare) {
    if (!this.bump(lead, care, answer.answeredAt)) return 'lead-changed' as const;
    this.sends.set(`${lead.id}#${send.sendId}`, { ...send, answer });
    return 'recorded' as const;
  }

  async saveCare(lead: Pick<Lead, 'id' | 'version'>, care: CustomerCare, at: string) {
    return this.bump(lead, care, at) ? ('saved' as const) : ('lead-changed' as const);
  }

  private claim(records: Map<string, { status: 'sending' | 'sent'; token?: string }>, key: string, write: (token: string) => void): AlertClaim {
    const held = records.get(key);
    if (held?.status === 'sent') return { outcome: 'already-sent' };
    if (held) return { outcome: 'in-progress' };
    this.tokens += 1;
    const token = `token-${this.tokens}`;
    write(token);
    return { outcome: 'claimed', token };
  }

  async claimAlert(leadId: string, triggerId: string, startedAt: string) {
    const key = `${leadId}#${triggerId}#${startedAt}`;
    return this.claim(this.alerts, key, (token) => this.alerts.set(key, { status: 'sending', token }));
  }
  async markAlertSent(leadId: string, triggerId: string, startedAt: string, token: string) {
    const key = `${leadId}#${triggerId}#${startedAt}`;
    if (this.alerts.get(key)?.token === token) this.alerts.set(key, { status: 'sent', token });
  }
  async releaseAlert(leadId: string, triggerId: string, startedAt: string, token: string) {
    const key = `${leadId}#${triggerId}#${startedAt}`;
    if (this.alerts.get(key)?.token === token) this.alerts.delete(key);
  }

  async claimSend(send: { leadId: string; sendId: string; surveyId: string; kind: SurveyDefinition['kind'] }, now: Date): Promise<SurveySendClaim> {
    const key = `${send.leadId}#${send.sendId}`;
    const claim = await this.claim(this.sends, key, (token) => this.sends.set(key, { ...send, sentAt: now.toISOString(), status: 'sending', token }));
    return claim.outcome === 'already-sent' ? { outcome: 'already-sent', sentAt: this.sends.get(key)?.sentAt ?? now.toISOString() } : claim;
  }
  async markSendSent(leadId: string, sendId: string, token: string, messageId: string) {
    const held = this.sends.get(`${leadId}#${sendId}`);
    if (held?.token === token) this.sends.set(`${leadId}#${sendId}`, { ...held, status: 'sent', messageId });
  }
  async releaseSend(leadId: string, sendId: string, token: string) {
    if (this.sends.get(`${leadId}#${sendId}`)?.token === token) this.sends.delete(`${leadId}#${sendId}`);
  }

  async settings() {
    return this.careSettings;
  }
  async activeFormula() {
    return this.formula;
  }
  async lifespan() {
    return this.averageLifespan;
  }

  async eventsOf(): Promise<RecordedEvent[]> {
    return [...this.events];
  }

  async accept(events: readonly { id: string; type: string; properties: Readonly<Record<string, unknown>> }[]) {
    for (const event of events) if (!this.engagement.some((known) => known.id === event.id)) this.engagement.push(event);
    return {};
  }

  async links(survey: SurveyDefinition, claims: Omit<SurveyLinkClaims, 'score' | 'surveyId'>): Promise<SurveyLink[]> {
    return scoresOf(survey.kind).map((score) => ({ score, url: `https://x.test/v1/surveys/answer?token=${signSurveyLink(KEY_RING, { ...claims, surveyId: survey.id, score })}` }));
  }
  async unsubscribeUrl(leadId: string, subscription: string) {
    return `https://x.test/v1/unsubscribe?lead=${leadId}&type=${subscription}`;
  }
  async isSuppressed(email: string) {
    return this.suppressed.has(email);
  }
  async addressOf(owner: { repId: string }) {
    return `${owner.repId}@example.com`;
  }
}

export class MemorySchedules implements OneTimeSchedules {
  readonly schedules = new Map<string, OneTimeSchedule<keyof DetailByType>>();
  async put<T extends keyof DetailByType>(schedule: OneTimeSchedule<T>): Promise<void> {
    this.schedules.set(schedule.name, schedule as unknown as OneTimeSchedule<keyof DetailByType>);
  }
  async delete(name: string): Promise<void> {
    this.schedules.delete(name);
  }
  /** CreateSchedule's rule: a name that exists is refused (ConflictException), never moved. */
  async create<T extends keyof DetailByType>(schedule: OneTimeSchedule<T>): Promise<'created' | 'exists'> {
    if (this.schedules.has(schedule.name)) return 'exists';
    await this.put(schedule);
    return 'created';
  }
}
