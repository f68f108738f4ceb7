import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, settled, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * After the sale on the local stack: an NPS survey requested for an opted-in customer arrives by email
 * with one signed link per score; the answer is recorded from its link; the churn risk moves; the
 * detractor trigger alerts the inbox once.
 */
let stack: LocalStack;
const { admin, post, mails } = stackClient(() => stack);

beforeAll(async () => {
  stack = await sharedStack();
});

interface CustomerCarePage {
  fields: { latestNps?: number; npsCategory?: string };
  care: { risk?: { score: number; band: string; breakdown: { input: string; points: number }[] } };
}

describe('after the sale on the local stack', () => {
  it('takes a survey email to a recorded answer, a risk change and one alert', async () => {
    const email = `customer-${randomUUID()}@example.com`;
    const signUp = await post('/v1/forms/newsletter/submissions', { email, consent: ['product_updates'] });
    expect(signUp.status).toBe(202);
    const { leadId } = (await signUp.json()) as { leadId: string };

    const requested = await admin('POST', '/v1/admin/care/surveys/nps/requests', { leadIds: [leadId], requestId: `it-${randomUUID().slice(0, 8)}` });
    expect(requested.status).toBe(202);
    const survey = await eventually(async () => (await mails()).find((mail) => mail.destination.to.includes(email)), 30_000);
    expect(survey.headers?.find((header) => header.name === 'List-Unsubscribe-Post')?.value).toBe('List-Unsubscribe=One-Click');
    const link = (score: number) => survey.body.text?.match(new RegExp(`^${score}: (\\S+)$`, 'm'))?.[1];
    const detractor = link(2);
    expect(detractor).toMatch(/\/v1\/surveys\/answer\?token=/);

    // A tampered link records nothing and says so on a page.
    const tampered = await fetch(`${detractor}x`);
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('This link does not work');

    // The page's button (what a person presses when the click came seconds after sending) records the score.
    const answered = await fetch(detractor as string, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain('Your answer 2 is recorded');

    const care = await eventually(async () => {
      const response = await admin('GET', `/v1/admin/customers/${leadId}/care`);
      const page = (await response.json()) as CustomerCarePage;
      return page.care.risk?.breakdown.some((entry) => entry.input === 'latestNps' && entry.points > 0) ? page : undefined;
    }, 30_000);
    expect(care.fields).toMatchObject({ latestNps: 2, npsCategory: 'detractor' });

    const alert = await eventually(async () => (await mails()).find((mail) => mail.subject.startsWith('Customer at risk') && mail.body.text?.includes(leadId)), 30_000);
    expect(alert.destination.to).toEqual(['sales@example.com']);
    expect(alert.body.text).toContain('latest NPS answer 2 is below 7 (detractor)');

    // The same answer again keeps the one episode: no second alert.
    expect((await fetch(detractor as string, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status).toBe(200);
    await settled(stack);
    const alerts = (await mails()).filter((mail) => mail.subject.startsWith('Customer at risk') && mail.body.text?.includes(leadId));
    expect(alerts).toHaveLength(1);

    const report = await admin('GET', '/v1/admin/reports/care');
    expect(report.status).toBe(200);
    const body = (await report.json()) as { nps: { answers: number; detractors: number }[]; riskDistribution: { low: number; medium: number; high: number } };
    expect(body.nps.at(-1)?.detractors).toBeGreaterThanOrEqual(1);
    expect(body.riskDistribution.medium + body.riskDistribution.high + body.riskDistribution.low).toBeGreaterThanOrEqual(1);
  });
});
