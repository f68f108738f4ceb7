import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, settled, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * The follow-up of an assigned MQL on the local stack, with timers of seconds: a lead its rep does
 * not answer gets a reminder to that rep, then goes to the team's other rep, who gets the alert and
 * the same follow-up, ending at the team inbox when no rep is left; a lead accepted in time gets none. The local Scheduler fires the timers into the local bus.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await sharedStack();
});

const { admin, mails, qualifyLead } = stackClient(() => stack);
const suffix = randomUUID().slice(0, 8);
const ana = `ana-${suffix}@example.com`;
const budi = `budi-${suffix}@example.com`;
// A team of this file's own: round-robin turns are counted per team id, and the stack is shared.
const apac = `apac-${suffix}`;
const REMIND_AFTER_SECONDS = 6;
const REASSIGN_AFTER_SECONDS = 15;

interface LeadPage {
  owner?: { repId: string; teamId: string; assignedAt: string };
  stage?: string;
}

const leadPage = async (leadId: string) => (await (await admin('GET', `/v1/admin/leads/${leadId}`)).json()) as LeadPage;
const mailsTo = async (address: string) => (await mails()).filter((mail) => mail.destination.to.includes(address));

describe('MQL follow-up on the local stack', () => {
  it('reminds the rep of an unanswered lead, reassigns it to the other rep, who is reminded in turn, then tells the team inbox; a lead accepted in time gets none of it', { timeout: 150_000 }, async () => {
    const invalid = await admin('PUT', '/v1/admin/routing', {
      teams: [{ id: apac, name: 'APAC', inbox: `apac-${suffix}@example.com`, reps: [] }],
      rules: [],
      defaultTeam: apac,
      followUp: { remindAfterMinutes: 10, reassignAfterMinutes: 5 },
    });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(await invalid.json())).toContain('followUp.reassignAfterMinutes');

    const routing = await admin('PUT', '/v1/admin/routing', {
      teams: [
        {
          id: apac, name: 'APAC', inbox: `apac-${suffix}@example.com`,
          reps: [{ id: 'ana', name: 'Ana', email: ana, capacity: 10 }, { id: 'budi', name: 'Budi', email: budi, capacity: 10 }],
        },
      ],
      rules: [],
      defaultTeam: apac,
      followUp: { remindAfterMinutes: REMIND_AFTER_SECONDS / 60, reassignAfterMinutes: REASSIGN_AFTER_SECONDS / 60 },
    });
    expect(routing.status).toBe(200);

    // One after the other, so the round-robin order is known: the first goes to Ana, the second to Budi.
    const unanswered = await qualifyLead('Nadia');
    expect((await eventually(async () => (await leadPage(unanswered)).owner, 30_000)).repId).toBe('ana');
    const answered = await qualifyLead('Omar');
    expect((await eventually(async () => (await leadPage(answered)).owner, 30_000)).repId).toBe('budi');
    await eventually(async () => ((await leadPage(answered)).stage === 'mql' ? true : undefined), 30_000);
    const accept = await admin('POST', `/v1/admin/leads/${answered}/feedback`, { action: 'accept', actor: 'budi' });
    expect(accept.status).toBe(200);

    const reminder = await eventually(async () => (await mailsTo(ana)).find((mail) => mail.subject.startsWith('Reminder:')), 30_000);
    expect(reminder.subject).toContain('Nadia');
    expect(reminder.body.text).toContain('is not accepted or rejected yet');

    const owner = await eventually(async () => {
      const current = (await leadPage(unanswered)).owner;
      return current?.repId === 'budi' ? current : undefined;
    }, 40_000);
    expect(owner.teamId).toBe(apac);
    const alert = await eventually(async () => (await mailsTo(budi)).find((mail) => mail.subject.startsWith('MQL reassigned to you:')), 20_000);
    expect(alert.subject).toContain('Nadia');

    // Budi is on the same clock: a reminder, then, with no rep left who has not had the lead, the team inbox.
    const budiReminder = await eventually(async () => (await mailsTo(budi)).find((mail) => mail.subject.startsWith('Reminder:') && mail.subject.includes('Nadia')), 30_000);
    expect(budiReminder.body.text).toContain('Budi, this marketing-qualified lead was assigned to you');
    const inbox = await eventually(async () => (await mailsTo(`apac-${suffix}@example.com`)).find((mail) => mail.subject.startsWith('MQL not picked up:')), 30_000);
    expect(inbox.subject).toContain('Nadia');
    expect((await leadPage(unanswered)).owner?.repId).toBe('budi');

    // Well past both timers of the accepted lead (they were due long before the last of the unanswered
    // one's), and once everything they could have started is handled: nothing more arrives.
    await settled(stack);
    const all = await mails();
    const followUps = all.filter((mail) => ['Reminder:', 'MQL reassigned', 'MQL not picked up'].some((start) => mail.subject.startsWith(start)));
    expect(followUps.filter((mail) => mail.subject.includes('Omar'))).toEqual([]);
    expect(followUps.filter((mail) => mail.subject.includes('Nadia')).map((mail) => mail.destination.to)).toEqual([[ana], [budi], [budi], [`apac-${suffix}@example.com`]]);
    expect((await leadPage(answered)).owner?.repId).toBe('budi');
  });
});
