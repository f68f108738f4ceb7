/**
 * Scoring figures for `npm run bench`: rule evaluations per second of the pure engine with a 50-rule
 * ruleset, and the time to back-test 100,000 events, in memory and end to end on the local stack.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { putItems } from './put-items';
import * as keys from '../src/adapters/keys';
import { emptyScoreItem } from '../src/adapters/lead-items';
import { Backtest } from '../src/domain/scoring/backtest';
import { replay, type ScoredEvent } from '../src/domain/scoring/engine';
import type { Rule, Ruleset } from '../src/domain/scoring/ruleset';
import { starterRuleset } from '../src/domain/scoring/starter-ruleset';
import { validateRuleset } from '../src/domain/scoring/validate';
import type { LocalStack } from '../local/stack';

const PAGES = ['pricing', 'demo', 'features/scoring', 'features/segments', 'blog/post-1', 'blog/post-2', 'docs/api', 'careers'];
const TYPES = ['page_view', 'page_view', 'page_view', 'content_download', 'webinar_registration', 'chat_message', 'email_click', 'email_open'];
const ROLES = ['CEO', 'VP Marketing', 'Head of Sales', 'Marketing Manager', 'Intern', 'Engineer', 'Director of Ops'];
const INDUSTRIES = ['SaaS', 'Retail', 'Fintech', 'Education', 'Manufacturing'];
const COUNTRIES = ['US', 'DE', 'ID', 'BR', 'IN', 'GB'];

/** A 50-rule ruleset: the starter's 19 plus 31 more event, fit and activity rules using every operator. */
export function fiftyRuleRuleset(version: string): Ruleset {
  const extra: Rule[] = [];
  for (let index = 0; extra.length < 50 - starterRuleset.rules.length; index += 1) {
    const page = PAGES[index % PAGES.length] ?? 'pricing';
    const variants: Rule[] = [
      { id: `page-${index}`, description: `Visited ${page}`, score: 'engagement', points: 2, cap: { max: 3, periodDays: 7 }, when: { event: { type: ['page_view'], properties: { url: [{ wildcard: `*/${page}*` }] } } } },
      { id: `long-read-${index}`, description: 'Long read', score: 'engagement', points: 3, when: { event: { type: ['page_view'], properties: { secondsOnPage: [{ numeric: ['>=', 60 + index, '<', 3600] }] } } } },
      { id: `email-${index}`, description: 'Email engagement', score: 'engagement', points: 1, cap: { max: 10 }, when: { event: { type: [{ prefix: 'email_' }] }, lead: { country: [{ 'anything-but': ['BR'] }] } } },
      { id: `role-${index}`, description: 'Role family', score: 'fit', points: 1, when: { lead: { role: [{ 'equals-ignore-case': ROLES[index % ROLES.length] ?? 'CEO' }] } } },
      { id: `known-company-${index}`, description: 'Company known', score: 'fit', points: 1, when: { lead: { company: [{ exists: true }], teamSize: [{ numeric: ['>', index] }] } } },
      { id: `quiet-${index}`, description: 'Quiet for a while', score: 'engagement', points: -1, when: { activity: { daysSinceLastEvent: [{ numeric: ['>=', 7 + index] }] } } },
    ];
    extra.push(variants[index % variants.length] as Rule);
  }
  const ruleset = { ...starterRuleset, version, rules: [...starterRuleset.rules, ...extra] };
  const validation = validateRuleset(ruleset);
  if (!validation.valid) throw new Error(`bench ruleset invalid: ${JSON.stringify(validation.issues[0])}`);
  return validation.ruleset;
}

interface History {
  readonly leadId: string;
  readonly lead: Record<string, unknown>;
  readonly events: ScoredEvent[];
}

/** Deterministic synthetic history: `events` spread over `leads` and 60 days. */
export function histories(leads: number, events: number, start = Date.UTC(2026, 8, 1)): History[] {
  // mulberry32: a small seeded generator, so every run scores the same history.
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)] as T;
  const result: History[] = Array.from({ length: leads }, (_, index) => ({
    leadId: randomUUID(),
    lead: { role: pick(ROLES), industry: pick(INDUSTRIES), country: pick(COUNTRIES), teamSize: Math.floor(random() * 500), company: `Company ${index}`, budget: Math.floor(random() * 50_000) },
    events: [],
  }));
  for (let index = 0; index < events; index += 1) {
    const history = result[Math.floor(random() * leads)] as History;
    const type = pick(TYPES);
    history.events.push({
      id: `bench-${index}`,
      type,
      occurredAt: new Date(start + Math.floor(random() * 60 * 86_400_000)).toISOString(),
      properties: type === 'page_view' ? { url: `https://example.com/${pick(PAGES)}`, secondsOnPage: Math.floor(random() * 400) } : {},
    });
  }
  return result;
}

/** Rule evaluations per second: every applied event evaluates every rule of the ruleset once. */
export function ruleEvaluations(events = 50_000) {
  const ruleset = fiftyRuleRuleset('bench-50');
  const data = histories(2_000, events);
  const started = performance.now();
  for (const history of data) replay(history.events, history.lead, ruleset);
  const seconds = (performance.now() - started) / 1000;
  return { rules: ruleset.rules.length, events, ruleEvaluationsPerSecond: Math.round((events * ruleset.rules.length) / seconds), eventsAppliedPerSecond: Math.round(events / seconds) };
}

/** The back-test of `events` events through a 50-rule draft beside the starter, in memory. */
export function backtestInMemory(events = 100_000) {
  const data = histories(5_000, events);
  const window = { from: '2026-09-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' };
  const started = performance.now();
  const backtest = new Backtest(fiftyRuleRuleset('bench-50'), starterRuleset, window);
  for (const history of data) backtest.addLead(history.leadId, history.lead, history.events);
  const report = backtest.report();
  return { events: report.events, leads: report.leads, backtestInMemoryMs: Math.round(performance.now() - started) };
}

/**
 * The same back-test end to end on the local stack: the events and leads are written to DynamoDB
 * Local as the pipeline stores them, then `POST /v1/admin/rulesets/{version}/backtest` reads each
 * lead's partition (profile, score and events of the window) and replays both rulesets.
 */
export async function backtestOnStack(stack: LocalStack, events = 100_000) {
  const data = histories(5_000, events);
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
  // Every lead as a form submission stores it: the back-test reads its touches to tell its stage.
  const firstSeen = '2026-08-01T00:00:00.000Z';
  const items = data.flatMap((history) => [
    {
      ...keys.lead(history.leadId), ...keys.leadListing(history.leadId), entity: 'lead', id: history.leadId, email: `${history.leadId}@example.com`, ...history.lead,
      createdAt: firstSeen, updatedAt: firstSeen, firstTouch: { at: firstSeen, formId: 'bench' }, lastTouch: { at: firstSeen, formId: 'bench' }, subscriptions: {}, version: 1,
    },
    emptyScoreItem(history.leadId),
    ...history.events.map((event) => ({ ...keys.event({ kind: 'lead', id: history.leadId }, event.occurredAt, event.id), entity: 'event', ...event, receivedAt: event.occurredAt })),
  ]);
  const loadStarted = performance.now();
  await putItems(documents, stack.settings.tableName, items, 8);
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${stack.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${stack.devToken}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const draft = fiftyRuleRuleset(`bench-${randomUUID().slice(0, 8)}`);
  const saved = await admin('PUT', `/v1/admin/rulesets/${draft.version}`, draft);
  if (saved.status !== 200) throw new Error(`saving the bench draft answered ${saved.status}: ${await saved.text()}`);
  const started = performance.now();
  const response = await admin('POST', `/v1/admin/rulesets/${draft.version}/backtest`, { from: '2026-09-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' });
  const report = (await response.json()) as { events: number; leads: number };
  if (response.status !== 200) throw new Error(`back-test answered ${response.status}: ${JSON.stringify(report)}`);
  return { events: report.events, leads: report.leads, loadItemsPerSecond: Math.round(items.length / loadSeconds), backtestOnStackMs: Math.round(performance.now() - started) };
}
