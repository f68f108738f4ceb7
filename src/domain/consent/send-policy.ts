import * as z from 'zod/mini';
import { isKnownTimeZone, zoneOffsetMs } from '../campaigns/schedule';
import type { Lead } from '../lead';
import type { SubscriptionType } from '../subscriptions';

/** Why a marketing email was not sent to a lead: consent and suppression, then the send-time policy. */
export const SKIP_REASONS = ['no_lead', 'not_opted_in', 'suppressed', 'frequency_cap', 'quiet_hours'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type SendDecision =
  | { readonly send: true }
  | { readonly send: false; readonly reason: 'no_lead' | 'not_opted_in' | 'suppressed' };

/**
 * The one send-time check for marketing email, made with what was read consistently just before the
 * call: the lead must exist, be opted in to the message's subscription type (pending, opted out or
 * never asked all say no) and its address must not be suppressed. Every sender asks this, so an
 * unsubscribe made after planning still holds before the send.
 */
export function sendDecision(lead: Lead | undefined, subscription: SubscriptionType, suppressed: boolean): SendDecision {
  if (!lead) return { send: false, reason: 'no_lead' };
  if (suppressed || lead.emailSuppression) return { send: false, reason: 'suppressed' };
  if (lead.subscriptions[subscription] !== 'opted_in') return { send: false, reason: 'not_opted_in' };
  return { send: true };
}

/**
 * RFC 2369 and RFC 8058 headers every marketing email carries: a one-click unsubscribe over https
 * (or the loopback address of local mode, which has no certificate).
 */
export function listUnsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  if (!unsubscribeUrl.startsWith('https://') && !unsubscribeUrl.startsWith('http://127.0.0.1:')) {
    throw new Error(`List-Unsubscribe needs an https URL, not ${unsubscribeUrl.slice(0, 40)}`);
  }
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The longest period a frequency cap may count over; the per-lead ledger keeps sends this long. */
export const MAX_CAP_PERIOD_DAYS = 90;
/** The most sends a lead's ledger keeps (newest first): more than any cap counts, bounded so its item stays small (about 100 bytes a send). */
export const MAX_LEDGER_SENDS = 200;

const TimeOfDay = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time of day hh:mm (00:00 to 23:59)'));
const TimeZone = z
  .string().check(z.maxLength(64), z.refine((zone) => isKnownTimeZone(zone), 'must be a known IANA time zone such as Europe/Paris'), z.describe('IANA time zone.'));

/**
 * The send-time policy every marketing email goes through (campaigns and journeys), configured once.
 * Transactional email (MQL alerts, confirmations) is not under it.
 */
export const SendPolicy = z
  .strictObject({
    frequencyCap: z.optional(z
      .strictObject({
        maxEmails: z.int().check(z.gte(1), z.lte(MAX_LEDGER_SENDS)),
        periodDays: z.int().check(z.gte(1), z.lte(MAX_CAP_PERIOD_DAYS)),
      })).check(z.describe('At most `maxEmails` marketing emails per lead in any `periodDays` days (a sliding window); absent: no cap.')),
    quietHours: z.optional(z
      .strictObject({ start: TimeOfDay, end: TimeOfDay }).check(z.refine((quiet) => quiet.start !== quiet.end, { message: 'must differ from start', path: ['end'] }))).check(z.describe("No marketing email from `start` to `end` in the lead's time zone (`21:00` to `08:00` spans midnight); a campaign's send falls due at `end`. Absent: none.")),
    defaultTimeZone: z._default(TimeZone, 'UTC').check(z.describe("The zone of a lead with no valid `attributes.timeZone`. Default `UTC`.")),
  }).check(z.meta({ id: 'SendPolicy' }));
export type SendPolicy = z.output<typeof SendPolicy>;

/** No cap and no quiet hours: the policy of a deployment that never set one. */
export const OPEN_POLICY: SendPolicy = { defaultTimeZone: 'UTC' };

/** A lead's time zone: its `attributes.timeZone` when that names a known IANA zone, else the policy's default. */
export function leadTimeZone(lead: Pick<Lead, 'attributes'>, policy: SendPolicy): string {
  const own = lead.attributes?.timeZone;
  return typeof own === 'string' && isKnownTimeZone(own) ? own : policy.defaultTimeZone;
}

const minutesOf = (timeOfDay: string) => Number(timeOfDay.slice(0, 2)) * 60 + Number(timeOfDay.slice(3, 5));

/**
 * When the quiet hours that hold `now` in `timeZone` end, or undefined when `now` is outside them.
 * The end is the first instant the lead's clock shows `end` or later: on a night the clocks skip
 * `end` (daylight saving time starts), the moment they jump past it; on a night they show it twice,
 * the first time.
 */
export function quietHoursEnd(quiet: { readonly start: string; readonly end: string }, timeZone: string, now: Date): Date | undefined {
  const nowMs = now.getTime();
  const localMs = nowMs + zoneOffsetMs(timeZone, nowMs);
  const minuteOfDay = Math.floor((localMs % DAY_MS) / MINUTE_MS);
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const inside = start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
  if (!inside) return undefined;
  const localMidnight = localMs - (localMs % DAY_MS);
  const endWall = localMidnight + end * MINUTE_MS + (minuteOfDay >= end ? DAY_MS : 0);
  return new Date(firstInstantAtOrAfter(endWall, timeZone));
}

/** The first instant whose wall-clock time in the zone is `wallMs` (its fields read as UTC), or, when the clocks skip it, the instant they jump past it. */
function firstInstantAtOrAfter(wallMs: number, timeZone: string): number {
  const wallAt = (instant: number) => instant + zoneOffsetMs(timeZone, instant);
  // Every offset the zone has around that day; zones change offset at most once or twice in 4 days.
  const offsets = [-2, -1, 0, 1, 2].map((days) => zoneOffsetMs(timeZone, wallMs + days * DAY_MS));
  const showing = offsets.map((offset) => wallMs - offset).filter((instant) => wallAt(instant) === wallMs);
  if (showing.length) return Math.min(...showing);
  // A gap: before `low` the clock shows less, from `high` more; the jump between them is one offset change.
  let low = wallMs - Math.max(...offsets);
  let high = wallMs - Math.min(...offsets);
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (wallAt(middle) >= wallMs) high = middle;
    else low = middle;
  }
  return high;
}

/** One marketing email counted against a lead's cap: what was sent (`campaign:<id>`, a journey step) and when. */
export interface LedgerSend {
  readonly key: string;
  readonly at: string;
}

export type CapOutcome = 'counted-already' | 'within-cap' | 'cap-reached';

/**
 * Whether one more marketing email keyed `key` fits the cap at `now`: one already counted under its
 * key fits (a retried send counts once); otherwise the sends in the last `periodDays` days (a send
 * exactly `periodDays` ago no longer counts) must be fewer than `maxEmails`.
 */
export function capOutcome(sends: readonly LedgerSend[], cap: SendPolicy['frequencyCap'], key: string, now: Date): CapOutcome {
  if (sends.some((send) => send.key === key)) return 'counted-already';
  if (!cap) return 'within-cap';
  const since = now.getTime() - cap.periodDays * DAY_MS;
  const recent = sends.filter((send) => Date.parse(send.at) > since).length;
  return recent < cap.maxEmails ? 'within-cap' : 'cap-reached';
}

/** The ledger after counting `send`: sends older than the longest period a cap may count over go, and the newest MAX_LEDGER_SENDS stay. */
export function ledgerWith(sends: readonly LedgerSend[], send: LedgerSend, now: Date): LedgerSend[] {
  const oldest = now.getTime() - MAX_CAP_PERIOD_DAYS * DAY_MS;
  return [...sends.filter((kept) => Date.parse(kept.at) > oldest), send].sort((a, b) => b.at.localeCompare(a.at)).slice(0, MAX_LEDGER_SENDS);
}
