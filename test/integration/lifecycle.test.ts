import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { onRunDynamoDb } from '../run-dynamodb';
import { eventually, settled, stackClient } from './helpers';

/**
 * Lifecycle stages on the local stack: a qualification moves the lead to mql (one transition), sales
 * feedback moves it on or back to nurture, and the handoff report counts what happened.
 */
let stack: LocalStack;
const { admin, post, getLead, qualifyLead } = stackClient(() => stack);

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  stack = await startLocalStack(await onRunDynamoDb({ visibilityTimeoutSeconds: 1, log: () => {} }));
});

afterAll(async () => {
  await stack?.stop();
});

interface Transition { from: string | null; to: string; cause: string; actor: string; reason?: string }
interface Conversion { from: string; entered: number; converted: number }
interface HandoffReport {
  funnel: { month: string; entered: Record<string, number> }[];
  conversion: Conversion[];
  mqlAcceptance: { accepted: number; rejected: number; ratePercent: number | null };
  timeToMql: { leads: number };
}

const stageOf = async (leadId: string) => ((await getLead(leadId)) as { stage?: string }).stage;
const transitionsOf = async (leadId: string): Promise<Transition[]> => {
  const response = await admin('GET', `/v1/admin/leads/${leadId}/export`);
  return ((await response.json()) as { records: Record<string, Transition[]> }).records['stage-transition'] ?? [];
};
const report = async (): Promise<HandoffReport> => {
  const month = new Date().toISOString().slice(0, 7);
  const response = await admin('GET', `/v1/admin/reports/handoff?from=${month}&to=${month}`);
  expect(response.status).toBe(200);
  return (await response.json()) as HandoffReport;
};
const feedback = (leadId: string, body: unknown) => admin('POST', `/v1/admin/leads/${leadId}/feedback`, body);

describe('lifecycle and sales feedback on the local stack', () => {
  it('qualifies a lead into mql once, takes sales feedback and reports it', async () => {
    const before = await report();

    const accepted = await qualifyLead('Ada');
    expect(await eventually(async () => ((await stageOf(accepted)) === 'mql' ? 'mql' : undefined))).toBe('mql');
    // Everything a duplicate delivery could come from has been handled before counting.
    await settled(stack);
    expect(await transitionsOf(accepted)).toEqual([
      expect.objectContaining({ from: null, to: 'lead', cause: 'created', actor: 'leadflow' }),
      expect.objectContaining({ from: 'lead', to: 'mql', cause: 'qualified', actor: 'leadflow' }),
    ]);

    const accept = await feedback(accepted, { action: 'accept', actor: 'rep-1' });
    expect(accept.status).toBe(200);
    expect(await stageOf(accepted)).toBe('sql');

    const invalid = await feedback(accepted, { action: 'accept', actor: 'rep-1' });
    expect(invalid.status).toBe(409);
    expect(await invalid.json()).toMatchObject({ stage: 'sql', allowed: ['opportunity', 'recycled', 'disqualified'] });
    expect(await stageOf(accepted)).toBe('sql');

    const unknownReason = await feedback(accepted, { action: 'lost', reason: 'gremlins', actor: 'rep-1' });
    expect(unknownReason.status).toBe(400);
    expect(await unknownReason.json()).toMatchObject({ issues: [{ field: 'reason' }] });

    const rejected = await qualifyLead('Bo');
    await eventually(async () => ((await stageOf(rejected)) === 'mql' ? true : undefined));
    const reject = await feedback(rejected, { action: 'reject', reason: 'bad_timing', actor: 'rep-2' });
    expect(reject.status).toBe(200);
    const recycled = (await (await admin('GET', `/v1/admin/leads/${rejected}`)).json()) as {
      stage?: string;
      score?: { qualified: boolean; engagement: number; total: number; breakdown: Record<string, unknown> };
    };
    expect(recycled.stage).toBe('recycled');
    // Only the standing "very low engagement" rule is left of its engagement; its fit is kept.
    expect(recycled.score).toMatchObject({ qualified: false, breakdown: expect.not.objectContaining({ 'demo-page': expect.anything() }) });
    expect(recycled.score?.engagement).toBeLessThanOrEqual(0);
    expect(recycled.score?.total).toBeLessThan(100);

    const after = await eventually(async () => {
      const current = await report();
      return current.mqlAcceptance.rejected > before.mqlAcceptance.rejected ? current : undefined;
    });
    expect(after.mqlAcceptance.accepted - before.mqlAcceptance.accepted).toBe(1);
    expect(after.mqlAcceptance.rejected - before.mqlAcceptance.rejected).toBe(1);
    const entered = (snapshot: HandoffReport, stage: string) => snapshot.funnel.reduce((sum, row) => sum + (row.entered[stage] ?? 0), 0);
    expect(entered(after, 'mql') - entered(before, 'mql')).toBe(2);
    expect(entered(after, 'sql') - entered(before, 'sql')).toBe(1);
    expect(entered(after, 'recycled') - entered(before, 'recycled')).toBe(1);
    expect(after.timeToMql.leads - before.timeToMql.leads).toBe(2);
    expect(entered(after, 'lead') - entered(before, 'lead')).toBe(2);
  });

  it('records a newsletter subscriber entering as subscriber, and the form with details that makes it a lead', async () => {
    const before = await report();
    const email = `sub-${randomUUID()}@example.com`;
    const signUp = await post('/v1/forms/newsletter/submissions', { email, consent: ['product_updates'] });
    const { leadId } = (await signUp.json()) as { leadId: string };
    expect(await stageOf(leadId)).toBe('subscriber');

    expect((await post('/v1/forms/contact/submissions', { email, firstName: 'Sari', company: 'Acme' })).status).toBe(202);
    expect(await eventually(async () => ((await stageOf(leadId)) === 'lead' ? 'lead' : undefined))).toBe('lead');
    const page = (await getLead(leadId)) as { stageHistory: Transition[] };
    expect(page.stageHistory).toEqual([
      expect.objectContaining({ from: null, to: 'subscriber', cause: 'created' }),
      expect.objectContaining({ from: 'subscriber', to: 'lead', cause: 'form', actor: 'leadflow' }),
    ]);

    const after = await eventually(async () => {
      const current = await report();
      const subscribers = current.conversion.find((line) => line.from === 'subscriber');
      return (subscribers?.converted ?? 0) > (before.conversion.find((line) => line.from === 'subscriber')?.converted ?? 0) ? current : undefined;
    });
    const line = (snapshot: HandoffReport) => snapshot.conversion.find((conversion) => conversion.from === 'subscriber') as Conversion;
    expect(line(after).entered - line(before).entered).toBe(1);
    expect(line(after).converted - line(before).converted).toBe(1);
  });

  it('back-tests against what sales did: a won lead counts as caught, and alerts go to the routing\'s reps', async () => {
    const suffix = randomUUID().slice(0, 8);
    const routing = await admin('PUT', '/v1/admin/routing', {
      teams: [{ id: 'apac', name: 'APAC', inbox: `apac-${suffix}@example.com`, reps: [{ id: 'ana', name: 'Ana', email: `ana-${suffix}@example.com`, capacity: 50 }] }],
      rules: [],
      defaultTeam: 'apac',
    });
    expect(routing.status).toBe(200);
    const won = await qualifyLead('Cici');
    await eventually(async () => ((await stageOf(won)) === 'mql' ? true : undefined));
    expect((await feedback(won, { action: 'accept', actor: 'ana' })).status).toBe(200);
    const crm = await admin('POST', '/v1/admin/crm/updates', { updates: [{ updateId: `opp-${suffix}`, occurredAt: new Date().toISOString(), leadId: won, stage: 'opportunity' }] });
    expect(crm.status).toBe(200);
    expect((await feedback(won, { action: 'won', reason: 'product_fit', amount: 9000, currency: 'USD', billingFrequency: 'yearly', actor: 'ana' })).status).toBe(200);
    expect(((await getLead(won)) as { wonAt?: string }).wonAt).toEqual(expect.any(String));

    const rulesets = (await (await admin('GET', '/v1/admin/rulesets')).json()) as { items: { version: string; status: string }[] };
    const active = rulesets.items.find((ruleset) => ruleset.status === 'active')?.version ?? '';
    const window = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const response = await admin('POST', `/v1/admin/rulesets/${active}/backtest`, window);
    expect(response.status).toBe(200);
    const report = (await response.json()) as { active: { closedWon: { leads: number; caught: number; medianDaysBeforeWin: number | null }; alertLoad: { perRep: { repId: string; alerts: number }[] } } };
    expect(report.active.closedWon.leads).toBeGreaterThanOrEqual(1);
    expect(report.active.closedWon.caught).toBeGreaterThanOrEqual(1);
    expect(report.active.closedWon.medianDaysBeforeWin).toBeGreaterThanOrEqual(0);
    expect(report.active.alertLoad.perRep.find((load) => load.repId === 'ana')?.alerts).toBeGreaterThanOrEqual(1);
  });
});
