import { describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { bandKey } from '../../src/domain/score-order';
import { fiftyRuleRuleset } from '../../bench/scoring';
import { scoreFromItem, storedRecent, storedScore, storedThrough } from '../../src/adapters/score-items';
import { scopedEventId, submissionIdFor } from '../../src/domain/idempotency';
import { apply, scoreAt, type ScoredEvent, type ScoreState } from '../../src/domain/scoring/engine';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

/**
 * DynamoDB charges a write by the size of the whole item (a write unit per KB, two inside a
 * transaction), so the score a scorer rewrites after every event must stay near 1 KB whatever the
 * lead's history. Three years of weekly activity are scored event by event, as live scoring does,
 * and the state is measured after every event as the score item stores it (src/adapters/score-items.ts).
 */

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** A Monday, so weeks are the calendar weeks weekly caps count in. */
const START = Date.UTC(2024, 0, 1);
const YEARS = 3;
const ITEM_BUDGET_BYTES = 1024;

/** mulberry32: a small seeded generator, so every run builds the same history. */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A decision maker at a company the product serves: every fit booster holds, so the state lists every fit rule. */
const lead = { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000, annualRevenue: 2_000_000, country: 'US', company: 'Example Ltd' };
const email = 'jane@example.com';

/**
 * A lead's weeks from week `first` on: a few page views (pricing, features, demo, blog, docs,
 * careers; some read for minutes), the newsletter opened and sometimes clicked, and now and then a
 * chat, a download, a webinar registration or a form. Ids are stored ids (`ev_` and 32 hex digits,
 * a form's `sub_`, a chat's `chat_`), times to the millisecond; each event arrives up to an hour late, so some arrive out of order.
 */
function weeklyActivity(first: number, weeks: number, seed: number): ScoredEvent[] {
  const random = seeded(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)] as T;
  const pages = ['pricing', 'pricing?plan=team', 'features/scoring', 'features/segments', 'demo', 'blog/post-1', 'blog/post-2', 'docs/api', 'careers'];
  const events: (ScoredEvent & { arrivesAt: number })[] = [];
  const add = (weekStart: number, type: string, properties: Record<string, unknown> = {}) => {
    const at = weekStart + Math.floor(random() * WEEK);
    const clientId = `week-${first}-${seed}-${events.length}`;
    // Form submissions and chats have ids of their own shape (idempotency.ts, chat-capture.ts), as a real lead's history has.
    const id = type === 'form_submission' ? submissionIdFor('demo-request', email, clientId) : type === 'chat_message' ? scopedEventId({ email }, clientId).replace('ev_', 'chat_') : scopedEventId({ email }, clientId);
    events.push({ id, type, occurredAt: new Date(at).toISOString(), properties, arrivesAt: at + Math.floor(random() * 3_600_000) });
  };
  for (let week = first; week < first + weeks; week += 1) {
    const weekStart = START + week * WEEK;
    const views = 2 + Math.floor(random() * 5);
    for (let view = 0; view < views; view += 1) add(weekStart, 'page_view', { url: `https://example.com/${pick(pages)}`, secondsOnPage: Math.floor(random() * 400) });
    add(weekStart, 'email_open');
    if (random() < 0.3) add(weekStart, 'email_click');
    if (random() < 0.15) for (let message = 0; message < 1 + Math.floor(random() * 3); message += 1) add(weekStart, 'chat_message');
    if (random() < 0.15) add(weekStart, 'content_download');
    if (random() < 0.05) add(weekStart, 'webinar_registration');
    if (random() < 0.08) add(weekStart, 'form_submission');
  }
  return events.sort((a, b) => a.arrivesAt - b.arrivesAt).map(({ arrivesAt: _arrivesAt, ...event }) => event);
}

/** The last weeks of every history are the same weeks, so states at the end differ only by what came before. */
const LAST_WEEKS = 8;
const history = (years: number) => [...weeklyActivity(0, years * 52 - LAST_WEEKS, 20261130), ...weeklyActivity(years * 52 - LAST_WEEKS, LAST_WEEKS, 7)];

/** The size DynamoDB bills for a value: strings by UTF-8 length, numbers by significant digits, lists and maps with their overhead. */
function dynamoSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits = Math.abs(value).toExponential().split('e')[0]?.replace('.', '').length ?? 1;
    return Math.ceil(digits / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, item) => sum + 1 + dynamoSize(item), 0);
  if (typeof value === 'object') {
    return 3 + Object.entries(value).reduce((sum, [name, item]) => (item === undefined ? sum : sum + 1 + Buffer.byteLength(name, 'utf8') + dynamoSize(item)), 0);
  }
  return 0;
}

const jsonSize = (state: ScoreState) => Buffer.byteLength(JSON.stringify(state), 'utf8');
/**
 * What the score item is billed for: its keys (and its band's), version and watermark (with the five events of a request
 * still recent, as the scorer writes it right after a request) and the score, as stored.
 */
const itemSize = (state: ScoreState) =>
  dynamoSize({
    pk: 'LEAD#9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
    sk: 'SCORE',
    entity: 'score',
    version: 123_456,
    through: storedThrough(state.engagementAt),
    recent: storedRecent([1, 2, 3, 4, 5].map((n) => ({ id: n === 1 ? submissionIdFor('demo-request', email, 'recent') : scopedEventId({ email }, `recent-${n}`), recordedAt: state.engagementAt }))),
    score: storedScore(state),
    // The band entry of the list sorted by score (index `bands`), at its widest.
    ...keys.scoreBand('9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d', bandKey(-100_000)),
  });

/** Scores a history event by event, as live scoring does; the largest state stored on the way and the last. */
function scoreLive(ruleset: Ruleset, events: readonly ScoredEvent[]) {
  let state: ScoreState | undefined;
  let largest = 0;
  let largestJson = 0;
  const states: ScoreState[] = [];
  for (const event of events) {
    state = apply(state, { event, lead }, ruleset).state;
    largest = Math.max(largest, itemSize(state));
    largestJson = Math.max(largestJson, jsonSize(state));
    states.push(state);
  }
  if (!state) throw new Error('no events');
  return { state, largest, largestJson, states };
}

const rulesets = [
  // One write unit per score write (two in a transaction); two with 50 rules.
  ['the starter ruleset', starterRuleset, ITEM_BUDGET_BYTES],
  ['the bench 50-rule ruleset', fiftyRuleRuleset('bench-50'), 2 * ITEM_BUDGET_BYTES],
] as const;

describe('the stored score state stays small whatever the history', () => {
  it.each(rulesets)('%s: every state stored over three years of weekly activity is within its bound', (_name, ruleset, bound) => {
    const events = history(YEARS);
    const { state, largest, largestJson } = scoreLive(ruleset, events);
    console.info(`${ruleset.version}: ${events.length} events over ${YEARS} years; largest score item ${largest} bytes (DynamoDB), the engine state ${largestJson} as JSON; last ${itemSize(state)} bytes`);
    expect(state.eventCount).toBe(events.length);
    expect(largest).toBeLessThanOrEqual(bound);
  });

  it.each(rulesets)('%s: the state after three years is no larger than after one, the last weeks being the same', (_name, ruleset) => {
    const afterOneYear = scoreLive(ruleset, history(1)).state;
    const afterThreeYears = scoreLive(ruleset, history(YEARS)).state;
    console.info(`${ruleset.version}: ${itemSize(afterOneYear)} bytes after one year, ${itemSize(afterThreeYears)} after three (DynamoDB); ${jsonSize(afterOneYear)} and ${jsonSize(afterThreeYears)} as JSON`);
    // Counts (points, times, events) gain a digit or two over the years; nothing else may grow.
    expect(itemSize(afterThreeYears)).toBeLessThanOrEqual(itemSize(afterOneYear) + 16);
  });

  it.each(rulesets)('%s: every stored state reads back exactly (test/adapters/score-items.test.ts does it through DynamoDB Local)', (_name, ruleset) => {
    for (const state of scoreLive(ruleset, history(1)).states) expect(scoreFromItem(storedScore(state))).toEqual(state);
  });

  it('still explains the score after three years: the ledger names each rule and its latest events', () => {
    const { state } = scoreLive(starterRuleset, history(YEARS));
    const read = scoreAt(state, lead, starterRuleset, state.engagementAt);
    expect(read.tallies['pricing-page']).toMatchObject({ description: 'Pricing page view', kind: 'event' });
    expect(read.tallies['pricing-page']?.hits.length).toBeGreaterThan(0);
    expect(read.tallies['decision-maker']).toMatchObject({ description: 'Decision-maker role', points: 20 });
  });
});
